//! The two legs of a sign-in: `start` (to the issuer) and `finish` (back from it, to a person).

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::Utc;
use secrecy::ExposeSecret;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::discovery::Discovery;
use super::http_client::IssuerHttp;
use super::id_token::{self, IdClaims};
use crate::auth::sealed::Sealer;
use crate::auth::secrets::{hash_secret, random_bytes};
use crate::config::{OidcIssuer, OidcSettings};
use crate::domain::{DomainError, User};
use crate::store::Store;
use crate::store::oidc::{OidcIdentity, PendingOidcLogin};

/// The sealing purpose of PKCE verifiers.
const VERIFIER_PURPOSE: &str = "oidc pkce verifier";
const SCOPES: &str = "openid email profile";

/// Why a sign-in did not happen.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// No issuer with this id is configured.
    #[error("no such sign-in provider")]
    UnknownIssuer,
    /// Refused for a reason the person may read as is.
    #[error("{0}")]
    Refused(String),
    /// The issuer could not be reached or answered something unusable: logged in detail, the
    /// person reads only that the provider failed.
    #[error("the identity provider failed: {0}")]
    Issuer(String),
    #[error(transparent)]
    Domain(#[from] DomainError),
}

/// The query of the issuer's redirect back (RFC 6749 4.1.2, RFC 9207 `iss`).
#[derive(Debug, Default, Deserialize)]
pub struct CallbackParams {
    pub code: Option<String>,
    pub state: Option<String>,
    pub iss: Option<String>,
    pub error: Option<String>,
}

/// Where to send the browser, and the secret its binding cookie must carry back.
pub struct Started {
    pub authorize_url: String,
    pub browser_secret: String,
}

#[derive(Deserialize)]
struct TokenResponse {
    id_token: Option<String>,
    access_token: Option<String>,
}

#[derive(Deserialize)]
struct UserInfo {
    sub: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_verified: Option<serde_json::Value>,
    #[serde(default)]
    name: Option<String>,
}

/// The configured issuers and what talking to them needs.
pub struct Oidc {
    settings: OidcSettings,
    issuers: Vec<OidcIssuer>,
    discovery: Discovery,
    sealer: Arc<Sealer>,
}

impl Oidc {
    /// A bad `oidc.ca_file` is an error (a start-up error).
    pub fn new(settings: &OidcSettings, sealer: Arc<Sealer>) -> Result<Oidc, String> {
        let tls = crate::notify::tls::client_config(settings.ca_file.as_deref())
            .map_err(|e| e.replace("notify.ca_file", "oidc.ca_file"))?;
        let http = IssuerHttp::new(settings.http_timeout(), tls);
        Ok(Oidc {
            settings: settings.clone(),
            issuers: settings.issuer_list(),
            discovery: Discovery::new(http, settings.metadata_ttl()),
            sealer,
        })
    }

    pub fn issuers(&self) -> &[OidcIssuer] {
        &self.issuers
    }

    fn issuer(&self, id: &str) -> Result<&OidcIssuer, OidcError> {
        self.issuers
            .iter()
            .find(|i| i.id == id)
            .ok_or(OidcError::UnknownIssuer)
    }

    /// Records a pending sign-in and returns the issuer's authorization URL for it.
    pub async fn start(
        &self,
        store: &Store,
        issuer_id: &str,
        redirect_uri: &str,
    ) -> Result<Started, OidcError> {
        let issuer = self.issuer(issuer_id)?;
        let metadata = self
            .discovery
            .metadata(&issuer.issuer)
            .await
            .map_err(OidcError::Issuer)?;
        let state = random_secret();
        let nonce = random_secret();
        let verifier = random_secret();
        let browser_secret = random_secret();
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        store
            .insert_oidc_login(PendingOidcLogin {
                state_hash: hash_secret(&state),
                issuer_id: issuer.id.clone(),
                nonce_hash: hash_secret(&nonce),
                browser_hash: hash_secret(&browser_secret),
                verifier_sealed: self.sealer.seal(VERIFIER_PURPOSE, verifier.as_bytes()),
                expires_at: Utc::now()
                    + chrono::Duration::from_std(self.settings.login_ttl())
                        .unwrap_or(chrono::Duration::minutes(10)),
            })
            .await?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", &issuer.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", SCOPES)
            .append_pair("state", &state)
            .append_pair("nonce", &nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        let sep = if metadata.authorization_endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        Ok(Started {
            authorize_url: format!("{}{sep}{query}", metadata.authorization_endpoint),
            browser_secret,
        })
    }

