//! VAPID (RFC 8292): the deployment's P-256 key pair and the signed token that identifies this
//! server to a push service. The browser subscribes with the public key (`applicationServerKey`)
//! and the push service accepts only requests signed with its private half, so the pair is made
//! once per deployment and shared by every replica (`Store::vapid_key_pair`).
//!
//! Key generation uses ring (already in the tree); the token is an ES256 JWT signed with our
//! `jsonwebtoken` (the `vapid` feature of `web-push-native` would bring `jwt-simple` and its
//! own set of curves for this one signature).

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde::Serialize;

/// What the private key is sealed for (`auth::sealed`).
pub const VAPID_KEY_PURPOSE: &str = "web push VAPID private key";

/// A push service may refuse tokens valid for longer than 24 hours (RFC 8292 §2).
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 3600);

/// A fresh key pair: (PKCS#8 DER private key, uncompressed public point of 65 bytes).
pub fn generate() -> (Vec<u8>, Vec<u8>) {
    let rng = SystemRandom::new();
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
        .expect("the system random source is available");
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
        .expect("a key ring just generated parses");
    (pkcs8.as_ref().to_vec(), pair.public_key().as_ref().to_vec())
}

/// The deployment's VAPID key, ready to sign.
pub struct Vapid {
    /// base64url (no padding) of the uncompressed public point: `applicationServerKey` and the
    /// `k=` parameter of the Authorization header.
    public_key: String,
    signing: EncodingKey,
}

impl std::fmt::Debug for Vapid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Vapid")
            .field("public_key", &self.public_key)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Claims<'a> {
    aud: &'a str,
    exp: i64,
    sub: &'a str,
}

impl Vapid {
    /// From the stored PKCS#8 private key; the public key is derived from it, so the two can
    /// never disagree.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<Vapid, String> {
        let pair = EcdsaKeyPair::from_pkcs8(
            &ECDSA_P256_SHA256_FIXED_SIGNING,
            pkcs8,
            &SystemRandom::new(),
        )
        .map_err(|e| format!("the stored VAPID key is not a P-256 PKCS#8 key: {e}"))?;
        Ok(Vapid {
            public_key: URL_SAFE_NO_PAD.encode(pair.public_key().as_ref()),
            signing: EncodingKey::from_ec_der(pkcs8),
        })
    }

    pub fn public_key(&self) -> &str {
        &self.public_key
    }

    /// `vapid t=<ES256 JWT>, k=<public key>` for a request to `endpoint`: the token's audience
    /// is the endpoint's origin, its subject the operator's contact, and it expires after
    /// `lifetime` (capped at 24 hours).
    pub fn authorization(
        &self,
        endpoint: &http::Uri,
        subject: &str,
        lifetime: Duration,
    ) -> Result<String, String> {
        let aud = audience(endpoint)?;
        let exp =
            chrono::Utc::now().timestamp() + lifetime.min(MAX_TOKEN_LIFETIME).as_secs() as i64;
        let token = jsonwebtoken::encode(
            &Header::new(Algorithm::ES256),
            &Claims {
                aud: &aud,
                exp,
                sub: subject,
            },
            &self.signing,
        )
        .map_err(|e| format!("signing the VAPID token failed: {e}"))?;
        Ok(format!("vapid t={token}, k={}", self.public_key))
    }
}

/// The origin of a push endpoint: `scheme://host[:port]` (RFC 8292 §2: the `aud` claim).
pub fn audience(endpoint: &http::Uri) -> Result<String, String> {
    match (endpoint.scheme_str(), endpoint.authority()) {
        (Some(scheme), Some(authority)) => {
            // The origin has no userinfo.
            let host = authority.as_str().rsplit('@').next().unwrap_or_default();
            Ok(format!("{scheme}://{host}"))
        }
        _ => Err(format!("the endpoint {endpoint} is not an absolute URL")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_an_es256_jwt_for_the_endpoints_origin_that_verifies_with_the_public_key() {
        let (pkcs8, public) = generate();
        assert_eq!(public.len(), 65);
        assert_eq!(public[0], 4, "uncompressed point");
        let vapid = Vapid::from_pkcs8(&pkcs8).unwrap();
        assert_eq!(vapid.public_key(), URL_SAFE_NO_PAD.encode(&public));
        let endpoint: http::Uri = "https://push.example.net:8443/wpush/v2/abc?x=1"
            .parse()
            .unwrap();
        let header = vapid
            .authorization(
                &endpoint,
                "mailto:ops@example.com",
                Duration::from_secs(3600),
            )
            .unwrap();
        let (t, k) = header
            .strip_prefix("vapid t=")
            .and_then(|rest| rest.split_once(", k="))
            .expect("vapid t=…, k=…");
        assert_eq!(k, vapid.public_key());
        let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
        validation.set_audience(&["https://push.example.net:8443"]);
        validation.set_required_spec_claims(&["exp", "aud", "sub"]);
        let decoded = jsonwebtoken::decode::<serde_json::Value>(
            t,
            &jsonwebtoken::DecodingKey::from_ec_components(
                &URL_SAFE_NO_PAD.encode(&public[1..33]),
                &URL_SAFE_NO_PAD.encode(&public[33..]),
            )
            .unwrap(),
            &validation,
        )
        .expect("verifies with the public key");
        assert_eq!(decoded.claims["sub"], "mailto:ops@example.com");
        let exp = decoded.claims["exp"].as_i64().unwrap();
        assert!(exp > chrono::Utc::now().timestamp());
        // Another deployment's key does not verify it.
        let (_, other) = generate();
        assert!(
            jsonwebtoken::decode::<serde_json::Value>(
                t,
                &jsonwebtoken::DecodingKey::from_ec_components(
                    &URL_SAFE_NO_PAD.encode(&other[1..33]),
                    &URL_SAFE_NO_PAD.encode(&other[33..]),
                )
                .unwrap(),
                &validation,
            )
            .is_err()
        );
    }

    #[test]
    fn the_lifetime_is_capped_at_a_day() {
        let (pkcs8, _) = generate();
        let vapid = Vapid::from_pkcs8(&pkcs8).unwrap();
        let header = vapid
            .authorization(
                &"https://p.example/x".parse().unwrap(),
                "mailto:a@b.c",
                Duration::from_secs(7 * 24 * 3600),
            )
            .unwrap();
        let t = header.split(['=', ',']).nth(1).unwrap();
        let claims = t.split('.').nth(1).unwrap();
        let claims: serde_json::Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(claims).unwrap()).unwrap();
        assert!(claims["exp"].as_i64().unwrap() <= chrono::Utc::now().timestamp() + 24 * 3600);
        assert_eq!(claims["aud"], "https://p.example");
    }

    #[test]
    fn the_audience_is_the_origin() {
        let uri: http::Uri = "http://127.0.0.1:4000/push/1".parse().unwrap();
        assert_eq!(audience(&uri).unwrap(), "http://127.0.0.1:4000");
        assert!(audience(&"/relative".parse().unwrap()).is_err());
    }
}
