-- Web push (issue 15): the deployment's VAPID key pair and the device label of push channels.

-- One row: the P-256 key pair every replica signs VAPID tokens with (RFC 8292). Browsers bind
-- their subscriptions to the public key, so it must never change under them: the first server
-- to need it inserts a fresh pair with ON CONFLICT DO NOTHING and every server then reads the
-- one that won. private_key: PKCS#8 DER, sealed (auth::sealed) like webhook secrets.
CREATE TABLE push_vapid_keys (
    id          smallint PRIMARY KEY CHECK (id = 1),
    public_key  text        NOT NULL,
    private_key text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- A push channel's device name. Its endpoint is the channel's url; its keys (p256dh and auth)
-- are the channel's secret, sealed.
ALTER TABLE notification_channels ADD COLUMN label text NOT NULL DEFAULT '';
-- Subscribing the same endpoint again updates the channel instead of adding one.
CREATE UNIQUE INDEX notification_channels_push_endpoint_idx
    ON notification_channels (user_id, url) WHERE kind = 4;
