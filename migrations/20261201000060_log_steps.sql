-- Ordinary steps (server/store/sessions/step_batch.rs), written by the database in one call.
--
-- log_step: the step of an ACTIVE session with no open question or approval, nothing unread for
-- the agent, a request id never used there and a valid API key (checked here, in the write,
-- because the server may have taken the key from its cache and a revoked key must be refused on
-- the very next call): bumps the session's last_seq and inserts the step. Returns its seq, or
-- NULL when the step does not qualify (its caller then takes the general, locking path, which
-- says why). It uses only primary keys and unique indexes, so its cached plan never goes stale.
CREATE FUNCTION log_step(
    p_session uuid,
    p_project uuid,
    p_request_id text,
    p_body text,
    p_key uuid,
    p_active smallint,
    p_sender smallint,
    p_kind smallint
) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
    v_seq bigint;
BEGIN
    WITH s AS (
        UPDATE sessions SET last_seq = last_seq + 1, last_activity_at = now(), last_seen_at = now()
        WHERE id = p_session AND project_id = p_project AND status = p_active
          AND open_questions = 0 AND open_approvals = 0
          AND NOT EXISTS (SELECT 1 FROM messages m
                          WHERE m.session_id = p_session AND m.request_id = p_request_id)
          AND NOT EXISTS (SELECT 1 FROM messages u
                          WHERE u.session_id = p_session AND u.seq > sessions.agent_read_seq AND u.kind = 4)
          AND EXISTS (SELECT 1 FROM api_keys k
                      WHERE k.id = p_key AND k.project_id = p_project AND k.revoked_at IS NULL
                        AND (k.expires_at IS NULL OR k.expires_at > now()))
        RETURNING sessions.id, sessions.last_seq, sessions.agent_read_seq)
    INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta)
    SELECT s.id, s.last_seq, p_sender, p_kind, p_body::jsonb, p_request_id,
           jsonb_build_object('read_after', s.agent_read_seq, 'read_through', s.agent_read_seq)
    FROM s
    RETURNING messages.seq INTO v_seq;
    RETURN v_seq;
END
$$;

-- log_steps: a batch of them in one call, so that a batch costs one round trip and one commit
-- instead of BEGIN, a round trip per step and COMMIT. In order: each step sees the ones before
-- it, so a session's seqs stay gap-free and in order. Element i is step i's seq or NULL. Any
-- error (a retry racing its original) fails the whole call; the server then sends every step
-- of the batch the general way.
CREATE FUNCTION log_steps(
    p_sessions uuid[],
    p_projects uuid[],
    p_request_ids text[],
    p_bodies text[],
    p_keys uuid[],
    p_active smallint,
    p_sender smallint,
    p_kind smallint
) RETURNS bigint[]
LANGUAGE plpgsql AS $$
DECLARE
    v_seqs bigint[] := '{}';
BEGIN
    FOR i IN 1 .. coalesce(array_length(p_sessions, 1), 0) LOOP
        v_seqs := v_seqs || log_step(p_sessions[i], p_projects[i], p_request_ids[i], p_bodies[i],
                                     p_keys[i], p_active, p_sender, p_kind);
    END LOOP;
    RETURN v_seqs;
END
$$;
