-- Switchboard's initial schema. Every row that belongs to a person carries user_id (directly or
-- through its session), and every query filters on it.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    email         text        NOT NULL,
    display_name  text        NOT NULL DEFAULT '',
    password_hash text        NOT NULL,
    -- Last inbox cursor handed out; bumped under this row's lock so cursors are gapless and
    -- in commit order.
    inbox_cursor  bigint      NOT NULL DEFAULT 0,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

CREATE TABLE refresh_tokens (
    id         uuid PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- All tokens rotated from one login share a family; reuse of a rotated token revokes it.
    family_id  uuid        NOT NULL,
    token_hash bytea       NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    rotated_at timestamptz,
    revoked_at timestamptz
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);

CREATE TABLE api_keys (
    id           uuid PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    prefix       text        NOT NULL,
    key_hash     bytea       NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    expires_at   timestamptz,
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at DESC, id DESC);

CREATE TABLE agents (
    id         uuid PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name       text        NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX agents_user_name_key ON agents (user_id, lower(name));

CREATE TABLE sessions (
    id                uuid PRIMARY KEY,
    user_id           uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    agent_id          uuid        NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
    name              text        NOT NULL,
    metadata          jsonb       NOT NULL DEFAULT '{}',
    status            smallint    NOT NULL,
    started_at        timestamptz NOT NULL DEFAULT now(),
    ended_at          timestamptz,
    last_seen_at      timestamptz NOT NULL DEFAULT now(),
    last_activity_at  timestamptz NOT NULL DEFAULT now(),
    -- Highest sequence number handed out; bumped under this row's lock in every writing
    -- transaction, so sequence order is commit order and there are no gaps.
    last_seq          bigint      NOT NULL DEFAULT 0,
    -- Highest user-message sequence number the agent has received through LogStep.
    agent_read_seq    bigint      NOT NULL DEFAULT 0,
    open_questions    integer     NOT NULL DEFAULT 0,
    input_tokens      bigint      NOT NULL DEFAULT 0,
    output_tokens     bigint      NOT NULL DEFAULT 0,
    cost_micros       bigint      NOT NULL DEFAULT 0,
    diff              text,
    diff_files        integer     NOT NULL DEFAULT 0,
    diff_additions    integer     NOT NULL DEFAULT 0,
    diff_deletions    integer     NOT NULL DEFAULT 0,
    diff_updated_at   timestamptz,
    summary           text        NOT NULL DEFAULT '',
    stop_requested_at timestamptz,
    -- request_id of the StartSession that created it, so a retried start creates nothing.
    start_request_id  text
);
CREATE UNIQUE INDEX sessions_start_request_key ON sessions (user_id, start_request_id);
CREATE INDEX sessions_user_list_idx ON sessions (user_id, (status = 2) DESC, last_activity_at DESC, id DESC);
CREATE INDEX sessions_agent_idx ON sessions (agent_id);
CREATE INDEX sessions_live_idx ON sessions (last_seen_at) WHERE status IN (1, 2, 3);

CREATE TABLE messages (
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq        bigint      NOT NULL,
    sender     smallint    NOT NULL,
    kind       smallint    NOT NULL,
    body       jsonb       NOT NULL,
    request_id text,
    -- For a step: the range of user messages it delivered to the agent, so a retry returns
    -- the same list: {"read_after": n, "read_through": m}.
    meta       jsonb,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, seq)
);
CREATE UNIQUE INDEX messages_request_id_key ON messages (session_id, request_id) WHERE request_id IS NOT NULL;

CREATE TABLE questions (
    id                 uuid PRIMARY KEY,
    session_id         uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    seq                bigint      NOT NULL,
    spec               jsonb       NOT NULL,
    deadline_at        timestamptz,
    answered_at        timestamptz,
    answer             jsonb,
    answer_seq         bigint
);
CREATE INDEX questions_session_idx ON questions (session_id, seq);
CREATE INDEX questions_deadline_idx ON questions (deadline_at) WHERE answered_at IS NULL AND deadline_at IS NOT NULL;

CREATE TABLE inbox_events (
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    cursor      bigint      NOT NULL,
    kind        smallint    NOT NULL,
    -- No foreign key: the event that a session was deleted outlives the session.
    session_id  uuid        NOT NULL,
    body        jsonb       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, cursor)
);
