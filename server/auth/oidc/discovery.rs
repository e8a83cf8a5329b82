//! An issuer's discovery document (OpenID Connect Discovery 1.0) and signing keys, read when
//! first needed and reused for `oidc.metadata_ttl_secs`: the server starts even while an issuer
//! is down. A token signed with a key not in the cached set makes the keys be read again (the
//! issuer rotated them), at most once per `KEY_REFETCH_SPACING`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jsonwebtoken::jwk::JwkSet;
use serde::Deserialize;

use super::http_client::{HttpFailure, IssuerHttp};
use crate::config::oidc::check_issuer_url;

const KEY_REFETCH_SPACING: Duration = Duration::from_secs(10);

/// The fields of the discovery document this flow uses.
#[derive(Debug, Clone, Deserialize)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub jwks_uri: String,
    #[serde(default)]
    pub userinfo_endpoint: Option<String>,
    #[serde(default)]
    pub code_challenge_methods_supported: Option<Vec<String>>,
}

struct Entry {
    metadata: Arc<ProviderMetadata>,
    read_at: Instant,
    keys: Option<(Arc<JwkSet>, Instant)>,
}

/// Metadata and keys per issuer URL.
pub struct Discovery {
    http: IssuerHttp,
    ttl: Duration,
    entries: Mutex<HashMap<String, Entry>>,
}

impl Discovery {
    pub fn new(http: IssuerHttp, ttl: Duration) -> Discovery {
        Discovery {
            http,
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn http(&self) -> &IssuerHttp {
        &self.http
    }

    /// The issuer's metadata, cached or read now. Its `issuer` must be exactly the configured
    /// one (Discovery 1.0 section 4.3) and its endpoints https (or http on loopback).
    pub async fn metadata(&self, issuer: &str) -> Result<Arc<ProviderMetadata>, String> {
        if let Some(e) = self.entries.lock().expect("not poisoned").get(issuer) {
            if e.read_at.elapsed() < self.ttl {
                return Ok(e.metadata.clone());
            }
        }
        let url = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        let metadata: ProviderMetadata = self
            .http
            .get_json(&url, None)
            .await
            .map_err(|e: HttpFailure| format!("discovery document {url}: {e}"))?;
        if metadata.issuer != issuer {
            return Err(format!(
                "discovery document {url} names issuer {:?}, not the configured {issuer:?}",
                metadata.issuer
            ));
        }
        for (name, endpoint) in [
            ("authorization_endpoint", &metadata.authorization_endpoint),
            ("token_endpoint", &metadata.token_endpoint),
            ("jwks_uri", &metadata.jwks_uri),
        ] {
            check_issuer_url(endpoint).map_err(|e| format!("{name}: {e}"))?;
        }
        if let Some(methods) = &metadata.code_challenge_methods_supported {
            if !methods.iter().any(|m| m == "S256") {
                return Err(format!("{issuer} does not support PKCE with S256"));
            }
        }
        let metadata = Arc::new(metadata);
        self.entries.lock().expect("not poisoned").insert(
            issuer.to_owned(),
            Entry {
                metadata: metadata.clone(),
                read_at: Instant::now(),
                keys: None,
            },
        );
        Ok(metadata)
    }

    /// The issuer's key set; read again when `kid` is not in the cached one (key rotation).
    pub async fn keys(
        &self,
        issuer: &str,
        metadata: &ProviderMetadata,
        kid: Option<&str>,
    ) -> Result<Arc<JwkSet>, String> {
        let cached = self
            .entries
            .lock()
            .expect("not poisoned")
            .get(issuer)
            .and_then(|e| e.keys.clone());
        if let Some((keys, read_at)) = &cached {
            let has_kid = kid.is_none_or(|k| keys.find(k).is_some());
            let fresh = read_at.elapsed() < self.ttl;
            if (has_kid && fresh) || read_at.elapsed() < KEY_REFETCH_SPACING {
                return Ok(keys.clone());
            }
        }
        let keys: JwkSet = self
            .http
            .get_json(&metadata.jwks_uri, None)
            .await
            .map_err(|e| format!("key set {}: {e}", metadata.jwks_uri))?;
        let keys = Arc::new(keys);
        if let Some(e) = self.entries.lock().expect("not poisoned").get_mut(issuer) {
            e.keys = Some((keys.clone(), Instant::now()));
        }
        Ok(keys)
    }
}
