//! `[oidc]`: the OpenID Connect issuers people may sign in with, beside passwords.
//!
//! ```toml
//! [oidc.issuers.corp]                           # the id, in the URLs: /auth/oidc/corp/start
//! issuer = "https://login.example.com"          # its discovery document is read from here
//! client_id = "switchboard"
//! client_secret = "..."                         # or SWITCHBOARD__OIDC__ISSUERS__CORP__CLIENT_SECRET
//! display_name = "Example SSO"                  # the login page's button
//! allowed_domains = ["example.com"]             # optional: only these email domains
//! ```
//!
//! Beside the issuers, `oidc.start_burst` (10) and `oidc.starts_per_minute` (20) limit the
//! sign-ins one client address may start.
//!
//! Issuers are a table keyed by id (not a list) so that each field, the secret above all, can
//! come from its own environment variable (a Kubernetes Secret, say).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OidcSettings {
    /// By id (`a-z`, `0-9`, `-`; up to 32 characters), which names the issuer in the URLs.
    pub issuers: BTreeMap<String, OidcIssuer>,
    /// PEM file of extra CAs trusted for the issuers' https endpoints, beside the system's
    /// roots (an identity provider with a private CA).
    pub ca_file: Option<PathBuf>,
    /// How long a sign-in may take between leaving for the issuer and coming back.
    pub login_ttl_secs: u64,
    /// Timeout of one request to an issuer (discovery, keys, code exchange).
    pub http_timeout_ms: u64,
    /// How long the discovery document and the issuer's keys are reused (a token signed with
    /// a key not seen yet makes the keys be read again at once).
    pub metadata_ttl_secs: u64,
    /// Sign-ins one client address may start (`/auth/oidc/<id>/start`) at once, and how many
    /// more a minute after that: each start stores a pending sign-in, and nobody is signed in yet.
    pub start_burst: u32,
    pub starts_per_minute: u32,
}

/// One configured issuer.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcIssuer {
    /// Its key in `issuers` (filled in by `OidcSettings::issuer_list`).
    #[serde(skip)]
    pub id: String,
    /// The issuer identifier, exactly as its ID tokens' `iss` (https; http on loopback only).
    pub issuer: String,
    pub client_id: String,
    pub client_secret: SecretString,
    /// What the login page's button says ("Sign in with <display_name>").
    #[serde(default)]
    pub display_name: String,
    /// When not empty, only verified emails of these domains may sign in.
    #[serde(default)]
    pub allowed_domains: Vec<String>,
}

impl Default for OidcSettings {
    fn default() -> Self {
        OidcSettings {
            issuers: BTreeMap::new(),
            ca_file: None,
            login_ttl_secs: 600,
            http_timeout_ms: 10_000,
            metadata_ttl_secs: 3600,
            start_burst: 10,
            starts_per_minute: 20,
        }
    }
}

impl OidcSettings {
    pub fn login_ttl(&self) -> Duration {
        Duration::from_secs(self.login_ttl_secs.max(1))
    }
    pub fn http_timeout(&self) -> Duration {
        Duration::from_millis(self.http_timeout_ms.max(10))
    }
    pub fn metadata_ttl(&self) -> Duration {
        Duration::from_secs(self.metadata_ttl_secs)
    }

    /// The issuers, each with its id.
    pub fn issuer_list(&self) -> Vec<OidcIssuer> {
        self.issuers
            .iter()
            .map(|(id, i)| OidcIssuer {
                id: id.clone(),
                ..i.clone()
            })
            .collect()
    }

    /// Values serde accepts but sign-in cannot use.
    pub fn check(&self) -> Result<(), String> {
        for i in self.issuer_list() {
            let valid_id = !i.id.is_empty()
                && i.id.len() <= 32
                && i.id
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
            if !valid_id {
                return Err(format!(
                    "oidc.issuers: id {:?} must be 1 to 32 of a-z, 0-9 and -",
                    i.id
                ));
            }
            check_issuer_url(&i.issuer).map_err(|e| format!("oidc.issuers.{}: {e}", i.id))?;
            if i.client_id.trim().is_empty() {
                return Err(format!("oidc.issuers.{}: client_id is empty", i.id));
            }
            for d in &i.allowed_domains {
                if d.trim().is_empty() || d.contains('@') {
                    return Err(format!(
                        "oidc.issuers.{}: allowed_domains entry {d:?} is not a domain (example.com)",
                        i.id
                    ));
                }
            }
        }
        Ok(())
    }
}

