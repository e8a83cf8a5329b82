-- Launching sessions on runners (issue 16): runners and their credentials, the launch queue
-- (one row per launched session), why a session stopped, and agent keys bound to one session.

-- A machine running `switchboard-agent runner`, known by its credential (SHA-256 only).
CREATE TABLE runners (
    id           uuid PRIMARY KEY,
    project_id   uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    prefix       text        NOT NULL,
    secret_hash  bytea       NOT NULL UNIQUE,
    created_by   uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at   timestamptz,
    -- As reported on the last Attach.
    labels       jsonb       NOT NULL DEFAULT '{}',
    capacity     integer     NOT NULL DEFAULT 1,
    -- The open Attach stream (a random id per stream, on whichever replica holds it); NULL when
    -- none. A newer Attach replaces it, and the older stream ends when it sees that.
    attach_id    uuid,
    -- Last contact: Attach, a report, or the open stream's keep-alive.
    last_seen_at timestamptz
);
CREATE INDEX runners_project_idx ON runners (project_id, lower(name), id);

-- One row per launched session. state: 1 queued, 2 claimed (sent to a runner, not yet
-- acknowledged), 3 started (the runner's for good), 4 exited, 5 expired (never started).
CREATE TABLE launches (
    session_id        uuid PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    project_id        uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    request_id        text        NOT NULL,
    -- The SessionSpec (domain LaunchSpec; secret references by name only).
    spec              jsonb       NOT NULL,
    selector_runner   uuid,
    selector_labels   jsonb       NOT NULL DEFAULT '{}',
    -- Whose workspace the agent runs in: its own id, or the first session's of a continuation.
    workspace_id      uuid        NOT NULL,
    resume            boolean     NOT NULL DEFAULT false,
    state             smallint    NOT NULL DEFAULT 1,
    -- Drawn from a sequence whenever the launch (re)enters the queue: the runners' wake-up mark
    -- for the project (hint `l <project> <queue_seq>`, resynced as the project's max).
    queue_seq         bigserial,
    claimed_by        uuid REFERENCES runners (id) ON DELETE SET NULL,
    -- The Attach stream the claim was sent on: when it ends unacknowledged, the claim returns.
    claim_attach      uuid,
    attempts          integer     NOT NULL DEFAULT 0,
    agent_key_id      uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    started_at        timestamptz,
    exited_at         timestamptz,
    start_deadline_at timestamptz NOT NULL,
    inactivity_ms     bigint,
    hard_limit_at     timestamptz,
    -- The limit applied to it (a StopReason), set once by a conditional UPDATE so that exactly
    -- one replica's sweep applies it.
    limit_applied     smallint
);
CREATE UNIQUE INDEX launches_request_key ON launches (project_id, request_id);
CREATE INDEX launches_queue_idx ON launches (project_id, created_at) WHERE state = 1;
CREATE INDEX launches_runner_idx ON launches (claimed_by) WHERE state IN (2, 3);
CREATE INDEX launches_limits_idx ON launches (start_deadline_at) WHERE limit_applied IS NULL AND state < 4;

-- Why a session ended (StopReason), the launched process's exit, its runner, its parent run.
ALTER TABLE sessions ADD COLUMN stop_reason smallint;
ALTER TABLE sessions ADD COLUMN exit_code integer;
ALTER TABLE sessions ADD COLUMN last_output_lines jsonb;
ALTER TABLE sessions ADD COLUMN runner_id uuid REFERENCES runners (id) ON DELETE SET NULL;
ALTER TABLE sessions ADD COLUMN parent_session_id uuid REFERENCES sessions (id) ON DELETE SET NULL;

-- An agent credential that acts on one session only (a launch's); hidden from ListApiKeys.
ALTER TABLE api_keys ADD COLUMN session_id uuid REFERENCES sessions (id) ON DELETE CASCADE;
