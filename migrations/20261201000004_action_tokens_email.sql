-- Issue 15, email helper: action tokens (answer links), and the columns email channels,
-- escalation and the per-person rate limit need. One migration for all of them, so that an early
-- merge of the action tokens never has to be followed by a change to an applied migration.

-- A single-use, expiring token that lets one person answer one open question or decide one open
-- approval from where a notification landed, without signing in. Only the SHA-256 of the token
-- is stored (auth::secrets::hash_secret); the clear token exists only in the message sent.
-- Exactly one target: a question or an approval of `session_id`, or (`channel_id`) the
-- confirmation of an email channel's address. audit_channel: the AuditChannel the answer is
-- recorded with (NOTIFICATION_LINK for email/Slack links, PUSH_ACTION for push actions).
CREATE TABLE action_tokens (
    id            uuid PRIMARY KEY,
    token_hash    bytea       NOT NULL UNIQUE,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    session_id    uuid REFERENCES sessions (id) ON DELETE CASCADE,
    question_id   uuid,
    approval_id   uuid,
    channel_id    uuid REFERENCES notification_channels (id) ON DELETE CASCADE,
    audit_channel smallint    NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    expires_at    timestamptz NOT NULL,
    used_at       timestamptz,
    CHECK (num_nonnulls(question_id, approval_id, channel_id) = 1),
    CHECK (channel_id IS NOT NULL OR session_id IS NOT NULL)
);
-- The sweeper deletes tokens long expired.
CREATE INDEX action_tokens_expires_idx ON action_tokens (expires_at);

-- escalate_after_secs: questions and approvals reach this channel only this long after they
-- were asked, and not at all when answered by then (0: at once).
-- confirmed: an email channel to an address other than the account's receives nothing until
-- a link sent to that address is followed (every other channel is confirmed at creation).
ALTER TABLE notification_channels
    ADD COLUMN escalate_after_secs integer NOT NULL DEFAULT 0 CHECK (escalate_after_secs >= 0),
    ADD COLUMN confirmed boolean NOT NULL DEFAULT true;

-- When a notification was sent: the per-person rate limit counts the last minute's.
ALTER TABLE notification_outbox ADD COLUMN sent_at timestamptz;
CREATE INDEX notification_outbox_user_sent_idx ON notification_outbox (user_id, sent_at)
    WHERE sent_at IS NOT NULL;
