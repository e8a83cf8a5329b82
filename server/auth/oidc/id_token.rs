//! Verifying an ID token (OpenID Connect Core 1.0 section 3.1.3.7): signed by one of the
//! issuer's keys with an asymmetric algorithm, `iss` the issuer, `aud` holding the client id
//! (and `azp` the client when it holds others), not expired. The nonce is compared by the flow,
//! against the hash it stored.

use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;

/// Algorithms an issuer may sign with. Never HMAC: with a public client id and a shared secret
/// anybody holding the secret could mint tokens, and `none` is not an algorithm here at all.
const ALLOWED: [Algorithm; 9] = [
    Algorithm::RS256,
    Algorithm::RS384,
    Algorithm::RS512,
    Algorithm::PS256,
    Algorithm::PS384,
    Algorithm::PS512,
    Algorithm::ES256,
    Algorithm::ES384,
    Algorithm::EdDSA,
];

/// The claims this flow reads.
#[derive(Debug, Deserialize)]
pub struct IdClaims {
    pub sub: String,
    #[serde(default)]
    pub nonce: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub email_verified: Option<serde_json::Value>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    aud: serde_json::Value,
    #[serde(default)]
    azp: Option<String>,
}

/// Why a token was not believed (logged; the person sees a short reason).
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("the ID token is malformed: {0}")]
    Malformed(String),
    #[error("the ID token is signed with {0:?}, which is not accepted")]
    Algorithm(Algorithm),
    #[error("no key of the issuer matches the ID token's key id {0:?}")]
    UnknownKey(Option<String>),
    #[error("the ID token does not verify: {0}")]
    Invalid(String),
}

/// The key id the token names (to read the issuer's keys again when it is new).
pub fn key_id(token: &str) -> Result<Option<String>, TokenError> {
    jsonwebtoken::decode_header(token)
        .map(|h| h.kid)
        .map_err(|e| TokenError::Malformed(e.to_string()))
}

pub fn verify(
    token: &str,
    keys: &JwkSet,
    issuer: &str,
    client_id: &str,
) -> Result<IdClaims, TokenError> {
    let header =
        jsonwebtoken::decode_header(token).map_err(|e| TokenError::Malformed(e.to_string()))?;
    if !ALLOWED.contains(&header.alg) {
        return Err(TokenError::Algorithm(header.alg));
    }
    let jwk = find_key(keys, header.kid.as_deref(), header.alg)
        .ok_or_else(|| TokenError::UnknownKey(header.kid.clone()))?;
    let key = DecodingKey::from_jwk(jwk).map_err(|e| TokenError::Invalid(e.to_string()))?;
    let mut validation = Validation::new(header.alg);
    validation.set_issuer(&[issuer]);
    validation.set_audience(&[client_id]);
    validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
    validation.leeway = 60;
    let claims = jsonwebtoken::decode::<IdClaims>(token, &key, &validation)
        .map_err(|e| TokenError::Invalid(e.to_string()))?
        .claims;
    let audiences = match &claims.aud {
        serde_json::Value::Array(a) => a.len(),
        _ => 1,
    };
    if (audiences > 1 || claims.azp.is_some()) && claims.azp.as_deref() != Some(client_id) {
        return Err(TokenError::Invalid(
            "azp is not this client while the token has other audiences".into(),
        ));
    }
    Ok(claims)
}

/// The key the header names, or, when it names none, the only key that can verify `alg`.
/// A key that states its own algorithm must state this one (no algorithm confusion).
fn find_key<'a>(keys: &'a JwkSet, kid: Option<&str>, alg: Algorithm) -> Option<&'a Jwk> {
    let fits = |k: &&Jwk| {
        k.common
            .key_algorithm
            .is_none_or(|a| a == jsonwebtoken::jwk::KeyAlgorithm::from(alg))
    };
    match kid {
        Some(kid) => keys.find(kid).filter(fits),
        None => {
            let mut candidates = keys.keys.iter().filter(fits);
            let only = candidates.next()?;
            candidates.next().is_none().then_some(only)
        }
    }
}

/// `email_verified` as issuers send it: a JSON boolean, or (some) the string "true".
pub fn is_verified(value: Option<&serde_json::Value>) -> bool {
    match value {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}
