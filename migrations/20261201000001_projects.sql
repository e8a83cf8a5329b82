-- Projects own agents, sessions, API keys and the inbox; people reach them through a membership
-- role or a session share. Every user gets a personal project whose id IS the user's id: the
-- existing rows move in by copying user_id into project_id, so no id, sequence number or inbox
-- cursor changes, and "no project_id given" in the API means "the caller's own id".

CREATE TABLE projects (
    id           uuid PRIMARY KEY,
    name         text        NOT NULL,
    -- The owner of a personal project (then id = personal_of); NULL for team projects.
    personal_of  uuid UNIQUE REFERENCES users (id) ON DELETE CASCADE,
    -- Last inbox cursor handed out; bumped under this row's lock (gapless, in commit order).
    inbox_cursor bigint      NOT NULL DEFAULT 0,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (personal_of IS NULL OR personal_of = id)
);

-- role: 1 view, 2 edit, 3 admin (ProjectRole).
CREATE TABLE project_members (
    project_id uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       smallint    NOT NULL CHECK (role IN (1, 2, 3)),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_user_idx ON project_members (user_id);

CREATE TABLE invitations (
    id          uuid PRIMARY KEY,
    project_id  uuid        NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    email       text        NOT NULL,
    role        smallint    NOT NULL CHECK (role IN (1, 2, 3)),
    -- SHA-256 of the single-use token; the token itself is shown once.
    token_hash  bytea       NOT NULL UNIQUE,
    invited_by  uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    -- Set once, by accepting or declining: the token is then spent.
    resolved_at timestamptz
);
CREATE UNIQUE INDEX invitations_pending_key ON invitations (project_id, lower(email)) WHERE resolved_at IS NULL;
CREATE INDEX invitations_email_idx ON invitations (lower(email)) WHERE resolved_at IS NULL;

-- access: 1 read, 2 write (ShareAccess).
CREATE TABLE session_shares (
    session_id uuid        NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    access     smallint    NOT NULL CHECK (access IN (1, 2)),
    shared_by  uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, user_id)
);
CREATE INDEX session_shares_user_idx ON session_shares (user_id);

-- Append-only: no foreign keys, so the trail outlives the sessions and projects it mentions.
CREATE TABLE audit_events (
    id         uuid PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    actor_id   uuid        NOT NULL,
    project_id uuid        NOT NULL,
    session_id uuid,
    action     smallint    NOT NULL,
    channel    smallint    NOT NULL,
    details    jsonb       NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_project_idx ON audit_events (project_id, created_at DESC, id DESC);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, created_at DESC, id DESC);
CREATE RULE audit_events_no_update AS ON UPDATE TO audit_events DO INSTEAD NOTHING;
CREATE RULE audit_events_no_delete AS ON DELETE TO audit_events DO INSTEAD NOTHING;

-- Bumped (and NOTIFYed) whenever a user's memberships or shares shrink: open watches re-check.
ALTER TABLE users ADD COLUMN access_epoch bigint NOT NULL DEFAULT 0;

-- Personal projects for existing users, keeping their inbox cursor.
INSERT INTO projects (id, name, personal_of, inbox_cursor, created_at)
SELECT id, 'Personal', id, inbox_cursor, created_at FROM users;
INSERT INTO project_members (project_id, user_id, role, created_at)
SELECT id, id, 3, created_at FROM users;

-- user_id stays on agents, sessions and api_keys as "created by" (the key's creator); access
-- goes by project_id only.
ALTER TABLE agents ADD COLUMN project_id uuid REFERENCES projects (id) ON DELETE CASCADE;
UPDATE agents SET project_id = user_id;
ALTER TABLE agents ALTER COLUMN project_id SET NOT NULL;
DROP INDEX agents_user_name_key;
CREATE UNIQUE INDEX agents_project_name_key ON agents (project_id, lower(name));

ALTER TABLE sessions ADD COLUMN project_id uuid REFERENCES projects (id) ON DELETE CASCADE;
UPDATE sessions SET project_id = user_id;
ALTER TABLE sessions ALTER COLUMN project_id SET NOT NULL;
DROP INDEX sessions_start_request_key;
CREATE UNIQUE INDEX sessions_start_request_key ON sessions (project_id, start_request_id);
DROP INDEX sessions_user_list_idx;
CREATE INDEX sessions_project_list_idx ON sessions (project_id, (status = 2) DESC, last_activity_at DESC, id DESC);

ALTER TABLE api_keys ADD COLUMN project_id uuid REFERENCES projects (id) ON DELETE CASCADE;
UPDATE api_keys SET project_id = user_id;
ALTER TABLE api_keys ALTER COLUMN project_id SET NOT NULL;
CREATE INDEX api_keys_project_idx ON api_keys (project_id, created_at DESC, id DESC);

-- The inbox becomes the project's: same rows, same cursors, keyed by the personal project.
ALTER TABLE inbox_events DROP CONSTRAINT inbox_events_user_id_fkey;
ALTER TABLE inbox_events RENAME COLUMN user_id TO project_id;
ALTER TABLE inbox_events ADD CONSTRAINT inbox_events_project_id_fkey
    FOREIGN KEY (project_id) REFERENCES projects (id) ON DELETE CASCADE;
