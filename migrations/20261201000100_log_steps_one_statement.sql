-- A batch of steps (server/store/sessions/step_batch.rs) in one statement instead of one per
-- step (a lone step keeps log_step's smaller statement, which costs it less). At 16 agents a batch's execution, not its commit, was most of a group commit's cycle,
-- and most of a step's Postgres time was per-statement overhead: executor start-up, the stored
-- generated columns' expressions re-read on every UPDATE (migration hot_session_updates), the
-- PL/pgSQL call of log_step (issue 18, BENCHMARKS.md §17). Now each session in the batch is
-- updated once, by the number of its steps that qualify, and those steps are inserted with the
-- seqs that bump made room for, numbered in the batch's order.
--
-- What qualifies is what log_step checks, per step: a request id never used in its session and
-- a valid API key of its project; per session: ACTIVE, no open question or approval, nothing
-- unread for the agent. A step that does not qualify gets NULL (its caller takes the general
-- path, which says why) and takes no seq, so a session's seqs stay gap-free. The batch's steps
-- come with distinct (session, request id) pairs: the server sends repeats the general way.
-- Locks and errors are as before: the UPDATE waits at most 100 ms for a session another
-- transaction holds, and any error (a retry racing its original) fails the whole call.
--
-- The plan is generic (one plan per connection, made once): a custom plan per call would cost
-- more than running it. A generic plan is kept until the tables are analyzed again, so it must
-- suit them at any size, and the one Postgres picks for a new, empty database does not: it finds
-- the session through the project's index and scans every unread message of every session per
-- step. So the plan's shape is fixed, the way it can be without hints: the three lookups are
-- correlated subqueries (`OFFSET 0` keeps them from becoming joins), each an index probe by its
-- step's or session's key; the project is compared with IS NOT DISTINCT FROM (the same test
-- for these non-null ids, but no index serves it), which leaves the primary key the only way to
-- the session; and with sequential scans, hash and merge joins off the rest is nested loops
-- over the batch's few rows. The right plan for a table of one page or of millions of rows.
CREATE OR REPLACE FUNCTION log_steps(
    p_sessions uuid[],
    p_projects uuid[],
    p_request_ids text[],
    p_bodies text[],
    p_keys uuid[],
    p_active smallint,
    p_sender smallint,
    p_kind smallint
) RETURNS bigint[]
LANGUAGE plpgsql
-- Only while the function runs (see above; lock_timeout: migration step_batch_lock_timeout).
SET lock_timeout = '100ms'
SET plan_cache_mode = force_generic_plan
SET enable_seqscan = off
SET enable_hashjoin = off
SET enable_mergejoin = off
AS $$
DECLARE
    v_seqs bigint[];
BEGIN
    IF array_length(p_sessions, 1) = 1 THEN
        RETURN ARRAY[log_step(p_sessions[1], p_projects[1], p_request_ids[1], p_bodies[1],
                              p_keys[1], p_active, p_sender, p_kind)];
    END IF;
    WITH step AS (
        SELECT t.session_id, t.project_id, t.request_id, t.body, t.key_id, t.i
        FROM unnest(p_sessions, p_projects, p_request_ids, p_bodies, p_keys)
             WITH ORDINALITY AS t(session_id, project_id, request_id, body, key_id, i)
    ), qualified AS (
        SELECT step.*,
               row_number() OVER (PARTITION BY step.session_id, step.project_id ORDER BY step.i) AS nth,
               count(*) OVER (PARTITION BY step.session_id, step.project_id) AS n
        FROM step
        WHERE NOT EXISTS (SELECT 1 FROM messages m
                          WHERE m.session_id = step.session_id AND m.request_id = step.request_id
                          OFFSET 0)
          AND EXISTS (SELECT 1 FROM api_keys k
                      WHERE k.id = step.key_id AND k.project_id = step.project_id
                        AND k.revoked_at IS NULL
                        AND (k.expires_at IS NULL OR k.expires_at > now())
                      OFFSET 0)
    ), bumped AS (
        UPDATE sessions s
        SET last_seq = s.last_seq + q.n, last_activity_at = now(), last_seen_at = now()
        -- In id order, as every batch locks its sessions: the nested loop keeps its outer order.
        FROM (SELECT DISTINCT session_id, project_id, n FROM qualified ORDER BY session_id) q
        WHERE s.id = q.session_id AND s.project_id IS NOT DISTINCT FROM q.project_id
          AND s.status = p_active AND s.open_questions = 0 AND s.open_approvals = 0
          AND NOT EXISTS (SELECT 1 FROM messages u
                          WHERE u.session_id = s.id AND u.seq > s.agent_read_seq AND u.kind = 4
                          OFFSET 0)
        RETURNING s.id, s.project_id, s.last_seq - q.n AS seq_before, s.agent_read_seq
    ), written AS (
        INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta)
        SELECT q.session_id, b.seq_before + q.nth, p_sender, p_kind, q.body::jsonb, q.request_id,
               jsonb_build_object('read_after', b.agent_read_seq, 'read_through', b.agent_read_seq)
        FROM qualified q
        JOIN bumped b ON b.id = q.session_id AND b.project_id = q.project_id
        RETURNING messages.session_id, messages.request_id, messages.seq
    )
    SELECT array_agg(w.seq ORDER BY step.i) INTO v_seqs
    FROM step
    LEFT JOIN written w ON w.session_id = step.session_id AND w.request_id = step.request_id;
    RETURN coalesce(v_seqs, '{}');
END
$$;

-- log_step, the lone step's statement, with the same fixed shape (called from log_steps, it
-- plans under log_steps' settings). Its generic plan found the session through the project's
-- index, reading every session of the project per step.
CREATE OR REPLACE FUNCTION log_step(
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
        WHERE id = p_session AND project_id IS NOT DISTINCT FROM p_project AND status = p_active
          AND open_questions = 0 AND open_approvals = 0
          AND NOT EXISTS (SELECT 1 FROM messages m
                          WHERE m.session_id = p_session AND m.request_id = p_request_id
                          OFFSET 0)
          AND NOT EXISTS (SELECT 1 FROM messages u
                          WHERE u.session_id = p_session AND u.seq > sessions.agent_read_seq
                            AND u.kind = 4
                          OFFSET 0)
          AND EXISTS (SELECT 1 FROM api_keys k
                      WHERE k.id = p_key AND k.project_id = p_project AND k.revoked_at IS NULL
                        AND (k.expires_at IS NULL OR k.expires_at > now())
                      OFFSET 0)
        RETURNING sessions.id, sessions.last_seq, sessions.agent_read_seq)
    INSERT INTO messages (session_id, seq, sender, kind, body, request_id, meta)
    SELECT s.id, s.last_seq, p_sender, p_kind, p_body::jsonb, p_request_id,
           jsonb_build_object('read_after', s.agent_read_seq, 'read_through', s.agent_read_seq)
    FROM s
    RETURNING messages.seq INTO v_seq;
    RETURN v_seq;
END
$$;
