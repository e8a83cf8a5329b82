-- OpenID Connect sign-in (issue 19).

-- A person created by an OIDC sign-in has no password until one is set: password sign-in then
-- fails for them like a wrong password (the check runs against a dummy hash, same timing).
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;

-- A sign-in on its way through an issuer: created when the browser leaves for the issuer,
-- deleted when it comes back (single use) or once expired. The state (the lookup key), the
-- nonce and the browser's binding cookie are stored as SHA-256 only; the PKCE verifier, which
-- the code exchange sends in clear, is sealed (auth::sealed).
CREATE TABLE oidc_logins (
    state_hash      bytea PRIMARY KEY,
    issuer_id       text        NOT NULL,
    nonce_hash      bytea       NOT NULL,
    browser_hash    bytea       NOT NULL,
    verifier_sealed text        NOT NULL,
    expires_at      timestamptz NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX oidc_logins_expires_idx ON oidc_logins (expires_at);

-- Which issuer accounts have signed in as which person (matched by verified email), for the
-- record and for operators: the match itself is by email.
CREATE TABLE oidc_identities (
    issuer        text        NOT NULL,
    subject       text        NOT NULL,
    user_id       uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email         text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    last_login_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer, subject)
);
CREATE INDEX oidc_identities_user_idx ON oidc_identities (user_id);
