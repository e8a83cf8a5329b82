-- Tool approvals (issue 14): an agent asks its person to allow or deny one tool call. Stored
-- like questions: the request is a message (kind 8) plus a row here that the decision updates
-- under the session row's lock, so exactly one decision is ever stored.

-- Approvals not yet decided; with open_questions it decides AWAITING_INPUT. Kept by the same
-- write path as open_questions (zeroed when the session becomes terminal).
ALTER TABLE sessions ADD COLUMN open_approvals integer NOT NULL DEFAULT 0;

CREATE TABLE approvals (
    id          uuid PRIMARY KEY,
    session_id  uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    -- The request's message.
    seq         bigint      NOT NULL,
    tool_name   text        NOT NULL,
    -- The agent's id of the tool call (ResolveApproval may name the approval by it); NULL when
    -- the agent gave none.
    tool_use_id text,
    -- The approval as requested (domain ToolApproval without its result).
    spec        jsonb       NOT NULL,
    deadline_at timestamptz,
    decided_at  timestamptz,
    -- The decision (domain ApprovalResult) and its message.
    result      jsonb,
    result_seq  bigint
);
CREATE INDEX approvals_session_idx ON approvals (session_id, seq);
CREATE INDEX approvals_tool_use_idx ON approvals (session_id, tool_use_id) WHERE tool_use_id IS NOT NULL;
CREATE INDEX approvals_deadline_idx ON approvals (deadline_at) WHERE decided_at IS NULL AND deadline_at IS NOT NULL;

-- "Allow for this session": later approvals of the tool in the session are decided at once.
CREATE TABLE approval_rules (
    session_id  uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    tool_name   text        NOT NULL,
    -- The approval whose ALLOW_SESSION decision made the rule.
    approval_id uuid        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, tool_name)
);
