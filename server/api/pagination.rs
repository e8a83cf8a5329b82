//! Opaque page tokens: base64url JSON of a keyset cursor plus a fingerprint of the request's
//! filters, so a token replayed with other filters is refused instead of returning nonsense.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::domain::{DomainError, DomainResult};

#[derive(Serialize, Deserialize)]
struct Envelope<C> {
    /// Which list call and filters the token belongs to.
    f: String,
    c: C,
}

fn fingerprint(scope: &str) -> String {
    hex::encode(&Sha256::digest(scope.as_bytes())[..8])
}

pub fn encode<C: Serialize>(scope: &str, cursor: &C) -> String {
    let json = serde_json::to_vec(&Envelope {
        f: fingerprint(scope),
        c: cursor,
    })
    .unwrap_or_default();
    URL_SAFE_NO_PAD.encode(json)
}

pub fn decode<C: DeserializeOwned>(scope: &str, token: &str) -> DomainResult<Option<C>> {
    if token.is_empty() {
        return Ok(None);
    }
    let invalid = || {
        DomainError::invalid(
            "page_token",
            "is not a token this call returned; start again without one",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
    let env: Envelope<C> = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
    if env.f != fingerprint(scope) {
        return Err(DomainError::invalid(
            "page_token",
            "belongs to a request with different filters; send the same filters as the first page",
        ));
    }
    Ok(Some(env.c))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_checks_scope() {
        let t = encode("sessions:a", &42i64);
        assert_eq!(decode::<i64>("sessions:a", &t).unwrap(), Some(42));
        assert!(decode::<i64>("sessions:b", &t).is_err());
        assert!(decode::<i64>("sessions:a", "garbage!").is_err());
        assert_eq!(decode::<i64>("x", "").unwrap(), None);
    }
}
