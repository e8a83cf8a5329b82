//! Opaque page tokens: base64url JSON of a keyset cursor plus a fingerprint of the request's
//! filters, signed with an HMAC so that a token edited by a client is refused as
//! INVALID_ARGUMENT before any of its values reach a query (a cursor time of year -100000 used
//! to surface as a database error). A token replayed with other filters is refused too.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{KeyInit, Mac};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{DomainError, DomainResult};

type HmacSha256 = hmac::Hmac<Sha256>;

/// Bytes of the tag kept in a token: 128 bits is plenty against forgery and keeps tokens short.
const TAG_BYTES: usize = 16;

#[derive(Serialize, Deserialize)]
struct Envelope<C> {
    /// Which list call and filters the token belongs to.
    f: String,
    c: C,
}

fn fingerprint(scope: &str) -> String {
    hex::encode(&Sha256::digest(scope.as_bytes())[..8])
}

/// Signs and checks page tokens. Every replica derives the same key from the shared JWT
/// secret, so a token from one replica is accepted by all.
#[derive(Clone)]
pub struct PageTokens {
    mac: HmacSha256,
}

impl PageTokens {
    pub fn new(secret: &[u8]) -> PageTokens {
        // A key of its own (not the JWT key itself): a page token can never pass for a JWT.
        let key = Sha256::new()
            .chain_update(b"switchboard page tokens v1\0")
            .chain_update(secret)
            .finalize();
        PageTokens {
            mac: HmacSha256::new_from_slice(&key).expect("HMAC takes any key length"),
        }
    }

    fn tag(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac = self.mac.clone();
        mac.update(payload);
        mac.finalize().into_bytes()[..TAG_BYTES].to_vec()
    }

    pub fn encode<C: Serialize>(&self, scope: &str, cursor: &C) -> String {
        let json = serde_json::to_vec(&Envelope {
            f: fingerprint(scope),
            c: cursor,
        })
        .unwrap_or_default();
        let tag = self.tag(&json);
        format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(&json),
            URL_SAFE_NO_PAD.encode(tag)
        )
    }

    pub fn decode<C: DeserializeOwned>(&self, scope: &str, token: &str) -> DomainResult<Option<C>> {
        if token.is_empty() {
            return Ok(None);
        }
        let invalid = || {
            DomainError::invalid(
                "page_token",
                "is not a token this call returned; start again without one",
            )
        };
        let (payload, tag) = token.split_once('.').ok_or_else(invalid)?;
        let json = URL_SAFE_NO_PAD.decode(payload).map_err(|_| invalid())?;
        let tag = URL_SAFE_NO_PAD.decode(tag).map_err(|_| invalid())?;
        if tag.len() != TAG_BYTES {
            return Err(invalid());
        }
        let mut mac = self.mac.clone();
        mac.update(&json);
        // Constant-time comparison of the truncated tag.
        mac.verify_truncated_left(&tag).map_err(|_| invalid())?;
        let env: Envelope<C> = serde_json::from_slice(&json).map_err(|_| invalid())?;
        if env.f != fingerprint(scope) {
            return Err(DomainError::invalid(
                "page_token",
                "belongs to a request with different filters; send the same filters as the first page",
            ));
        }
        Ok(Some(env.c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens() -> PageTokens {
        PageTokens::new(b"0123456789abcdef0123456789abcdef")
    }

    #[test]
    fn round_trips_and_checks_scope() {
        let t = tokens().encode("sessions:a", &42i64);
        assert_eq!(tokens().decode::<i64>("sessions:a", &t).unwrap(), Some(42));
        assert!(tokens().decode::<i64>("sessions:b", &t).is_err());
        assert!(tokens().decode::<i64>("sessions:a", "garbage!").is_err());
        assert_eq!(tokens().decode::<i64>("x", "").unwrap(), None);
    }

    #[test]
    fn an_edited_token_is_refused() {
        let t = tokens().encode("agents", &("2026-01-01T00:00:00Z", 7));
        let (payload, tag) = t.split_once('.').unwrap();
        let edited = URL_SAFE_NO_PAD.encode(
            String::from_utf8(URL_SAFE_NO_PAD.decode(payload).unwrap())
                .unwrap()
                .replace("2026", "-100000"),
        );
        let err = tokens()
            .decode::<(String, i64)>("agents", &format!("{edited}.{tag}"))
            .unwrap_err();
        assert!(matches!(
            err,
            DomainError::InvalidArgument {
                field: "page_token",
                ..
            }
        ));
        // A tag from another key, or a shortened tag, is refused too.
        let other =
            PageTokens::new(b"another secret of at least 32 bytes!").encode("agents", &1i64);
        assert!(tokens().decode::<i64>("agents", &other).is_err());
        let short = &t[..t.len() - 4];
        assert!(tokens().decode::<(String, i64)>("agents", short).is_err());
    }

    proptest::proptest! {
        /// Garbage is refused as INVALID_ARGUMENT naming page_token, never accepted or panicking.
        #[test]
        fn garbage_is_refused(token in ".{1,200}") {
            let err = tokens().decode::<(String, i64)>("agents", &token).unwrap_err();
            let named = matches!(err, DomainError::InvalidArgument { field: "page_token", .. });
            proptest::prop_assert!(named);
        }

        /// Any change to one byte of a real token is caught by its signature.
        #[test]
        fn a_changed_byte_is_refused(at in 0usize..1000, to in proptest::char::range('-', 'z')) {
            let t = tokens().encode("agents", &("2026-11-30T10:00:00.123456Z", 42i64));
            let at = at % t.len();
            let mut edited: Vec<char> = t.chars().collect();
            proptest::prop_assume!(edited[at] != to);
            edited[at] = to;
            let edited: String = edited.into_iter().collect();
            proptest::prop_assert!(tokens().decode::<(String, i64)>("agents", &edited).is_err());
        }
    }
}
