//! The browser's cookies: the refresh token (HttpOnly, Secure, SameSite=Strict, sent only to
//! `/auth/session/*`, so page scripts cannot read it and other paths never receive it), and the
//! binding of an OIDC sign-in to the browser that started it (SameSite=Lax: it must come back
//! with the issuer's cross-site redirect to the callback).
//!
//! Secure is always set: browsers keep Secure cookies on https and on http://localhost or
//! 127.0.0.1 (treated as secure contexts), which is where plaintext is served (see
//! `Settings::check_transport`).

use std::time::Duration;

use http::{HeaderMap, HeaderValue};

pub const REFRESH_COOKIE: &str = "sb_refresh";
/// The refresh cookie's Path: the session endpoints (`api::session_http`).
pub const REFRESH_PATH: &str = "/auth/session";
pub const OIDC_BINDING_COOKIE: &str = "sb_oidc";
pub const OIDC_PATH: &str = "/auth/oidc";

#[derive(Debug, Clone, Copy)]
pub enum SameSite {
    Strict,
    Lax,
}

/// A `Set-Cookie` value. `value` is one of our base64url secrets (no escaping needed).
pub fn set(
    name: &str,
    value: &str,
    path: &str,
    same_site: SameSite,
    max_age: Duration,
) -> HeaderValue {
    let same_site = match same_site {
        SameSite::Strict => "Strict",
        SameSite::Lax => "Lax",
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path={path}; Max-Age={}; HttpOnly; Secure; SameSite={same_site}",
        max_age.as_secs()
    ))
    .expect("cookie values are base64url")
}

/// A `Set-Cookie` that deletes the cookie.
pub fn clear(name: &str, path: &str, same_site: SameSite) -> HeaderValue {
    set(name, "", path, same_site, Duration::ZERO)
}

/// The value of cookie `name` in the request, if sent (the first one: with one Path there is
/// one).
pub fn get<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.trim())
        .filter(|v| !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_set_read_and_cleared() {
        let v = set(
            REFRESH_COOKIE,
            "abc",
            REFRESH_PATH,
            SameSite::Strict,
            Duration::from_secs(60),
        );
        assert_eq!(
            v,
            "sb_refresh=abc; Path=/auth/session; Max-Age=60; HttpOnly; Secure; SameSite=Strict"
        );
        let mut h = HeaderMap::new();
        h.insert(
            http::header::COOKIE,
            HeaderValue::from_static("a=1; sb_refresh=abc; b=2"),
        );
        assert_eq!(get(&h, REFRESH_COOKIE), Some("abc"));
        assert_eq!(get(&h, "sb"), None);
        assert!(
            clear(OIDC_BINDING_COOKIE, OIDC_PATH, SameSite::Lax)
                .to_str()
                .unwrap()
                .contains("Max-Age=0")
        );
    }
}
