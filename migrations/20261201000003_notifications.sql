-- Notifications (issue 15): a person's channels, the outbox written in the same transaction as
-- the event it announces, and every delivery attempt.

-- kind (ChannelKind): 1 generic webhook (HMAC-signed JSON), 2 Slack incoming webhook; 3 email and
-- 4 web push are taken by the channels that later migrations add.
-- events: NotificationEvent numbers. secret: the generic webhook's HMAC key, sealed (auth::sealed:
-- encrypted with a key derived from the server's root secret); the API shows it once at creation.
CREATE TABLE notification_channels (
    id         uuid PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind       smallint    NOT NULL CHECK (kind BETWEEN 1 AND 4),
    url        text        NOT NULL,
    secret     text        NOT NULL DEFAULT '',
    events     smallint[]  NOT NULL,
    enabled    boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_channels_user_idx ON notification_channels (user_id, created_at);
-- The write path looks channels up by the event's recipients.
CREATE INDEX notification_channels_events_idx ON notification_channels USING gin (events) WHERE enabled;

-- One notification for one channel. event_key names the event (e.g. the message seq that
-- announced it) so that the same event never notifies a channel twice. state: 0 pending,
-- 1 sent, 2 suppressed, 3 failed for good. Questions of one session that arrive while a
-- notification of theirs is pending raise its event_count instead of adding rows.
CREATE TABLE notification_outbox (
    id          uuid PRIMARY KEY,
    channel_id  uuid        NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    event       smallint    NOT NULL,
    session_id  uuid REFERENCES sessions (id) ON DELETE CASCADE,
    event_key   text        NOT NULL,
    event_count integer     NOT NULL DEFAULT 1,
    payload     jsonb       NOT NULL,
    state       smallint    NOT NULL DEFAULT 0,
    attempts    integer     NOT NULL DEFAULT 0,
    due_at      timestamptz NOT NULL DEFAULT now(),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (channel_id, event_key)
);
CREATE INDEX notification_outbox_due_idx ON notification_outbox (due_at) WHERE state = 0;
CREATE INDEX notification_outbox_session_idx ON notification_outbox (channel_id, session_id, event, created_at);

-- outcome: 1 sent, 2 suppressed, 3 failed (DeliveryOutcome).
CREATE TABLE notification_attempts (
    id              bigserial PRIMARY KEY,
    notification_id uuid        NOT NULL REFERENCES notification_outbox (id) ON DELETE CASCADE,
    channel_id      uuid        NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    attempt         integer     NOT NULL,
    outcome         smallint    NOT NULL,
    http_status     integer     NOT NULL DEFAULT 0,
    detail          text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notification_attempts_channel_idx ON notification_attempts (channel_id, id DESC);
