//! Random secrets with recognisable prefixes, and how they are stored (SHA-256 only).

use argon2::password_hash::rand_core::{OsRng, RngCore};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// API keys start with this so that leaked keys can be recognised by people and scanners.
pub const API_KEY_PREFIX: &str = "sb_live_";
/// Refresh tokens start with this.
pub const REFRESH_TOKEN_PREFIX: &str = "sb_refresh_";
/// How much of an API key is kept in clear to recognise it (the prefix plus 4 characters).
pub const DISPLAYED_KEY_CHARS: usize = API_KEY_PREFIX.len() + 4;

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", URL_SAFE_NO_PAD.encode(bytes))
}

pub fn new_api_key() -> String {
    random_token(API_KEY_PREFIX)
}

/// A new API key for `NewApiKey` to store: the secret (shown once to its owner) and what is kept
/// of it (a recognisable prefix and the hash).
pub fn mint_api_key(
    name: String,
    expires_at: Option<DateTime<Utc>>,
) -> (String, crate::store::NewApiKey) {
    let secret = new_api_key();
    let key = crate::store::NewApiKey {
        name,
        prefix: secret[..DISPLAYED_KEY_CHARS].to_owned(),
        hash: hash_secret(&secret),
        expires_at,
    };
    (secret, key)
}

/// Prefix of an invitation's single-use token (an invite link carries it).
pub const INVITATION_PREFIX: &str = "sb_invite_";

/// A new invitation token; only its `hash_secret` is stored.
pub fn new_invitation_token() -> String {
    random_token(INVITATION_PREFIX)
}

/// Generic webhook signing keys start with this (recognisable if leaked).
pub const WEBHOOK_SECRET_PREFIX: &str = "sb_whsec_";

/// A generic webhook's HMAC key. Kept as is by the server, which needs it to sign.
pub fn new_webhook_secret() -> String {
    random_token(WEBHOOK_SECRET_PREFIX)
}

/// Action tokens (answer links and push actions) start with this.
pub const ACTION_TOKEN_PREFIX: &str = "sb_act_";

/// A new action token; only its `hash_secret` is stored.
pub fn new_action_token() -> String {
    random_token(ACTION_TOKEN_PREFIX)
}

/// The shape of a well-formed action token (the prefix and 43 base64url characters): anything
/// else is refused before the database is asked.
pub fn looks_like_action_token(token: &str) -> bool {
    token.strip_prefix(ACTION_TOKEN_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

pub fn new_refresh_token() -> String {
    random_token(REFRESH_TOKEN_PREFIX)
}

/// What the database stores instead of the secret.
pub fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Random bytes, for signing keys generated on first start.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; n];
    OsRng.fill_bytes(&mut bytes);
    bytes
}

/// The shape of a well-formed API key (the prefix and 43 base64url characters).
pub fn looks_like_api_key(token: &str) -> bool {
    token.strip_prefix(API_KEY_PREFIX).is_some_and(|rest| {
        rest.len() == 43
            && rest
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_recognisable_unique_and_hashed() {
        let a = new_api_key();
        let b = new_api_key();
        assert!(looks_like_api_key(&a) && looks_like_api_key(&b));
        assert_ne!(a, b);
        assert_eq!(hash_secret(&a).len(), 32);
        assert_ne!(hash_secret(&a), hash_secret(&b));
        assert!(!looks_like_api_key("sb_live_short"));
        assert!(new_refresh_token().starts_with(REFRESH_TOKEN_PREFIX));
    }
}