    /// Checks the issuer's answer (state once, this browser, in time, the issuer's own code and
    /// ID token, the nonce, a verified and allowed email) and returns the person it signs in,
    /// created if new.
    pub async fn finish(
        &self,
        store: &Store,
        issuer_id: &str,
        params: &CallbackParams,
        browser_secret: Option<&str>,
        redirect_uri: &str,
    ) -> Result<User, OidcError> {
        let issuer = self.issuer(issuer_id)?;
        let again = |what: &str| OidcError::Refused(format!("{what} Start the sign-in again."));
        let state = params
            .state
            .as_deref()
            .filter(|s| !s.is_empty() && s.len() <= 128)
            .ok_or_else(|| again("The provider's answer has no sign-in state."))?;
        let login = store
            .take_oidc_login(&hash_secret(state))
            .await?
            .ok_or_else(|| again("This sign-in is unknown or was already completed."))?;
        if login.issuer_id != issuer.id {
            return Err(again("This sign-in was started with another provider."));
        }
        if login.expires_at <= Utc::now() {
            return Err(again("This sign-in took too long and has expired."));
        }
        if browser_secret.map(hash_secret) != Some(login.browser_hash) {
            return Err(again("This sign-in was started in another browser."));
        }
        // RFC 9207: an issuer that names itself must be the one this sign-in went to.
        if params
            .iss
            .as_deref()
            .is_some_and(|iss| iss != issuer.issuer)
        {
            return Err(again(
                "The answer came from another provider than the one asked.",
            ));
        }
        if let Some(error) = &params.error {
            let error: String = error
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
                .take(64)
                .collect();
            return Err(OidcError::Refused(format!(
                "{} did not sign you in ({error}).",
                issuer.label()
            )));
        }
        let code = params
            .code
            .as_deref()
            .filter(|c| !c.is_empty())
            .ok_or_else(|| again("The provider's answer has no authorization code."))?;
        let verifier = self
            .sealer
            .open(VERIFIER_PURPOSE, &login.verifier_sealed)
            .map_err(|e| DomainError::internal_from("opening a PKCE verifier", e))?;
        let verifier = String::from_utf8(verifier)
            .map_err(|e| DomainError::internal_from("a PKCE verifier is not UTF-8", e))?;

        let metadata = self
            .discovery
            .metadata(&issuer.issuer)
            .await
            .map_err(OidcError::Issuer)?;
        let tokens: TokenResponse = self
            .discovery
            .http()
            .post_form(
                &metadata.token_endpoint,
                &issuer.client_id,
                issuer.client_secret.expose_secret(),
                &[
                    ("grant_type", "authorization_code"),
                    ("code", code),
                    ("redirect_uri", redirect_uri),
                    ("code_verifier", &verifier),
                ],
            )
            .await
            .map_err(|e| match e.oauth_error.as_deref() {
                // The code was refused (used, expired, not ours): the person can start again.
                Some("invalid_grant") => {
                    again("The provider no longer accepts this sign-in's code.")
                }
                _ => OidcError::Issuer(format!("token endpoint: {e}")),
            })?;
        let id_token = tokens
            .id_token
            .ok_or_else(|| OidcError::Issuer("the token response has no id_token".into()))?;
        let claims = self.verified_claims(issuer, &metadata, &id_token).await?;
        if claims.nonce.as_deref().map(hash_secret) != Some(login.nonce_hash) {
            tracing::warn!(
                issuer = issuer.id,
                "an ID token's nonce is not this sign-in's"
            );
            return Err(again(
                "The provider's answer does not belong to this sign-in (nonce).",
            ));
        }

        let (email, verified, name) = match &claims.email {
            Some(email) => (
                email.clone(),
                id_token::is_verified(claims.email_verified.as_ref()),
                claims.name.clone(),
            ),
            None => {
                self.userinfo(&metadata, tokens.access_token.as_deref(), &claims)
                    .await?
            }
        };
        let email = email.trim().to_owned();
        if email.is_empty() || !email.contains('@') || email.len() > 320 {
            return Err(OidcError::Refused(format!(
                "{} did not share an email address, which Switchboard signs you in by.",
                issuer.label()
            )));
        }
        if !verified {
            return Err(OidcError::Refused(format!(
                "{} has not verified the email address {email}: verify it there first.",
                issuer.label()
            )));
        }
        if !issuer.allows_email(&email) {
            return Err(OidcError::Refused(format!(
                "{email} may not sign in to this Switchboard through {}: only {} addresses may.",
                issuer.label(),
                issuer.allowed_domains.join(", ")
            )));
        }
        let display_name: String = name.unwrap_or_default().trim().chars().take(200).collect();
        let user = store
            .oidc_sign_in(OidcIdentity {
                issuer: &issuer.issuer,
                subject: &claims.sub,
                email: &email,
                display_name: &display_name,
            })
            .await?;
        Ok(user)
    }

    async fn verified_claims(
        &self,
        issuer: &OidcIssuer,
        metadata: &super::discovery::ProviderMetadata,
        id_token: &str,
    ) -> Result<IdClaims, OidcError> {
        let refused = |e: id_token::TokenError| {
            tracing::warn!(issuer = issuer.id, error = %e, "an ID token was refused");
            OidcError::Refused(
                "The provider's answer could not be verified. Start the sign-in again.".into(),
            )
        };
        let kid = id_token::key_id(id_token).map_err(refused)?;
        let keys = self
            .discovery
            .keys(&issuer.issuer, metadata, kid.as_deref())
            .await
            .map_err(OidcError::Issuer)?;
        id_token::verify(id_token, &keys, &issuer.issuer, &issuer.client_id).map_err(refused)
    }

    /// The email from the userinfo endpoint, for issuers that keep it out of the ID token; its
    /// `sub` must be the ID token's (Core 1.0 section 5.3.2).
    async fn userinfo(
        &self,
        metadata: &super::discovery::ProviderMetadata,
        access_token: Option<&str>,
        claims: &IdClaims,
    ) -> Result<(String, bool, Option<String>), OidcError> {
        let (Some(url), Some(token)) = (&metadata.userinfo_endpoint, access_token) else {
            return Ok((String::new(), false, claims.name.clone()));
        };
        let info: UserInfo = self
            .discovery
            .http()
            .get_json(url, Some(token))
            .await
            .map_err(|e| OidcError::Issuer(format!("userinfo: {e}")))?;
        if info.sub != claims.sub {
            return Err(OidcError::Issuer(
                "userinfo answered for another subject than the ID token".into(),
            ));
        }
        Ok((
            info.email.unwrap_or_default(),
            id_token::is_verified(info.email_verified.as_ref()),
            info.name.or_else(|| claims.name.clone()),
        ))
    }
}

/// 256 random bits, base64url (43 characters: also a valid PKCE verifier, RFC 7636 4.1).
fn random_secret() -> String {
    URL_SAFE_NO_PAD.encode(random_bytes(32))
}
