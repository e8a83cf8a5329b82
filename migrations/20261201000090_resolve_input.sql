-- A person's answer to a question, or decision on a tool approval, in one round trip
-- (server/store/sessions/input_fast.rs). The server knows the question or approval (its spec
-- never changes once asked), validates the answer against it and builds every row; this
-- function does what needs the session's current state, under the session's row lock:
--   - the checks: the session exists and has not ended, the caller may edit it (a project role,
--     or a share mapped to a role by p_share_roles), the request id is new, the input is open;
--   - the writes the general, locking path makes: the input's answer or result, the resolution's
--     message and, when it was the last open input of a session awaiting input, the change to
--     active; the session's counters; one inbox event for each message (each body completed
--     with its cursor, seq, the session's status, counts and names); the audit row.
-- No row back means "take the general path": it then says exactly what is wrong (not found,
-- not allowed, already answered, a replayed request id), and it is the rare case.
-- Every statement of a plpgsql function sees what committed before it began, so once the
-- session's row is locked, the checks see every earlier writer of the session.
CREATE FUNCTION resolve_input(
    p_session uuid,
    p_kind smallint,              -- 1: a question, 2: a tool approval
    p_input uuid,                 -- the question's or approval's id
    p_user uuid,
    p_min_role smallint,
    p_share_roles smallint[],     -- the role each share access grants, indexed by its number
    p_terminal smallint[],        -- the statuses of a session that has ended
    p_awaiting smallint,
    p_active smallint,
    p_status_names text[],        -- each status as stored JSON names it, indexed by its number
    p_request_id text,
    p_at timestamptz,
    p_stored jsonb,               -- the question's answer, or the approval's result
    p_sender smallint,
    p_message_kind smallint,
    p_body jsonb,                 -- the resolution's message
    p_change_kind smallint,
    p_change_body jsonb,          -- the change to active, if this was the last open input
    p_event_kind smallint,
    p_event jsonb,                -- the resolution's inbox event
    p_changed_kind smallint,
    p_changed_event jsonb,        -- the status change's inbox event
    p_audit_id uuid,
    p_audit_action smallint,
    p_audit_channel smallint,
    p_audit_details jsonb         -- its "seq" is set here
) RETURNS TABLE (project_id uuid, status smallint, seq bigint, last_seq bigint,
               inbox_cursor bigint)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    v_project uuid;
    v_agent uuid;
    v_agent_name text;
    v_name text;
    v_status smallint;
    v_seq bigint;
    v_questions int;
    v_approvals int;
    v_allowed boolean;
    v_replayed boolean;
    v_resolved int;
    v_changed boolean;
    v_events int;
    v_cursor bigint;
BEGIN
    -- Three statements in all (each costs an executor run): the checks with the lock, the
    -- input's update, then every other write.
    SELECT s.project_id, s.agent_id, a.name, s.name, s.status, s.last_seq, s.open_questions,
           s.open_approvals,
           GREATEST(
             (SELECT m.role FROM project_members m
               WHERE m.project_id = s.project_id AND m.user_id = p_user),
             (SELECT p_share_roles[sh.access] FROM session_shares sh
               WHERE sh.session_id = s.id AND sh.user_id = p_user)) >= p_min_role,
           p_request_id IS NOT NULL AND EXISTS (
             SELECT 1 FROM messages r WHERE r.session_id = s.id AND r.request_id = p_request_id)
      INTO v_project, v_agent, v_agent_name, v_name, v_status, v_seq, v_questions, v_approvals,
           v_allowed, v_replayed
      FROM sessions s JOIN agents a ON a.id = s.agent_id
     WHERE s.id = p_session
       FOR NO KEY UPDATE OF s;
    -- A replay seen here may be stale (this statement's snapshot predates the lock), and one
    -- committed since fails the message's insert below: both go the general way.
    IF NOT FOUND OR v_status = ANY (p_terminal) OR v_allowed IS NOT TRUE OR v_replayed THEN
        RETURN;
    END IF;

    -- A new statement, so it sees whatever committed before the lock was granted.
    IF p_kind = 1 THEN
        UPDATE questions SET answered_at = p_at, answer = p_stored, answer_seq = v_seq + 1
         WHERE id = p_input AND session_id = p_session AND answer IS NULL;
        GET DIAGNOSTICS v_resolved = ROW_COUNT;
        v_questions := greatest(v_questions - v_resolved, 0);
    ELSE
        UPDATE approvals SET decided_at = p_at, result = p_stored, result_seq = v_seq + 1
         WHERE id = p_input AND session_id = p_session AND decided_at IS NULL;
        GET DIAGNOSTICS v_resolved = ROW_COUNT;
        v_approvals := greatest(v_approvals - v_resolved, 0);
    END IF;
    IF v_resolved = 0 THEN
        RETURN;  -- not open (or not this session's): nothing was written
    END IF;

    v_changed := v_status = p_awaiting AND v_questions + v_approvals = 0;
    IF v_changed THEN
        v_status := p_active;
    END IF;
    v_events := CASE WHEN v_changed THEN 2 ELSE 1 END;
    -- The messages: the resolution, then the change to active (when there is one). Their inbox
    -- events in the order the general path writes them: the change's first.
    WITH s AS (
        UPDATE sessions SET status = v_status, last_seq = v_seq + v_events,
               open_questions = v_questions, open_approvals = v_approvals,
               last_activity_at = now()
         WHERE id = p_session),
    m AS (
        INSERT INTO messages (session_id, seq, sender, kind, body, request_id)
        SELECT p_session, v_seq + x.n, p_sender, x.kind, x.body, x.request_id
          FROM (VALUES (1, p_message_kind, p_body, p_request_id),
                       (2, p_change_kind, p_change_body, NULL::text)) AS x(n, kind, body, request_id)
         WHERE x.n <= v_events),
    c AS (
        UPDATE projects SET inbox_cursor = projects.inbox_cursor + v_events
         WHERE id = v_project
        RETURNING projects.inbox_cursor AS last),
    i AS (
        INSERT INTO inbox_events (project_id, cursor, kind, session_id, body, created_at)
        SELECT v_project, c.last - v_events + x.ord, x.kind, p_session,
               x.body || jsonb_build_object(
                   'cursor', c.last - v_events + x.ord, 'seq', v_seq + x.n,
                   'status', p_status_names[v_status],
                   'open_question_count', v_questions, 'open_approval_count', v_approvals,
                   'agent_id', v_agent, 'agent_name', v_agent_name, 'session_name', v_name),
               p_at
          FROM c, (VALUES (2, 1, p_changed_kind, p_changed_event),
                          (1, v_events, p_event_kind, p_event)) AS x(n, ord, kind, body)
         WHERE x.n <= v_events),
    a AS (
        INSERT INTO audit_events (id, actor_id, project_id, session_id, action, channel, details)
        VALUES (p_audit_id, p_user, v_project, p_session, p_audit_action, p_audit_channel,
                jsonb_set(p_audit_details, '{seq}', to_jsonb(v_seq + 1))))
    SELECT c.last INTO v_cursor FROM c;

    RETURN QUERY SELECT v_project, v_status, v_seq + 1, v_seq + v_events, v_cursor;
END
$$;
