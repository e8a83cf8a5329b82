-- A person's own sign-in history (issue 19): successful and failed password sign-ins, OIDC
-- sign-ins and sign-outs, each with the client address the server saw, so that a person can
-- spot a sign-in that was not theirs. A failed password sign-in is recorded only for an email
-- that exists (there is nobody to show it to otherwise). Each insert drops that person's rows
-- older than 90 days (store::sign_ins), so the table stays small without a sweeper.
CREATE TABLE sign_in_events (
    id          uuid        PRIMARY KEY,
    user_id     uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    -- store::sign_ins::SignInKind
    kind        smallint    NOT NULL,
    -- The OIDC issuer's id for OIDC sign-ins, else empty.
    issuer      text        NOT NULL DEFAULT '',
    client_addr text        NOT NULL DEFAULT ''
);
CREATE INDEX sign_in_events_user_idx ON sign_in_events (user_id, created_at DESC, id DESC);