impl OidcIssuer {
    /// The button's label.
    pub fn label(&self) -> &str {
        if self.display_name.trim().is_empty() {
            &self.id
        } else {
            &self.display_name
        }
    }

    /// Whether `email` may sign in through this issuer (its domain is allowed, or all are).
    pub fn allows_email(&self, email: &str) -> bool {
        if self.allowed_domains.is_empty() {
            return true;
        }
        let Some((_, domain)) = email.rsplit_once('@') else {
            return false;
        };
        self.allowed_domains.iter().any(|d| {
            d.trim()
                .trim_start_matches('@')
                .eq_ignore_ascii_case(domain)
        })
    }
}

/// An issuer is https, or http on a loopback host (a provider on the same machine, tests):
/// its discovery document and keys decide whose tokens are believed.
pub fn check_issuer_url(url: &str) -> Result<(), String> {
    let uri: http::Uri = url
        .parse()
        .map_err(|_| format!("issuer {url:?} is not a URL"))?;
    let host = uri
        .host()
        .ok_or_else(|| format!("issuer {url:?} has no host"))?;
    if uri.query().is_some() {
        return Err(format!("issuer {url:?} must not have a query"));
    }
    match uri.scheme_str() {
        Some("https") => Ok(()),
        Some("http") if is_loopback_host(host) => Ok(()),
        Some("http") => Err(format!(
            "issuer {url:?} must be https (plain http only for a provider on loopback)"
        )),
        _ => Err(format!("issuer {url:?} must be an https URL")),
    }
}

fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issuer(id: &str, url: &str) -> OidcIssuer {
        OidcIssuer {
            id: id.into(),
            issuer: url.into(),
            client_id: "switchboard".into(),
            client_secret: SecretString::from("s"),
            display_name: String::new(),
            allowed_domains: vec!["example.com".into()],
        }
    }

    fn settings(issuers: Vec<OidcIssuer>) -> OidcSettings {
        OidcSettings {
            issuers: issuers.into_iter().map(|i| (i.id.clone(), i)).collect(),
            ..OidcSettings::default()
        }
    }

    #[test]
    fn issuers_are_https_or_loopback_with_usable_ids() {
        let ok = settings(vec![
            issuer("corp", "https://login.example.com"),
            issuer("dev", "http://localhost:8080"),
            issuer("ip", "http://127.0.0.1:9"),
        ]);
        assert_eq!(ok.check(), Ok(()));
        assert_eq!(ok.issuer_list()[0].id, "corp");
        for (id, url, err) in [
            ("corp", "http://login.example.com", "must be https"),
            ("Corp", "https://x.example", "must be 1 to 32"),
            ("corp", "ftp://x.example", "must be an https URL"),
        ] {
            let s = settings(vec![issuer(id, url)]);
            assert!(s.check().unwrap_err().contains(err), "{id} {url}");
        }
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail closure returns its own error type
    fn an_issuer_from_the_file_takes_its_secret_from_the_environment() {
        use secrecy::ExposeSecret;
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "switchboard.toml",
                "[oidc.issuers.corp]\nissuer = \"https://login.example.com\"\nclient_id = \"sb\"\nclient_secret = \"from-the-file\"\n",
            )?;
            jail.set_env(
                "SWITCHBOARD__OIDC__ISSUERS__CORP__CLIENT_SECRET",
                "from-the-env",
            );
            let s = crate::config::Settings::load(Some(std::path::Path::new("switchboard.toml")))
                .map_err(|e| e.to_string())?;
            let corp = &s.oidc.issuer_list()[0];
            assert_eq!(corp.id, "corp");
            assert_eq!(corp.client_secret.expose_secret(), "from-the-env");
            assert!(
                !format!("{s:?}").contains("from-the-env"),
                "the secret is redacted"
            );
            Ok(())
        });
    }

    #[test]
    fn allowed_domains_match_the_whole_domain() {
        let i = issuer("corp", "https://x");
        assert!(i.allows_email("ann@example.com"));
        assert!(i.allows_email("ann@EXAMPLE.com"));
        assert!(!i.allows_email("ann@notexample.com"));
        assert!(!i.allows_email("ann@example.com.evil"));
        assert!(!i.allows_email("no-at-sign"));
    }
}
