-- One batch of steps is written at a time (server/store/sessions/step_batch.rs), so a batch that
-- waited on another transaction's lock of one session would hold up every agent's steps behind
-- it. A batch now waits at most 100 ms for a lock (general-path transactions hold a session's
-- lock for a few milliseconds); then it fails, and the server sends each of its steps the
-- general way, where a step waits for its own session only. Lone steps go through log_steps too.
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
LANGUAGE plpgsql AS $$
DECLARE
    v_seqs bigint[] := '{}';
BEGIN
    PERFORM set_config('lock_timeout', '100ms', true);
    FOR i IN 1 .. coalesce(array_length(p_sessions, 1), 0) LOOP
        v_seqs := v_seqs || log_step(p_sessions[i], p_projects[i], p_request_ids[i], p_bodies[i],
                                     p_keys[i], p_active, p_sender, p_kind);
    END LOOP;
    RETURN v_seqs;
END
$$;
