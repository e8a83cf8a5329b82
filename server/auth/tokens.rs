//! Short-lived access tokens (HS256 JWTs) for people.

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::domain::{DomainError, DomainResult, UserId};

const ISSUER: &str = "switchboard";
const AUDIENCE: &str = "switchboard-dashboard";

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: Uuid,
    iat: i64,
    exp: i64,
    iss: String,
    aud: String,
}

pub struct AccessTokens {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: chrono::Duration,
}

impl AccessTokens {
    pub fn new(secret: &[u8], ttl: std::time::Duration) -> AccessTokens {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        validation.leeway = 5;
        AccessTokens {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl: chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::minutes(15)),
        }
    }

    pub fn issue(&self, user_id: UserId) -> DomainResult<(String, DateTime<Utc>)> {
        let now = Utc::now();
        let exp = now + self.ttl;
        let claims = Claims {
            sub: user_id.0,
            iat: now.timestamp(),
            exp: exp.timestamp(),
            iss: ISSUER.into(),
            aud: AUDIENCE.into(),
        };
        let token = jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| DomainError::internal_from("signing an access token failed", e))?;
        Ok((token, exp))
    }

    pub fn verify(&self, token: &str) -> DomainResult<UserId> {
        match jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation) {
            Ok(data) => Ok(UserId(data.claims.sub)),
            Err(e) => Err(DomainError::Unauthenticated(match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    "the access token has expired: get a new one with AuthService.Refresh".into()
                }
                _ => "the access token is invalid: sign in again with AuthService.Login".into(),
            })),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_tampering_and_expiry() {
        let tokens = AccessTokens::new(
            b"0123456789abcdef0123456789abcdef",
            std::time::Duration::from_secs(60),
        );
        let user = UserId::new_random();
        let (t, _) = tokens.issue(user).unwrap();
        assert_eq!(tokens.verify(&t).unwrap(), user);
        let other = AccessTokens::new(
            b"another-secret-another-secret-xx",
            std::time::Duration::from_secs(60),
        );
        assert!(other.verify(&t).is_err());
        let expired = AccessTokens::new(
            b"0123456789abcdef0123456789abcdef",
            std::time::Duration::from_secs(0),
        );
        let mut e = expired;
        e.ttl = chrono::Duration::seconds(-60);
        let (old, _) = e.issue(user).unwrap();
        assert!(
            tokens
                .verify(&old)
                .unwrap_err()
                .to_string()
                .contains("expired")
        );
    }
}
