//! OIDC sign-in against a real OpenID Connect provider (the certified `oidc-provider` package,
//! tests/oidc/provider.mjs) and the refresh-token cookie of the browser session endpoints. The
//! test plays the browser over real HTTP: it follows the redirects, posts the provider's login
//! form and keeps each origin's cookies.

use std::collections::HashMap;
use std::time::Duration;

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use switchboard::config::OidcIssuer;
use switchboard::proto::*;
use switchboard::store::sign_ins::SignInKind;

use crate::harness::*;

const CLIENT_ID: &str = "switchboard-test";
const ISSUER_ID: &str = "test";

/// The provider process (stopped with the test: its stdin closes and it is killed on drop).
pub struct Provider {
    pub issuer: String,
    client_secret: String,
    child: tokio::process::Child,
    stdout: tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
}

impl Provider {
    /// Starts the provider; it serves once `register` has named the server's callback.
    pub async fn start() -> Provider {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
        assert!(
            root.join("node_modules/oidc-provider").exists(),
            "the OIDC provider needs its npm package: run tests/oidc/setup.sh (scripts/test.sh does)"
        );
        let mut child = tokio::process::Command::new("node")
            .arg(root.join("provider.mjs"))
            .current_dir(&root)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            // Its warnings (a development key set, an in-memory store) only with the test logs.
            .stderr(if std::env::var_os("SWITCHBOARD_TEST_LOG").is_some() {
                std::process::Stdio::inherit()
            } else {
                std::process::Stdio::null()
            })
            .kill_on_drop(true)
            .spawn()
            .expect("start the OIDC provider (node)");
        use tokio::io::AsyncBufReadExt;
        let mut stdout = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let port = read_line_with(&mut stdout, "port ").await;
        Provider {
            issuer: format!("http://localhost:{port}"),
            client_secret: hex::encode(rand_bytes()),
            child,
            stdout,
        }
    }

    /// The issuer entry of the server's settings.
    pub fn issuer_settings(&self, allowed_domains: &[&str]) -> OidcIssuer {
        OidcIssuer {
            id: ISSUER_ID.into(),
            issuer: self.issuer.clone(),
            client_id: CLIENT_ID.into(),
            client_secret: self.client_secret.clone().into(),
            display_name: "Test IdP".into(),
            allowed_domains: allowed_domains.iter().map(|d| d.to_string()).collect(),
        }
    }

    /// Registers the server as the provider's client (its callback is known once it listens);
    /// `email_in_id_token: false` keeps the email for the userinfo endpoint.
    pub async fn register(&mut self, server: &str, email_in_id_token: bool) {
        use tokio::io::AsyncWriteExt;
        let line = serde_json::json!({"clients": [{
            "client_id": CLIENT_ID,
            "client_secret": self.client_secret,
            "redirect_uris": [format!("{server}/auth/oidc/{ISSUER_ID}/callback")],
        }], "email_in_id_token": email_in_id_token});
        let stdin = self.child.stdin.as_mut().unwrap();
        stdin
            .write_all(format!("{line}\n").as_bytes())
            .await
            .unwrap();
        let ready = read_line_with(&mut self.stdout, "ready ").await;
        assert_eq!(ready, self.issuer);
    }
}

async fn read_line_with(
    lines: &mut tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStdout>>,
    prefix: &str,
) -> String {
    tokio::time::timeout(Duration::from_secs(30), async {
        loop {
            let line = lines
                .next_line()
                .await
                .unwrap()
                .expect("the provider prints its address");
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.trim().to_owned();
            }
        }
    })
    .await
    .expect("the provider starts")
}

fn rand_bytes() -> [u8; 24] {
    let mut b = [0u8; 24];
    b.copy_from_slice(&switchboard::auth::secrets::random_bytes(24));
    b
}

/// A server with the provider as issuer `test`, and the provider knowing the server.
async fn app_with_provider(allowed_domains: &[&str]) -> (TestApp, Provider) {
    app_with(allowed_domains, true).await
}

async fn app_with(allowed_domains: &[&str], email_in_id_token: bool) -> (TestApp, Provider) {
    let mut provider = Provider::start().await;
    let issuer = provider.issuer_settings(allowed_domains);
    let app = TestApp::spawn_with(|s| {
        s.oidc.issuers.insert(ISSUER_ID.into(), issuer);
    })
    .await;
    provider
        .register(&format!("http://{}", app.addr), email_in_id_token)
        .await;
    (app, provider)
}

pub struct Reply {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    fn location(&self) -> String {
        self.headers
            .get(http::header::LOCATION)
            .unwrap_or_else(|| panic!("no Location ({}): {}", self.status, self.body))
            .to_str()
            .unwrap()
            .to_owned()
    }

    /// The `Set-Cookie` for `name`, whole (attributes included).
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(http::header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }
}

/// A browser stand-in: cookies per origin (scheme://host:port), no redirects followed by itself.
#[derive(Default)]
pub struct Browser {
    jars: HashMap<String, HashMap<String, String>>,
}

fn origin_of(url: &str) -> String {
    let uri: http::Uri = url.parse().unwrap();
    format!(
        "{}://{}",
        uri.scheme_str().unwrap(),
        uri.authority().unwrap()
    )
}

impl Browser {
    pub async fn request(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, String)>,
    ) -> Reply {
        let client =
            hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
                .build_http::<Full<Bytes>>();
        let origin = origin_of(url);
        let mut req = http::Request::builder().method(method).uri(url);
        let jar = self.jars.entry(origin.clone()).or_default();
        if !jar.is_empty() {
            let cookie: Vec<String> = jar.iter().map(|(k, v)| format!("{k}={v}")).collect();
            req = req.header(http::header::COOKIE, cookie.join("; "));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let payload = match body {
            Some((content_type, body)) => {
                req = req.header(http::header::CONTENT_TYPE, content_type);
                Bytes::from(body)
            }
            None => Bytes::new(),
        };
        let resp = client
            .request(req.body(Full::new(payload)).unwrap())
            .await
            .unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        let (parts, body) = resp.into_parts();
        let body = body.collect().await.unwrap().to_bytes();
        for set in parts.headers.get_all(http::header::SET_COOKIE) {
            let set = set.to_str().unwrap();
            let pair = set.split(';').next().unwrap();
            let (k, v) = pair.split_once('=').unwrap();
            let expired = set.contains("Max-Age=0") || set.contains("expires=Thu, 01 Jan 1970");
            if v.is_empty() || expired {
                jar.remove(k);
            } else {
                jar.insert(k.to_owned(), v.to_owned());
            }
        }
        Reply {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: String::from_utf8_lossy(&body).into_owned(),
        }
    }

    pub async fn get(&mut self, url: &str) -> Reply {
        self.request("GET", url, &[], None).await
    }

    pub fn cookie(&self, origin: &str, name: &str) -> Option<String> {
        self.jars.get(origin)?.get(name).cloned()
    }

    pub fn set_cookie(&mut self, origin: &str, name: &str, value: Option<String>) {
        let jar = self.jars.entry(origin.to_owned()).or_default();
        match value {
            Some(v) => jar.insert(name.to_owned(), v),
            None => jar.remove(name),
        };
    }

    /// A session endpoint call as the dashboard makes it (CSRF header, this origin).
    pub async fn session_call(&mut self, server: &str, what: &str, body: Option<String>) -> Reply {
        self.request(
            "POST",
            &format!("{server}/auth/session/{what}"),
            &[("x-switchboard-csrf", "1"), ("origin", server)],
            body.map(|b| ("application/json", b)),
        )
        .await
    }
}

fn resolve(base: &str, location: &str) -> String {
    if location.starts_with("http://") || location.starts_with("https://") {
        location.to_owned()
    } else {
        format!("{}{location}", origin_of(base))
    }
}

/// `/start` on the server: the authorization URL at the provider.
async fn start(browser: &mut Browser, server: &str) -> String {
    let r = browser
        .get(&format!("{server}/auth/oidc/{ISSUER_ID}/start"))
        .await;
    assert_eq!(r.status, 303, "{}", r.body);
    let binding = r.set_cookie("sb_oidc").expect("the binding cookie");
    assert!(
        binding.contains("HttpOnly") && binding.contains("Secure"),
        "{binding}"
    );
    assert!(
        binding.contains("SameSite=Lax") && binding.contains("Path=/auth/oidc"),
        "{binding}"
    );
    r.location()
}

/// Signs in at the provider as `email` from `authorize_url` and returns the callback URL the
/// provider sends the browser to (not yet visited).
async fn through_provider(
    browser: &mut Browser,
    server: &str,
    authorize_url: &str,
    email: &str,
) -> String {
    let callback = format!("{server}/auth/oidc/{ISSUER_ID}/callback");
    let mut url = authorize_url.to_owned();
    for _ in 0..10 {
        let r = browser.get(&url).await;
        match r.status {
            302 | 303 => {
                let next = resolve(&url, &r.location());
                if next.starts_with(&callback) {
                    return next;
                }
                url = next;
            }
            200 if url.contains("/interaction/") => {
                assert!(
                    r.body.contains("name=\"email\""),
                    "the login page: {}",
                    r.body
                );
                let form = format!(
                    "email={}",
                    form_urlencoded::byte_serialize(email.as_bytes()).collect::<String>()
                );
                let posted = browser
                    .request(
                        "POST",
                        &format!("{url}/login"),
                        &[],
                        Some(("application/x-www-form-urlencoded", form)),
                    )
                    .await;
                assert_eq!(posted.status, 303, "{}", posted.body);
                url = resolve(&url, &posted.location());
            }
            other => panic!("unexpected {other} at {url}: {}", r.body),
        }
    }
    panic!("the provider never sent the browser back");
}

/// A whole sign-in; the callback's reply.
async fn sign_in(browser: &mut Browser, server: &str, email: &str) -> Reply {
    let authorize = start(browser, server).await;
    let callback = through_provider(browser, server, &authorize, email).await;
    browser.get(&callback).await
}

/// The dashboard's pick-up after the callback: the refresh cookie gives an access token.
async fn picked_up(browser: &mut Browser, server: &str) -> serde_json::Value {
    let r = browser.session_call(server, "refresh", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.json()
}

fn assert_refused(r: &Reply, why: &str) {
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.body.contains(why), "expected {why:?} in {}", r.body);
    assert!(
        r.set_cookie("sb_refresh").is_none(),
        "no session for a refused sign-in"
    );
}

async fn user_count(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM users WHERE lower(email) = lower($1)")
        .bind(email)
        .fetch_one(&sqlx::PgPool::connect(&app.database_url()).await.unwrap())
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sign_in_creates_the_person_and_the_next_finds_them() {
    let (app, _provider) = app_with_provider(&["example.com"]).await;
    let server = format!("http://{}", app.addr);
    let mut browser = Browser::default();

    let r = sign_in(&mut browser, &server, "ada@example.com").await;
    assert_eq!(r.status, 303, "{}", r.body);
    assert_eq!(r.location(), "/?signin=oidc");
    let cookie = r.set_cookie("sb_refresh").expect("the refresh cookie");
    for attr in [
        "HttpOnly",
        "Secure",
        "SameSite=Strict",
        "Path=/auth/session",
    ] {
        assert!(cookie.contains(attr), "{attr} in {cookie}");
    }
    assert!(
        browser.cookie(&server, "sb_oidc").is_none(),
        "the binding cookie is cleared"
    );

    let session = picked_up(&mut browser, &server).await;
    assert_eq!(session["user"]["email"], "ada@example.com");
    assert_eq!(session["user"]["display_name"], "Test ada");
    assert!(
        session.get("refresh_token").is_none(),
        "the refresh token stays in the cookie"
    );
    let user_id = session["user"]["id"].as_str().unwrap().to_owned();

    // The access token works on the dashboard's API, in the personal project made with the user.
    let mut dashboard = app
        .dashboard_with_token(session["access_token"].as_str().unwrap())
        .await;
    let key = dashboard
        .create_api_key(CreateApiKeyRequest {
            name: "from-oidc".into(),
            ..Default::default()
        })
        .await
        .expect("a key in the personal project")
        .into_inner();
    assert_eq!(key.api_key.unwrap().project_id, user_id);

    // A second sign-in (another browser) is the same person; the issuer account is recorded.
    let mut other = Browser::default();
    assert_eq!(
        sign_in(&mut other, &server, "Ada@Example.com").await.status,
        303
    );
    assert_eq!(
        picked_up(&mut other, &server).await["user"]["id"],
        user_id.as_str()
    );
    assert_eq!(user_count(&app, "ada@example.com").await, 1);
    let uid = switchboard::domain::UserId(user_id.parse().unwrap());
    let ids = app.store.oidc_identities_of(uid).await.unwrap();
    assert_eq!(
        ids.len(),
        2,
        "the provider's subjects are the emails as typed: {ids:?}"
    );

    // Such a person has no password: signing in with the dummy hash's password is refused.
    let refused = app
        .auth()
        .await
        .login(LoginRequest {
            email: "ada@example.com".into(),
            password: "switchboard-timing-equaliser".into(),
        })
        .await;
    assert_eq!(code(refused), tonic::Code::Unauthenticated);

    // The person's sign-in history: both OIDC sign-ins, the refused password, the sign-out.
    let r = browser.session_call(&server, "logout", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let history: Vec<_> = app
        .store
        .sign_ins_of(uid, None, 10)
        .await
        .unwrap()
        .items
        .into_iter()
        .map(|e| (e.kind, e.issuer, e.client_addr))
        .collect();
    let at = |kind, issuer: &str| (kind, issuer.to_owned(), "127.0.0.1".to_owned());
    assert_eq!(
        history,
        [
            at(SignInKind::SignedOut, ""),
            at(SignInKind::PasswordFailed, ""),
            at(SignInKind::Oidc, ISSUER_ID),
            at(SignInKind::Oidc, ISSUER_ID),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_verified_email_signs_in_as_the_existing_password_account() {
    let (app, _provider) = app_with_provider(&[]).await;
    let server = format!("http://{}", app.addr);
    let existing = app.user("grace@example.com").await;

    let mut browser = Browser::default();
    assert_eq!(
        sign_in(&mut browser, &server, "grace@example.com")
            .await
            .status,
        303
    );
    let session = picked_up(&mut browser, &server).await;
    assert_eq!(session["user"]["id"], existing.user_id.as_str());
    // No allowed_domains: any verified domain signs in.
    let mut other = Browser::default();
    assert_eq!(
        sign_in(&mut other, &server, "lin@elsewhere.test")
            .await
            .status,
        303
    );
    // The password still works too.
    let login = app
        .auth()
        .await
        .login(LoginRequest {
            email: "grace@example.com".into(),
            password: PASSWORD.into(),
        })
        .await;
    assert!(login.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_email_kept_out_of_the_id_token_is_read_from_userinfo() {
    let (app, _provider) = app_with(&["example.com"], false).await;
    let server = format!("http://{}", app.addr);
    let mut browser = Browser::default();
    assert_eq!(
        sign_in(&mut browser, &server, "hal@example.com")
            .await
            .status,
        303
    );
    let session = picked_up(&mut browser, &server).await;
    assert_eq!(session["user"]["email"], "hal@example.com");
    assert_eq!(session["user"]["display_name"], "Test hal");
    // And its email_verified counts there too.
    let mut browser = Browser::default();
    let r = sign_in(&mut browser, &server, "unverified-too@example.com").await;
    assert_refused(&r, "has not verified the email address");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unverified_emails_and_other_domains_are_refused() {
    let (app, _provider) = app_with_provider(&["example.com"]).await;
    let server = format!("http://{}", app.addr);

    let mut browser = Browser::default();
    let r = sign_in(&mut browser, &server, "unverified@example.com").await;
    assert_refused(
        &r,
        "has not verified the email address unverified@example.com",
    );
    assert_eq!(user_count(&app, "unverified@example.com").await, 0);

    // A new browser: the provider would otherwise sign the same account in again.
    let mut browser = Browser::default();
    let r = sign_in(&mut browser, &server, "mallory@other.test").await;
    assert_refused(&r, "only example.com addresses may");
    assert_eq!(user_count(&app, "mallory@other.test").await, 0);
    assert!(r.headers.get("content-security-policy").is_some());
    assert_eq!(
        r.headers.get(http::header::CONTENT_TYPE).unwrap(),
        "text/html; charset=utf-8"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_state_is_used_once_by_the_browser_that_started_it() {
    let (app, _provider) = app_with_provider(&["example.com"]).await;
    let server = format!("http://{}", app.addr);
    let mut browser = Browser::default();

    // Unknown state.
    let r = browser
        .get(&format!(
            "{server}/auth/oidc/{ISSUER_ID}/callback?code=abc&state=not-a-state-we-made"
        ))
        .await;
    assert_refused(&r, "unknown or was already completed");

    // Replayed: the callback URL of a finished sign-in, visited again.
    let authorize = start(&mut browser, &server).await;
    let callback = through_provider(&mut browser, &server, &authorize, "ada@example.com").await;
    let binding = browser.cookie(&server, "sb_oidc");
    assert_eq!(browser.get(&callback).await.status, 303);
    browser.set_cookie(&server, "sb_oidc", binding);
    assert_refused(
        &browser.get(&callback).await,
        "unknown or was already completed",
    );

    // Another browser (without the binding cookie) cannot finish someone's sign-in.
    let authorize = start(&mut browser, &server).await;
    let callback = through_provider(&mut browser, &server, &authorize, "ada@example.com").await;
    browser.set_cookie(&server, "sb_oidc", None);
    assert_refused(&browser.get(&callback).await, "started in another browser");

    // An issuer id that is not configured.
    let r = browser.get(&format!("{server}/auth/oidc/nope/start")).await;
    assert_eq!(r.status, 404, "{}", r.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_starts_are_limited_per_client_address() {
    let mut provider = Provider::start().await;
    let issuer = provider.issuer_settings(&[]);
    let app = TestApp::spawn_with(|s| {
        s.oidc.issuers.insert(ISSUER_ID.into(), issuer);
        s.oidc.start_burst = 2;
        s.oidc.starts_per_minute = 1;
        // The test stands in for a proxy on loopback that names each client in X-Forwarded-For.
        s.tls.trusted_proxies = vec!["127.0.0.1".into(), "::1".into()];
    })
    .await;
    let server = format!("http://{}", app.addr);
    provider.register(&server, true).await;
    let mut browser = Browser::default();
    let url = format!("{server}/auth/oidc/{ISSUER_ID}/start");
    let from = |client: &'static str| [("x-forwarded-for", client)];

    for _ in 0..2 {
        let r = browser
            .request("GET", &url, &from("203.0.113.7"), None)
            .await;
        assert_eq!(r.status, 303, "{}", r.body);
    }
    let refused = browser
        .request("GET", &url, &from("203.0.113.7"), None)
        .await;
    assert_eq!(refused.status, 429, "{}", refused.body);
    let retry_after: u64 = refused.headers[http::header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=60).contains(&retry_after),
        "Retry-After: {retry_after}"
    );
    assert!(
        refused
            .body
            .contains("Too many sign-ins were started from your address"),
        "{}",
        refused.body
    );
    assert!(
        refused.set_cookie("sb_oidc").is_none(),
        "no pending sign-in"
    );

    // Another address has its own allowance.
    let other = browser
        .request("GET", &url, &from("203.0.113.8"), None)
        .await;
    assert_eq!(other.status, 303, "{}", other.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_token_with_another_nonce_is_refused() {
    let (app, _provider) = app_with_provider(&["example.com"]).await;
    let server = format!("http://{}", app.addr);
    let mut browser = Browser::default();
    let authorize = start(&mut browser, &server).await;
    // The provider is asked for a token with a nonce this sign-in did not make: it signs it
    // correctly, and only the nonce gives it away.
    let (base, query) = authorize.split_once('?').unwrap();
    let forged: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form_urlencoded::parse(query.as_bytes()).map(|(k, v)| {
            let v = if k == "nonce" {
                "a-nonce-of-another-sign-in".into()
            } else {
                v
            };
            (k, v)
        }))
        .finish();
    let callback = through_provider(
        &mut browser,
        &server,
        &format!("{base}?{forged}"),
        "ada@example.com",
    )
    .await;
    assert_refused(&browser.get(&callback).await, "(nonce)");
    assert_eq!(user_count(&app, "ada@example.com").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_login_page_lists_the_issuers() {
    let (app, _provider) = app_with_provider(&[]).await;
    let mut browser = Browser::default();
    let r = browser.get(&format!("http://{}/auth/oidc", app.addr)).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        r.json(),
        serde_json::json!({"issuers": [{
            "id": "test", "display_name": "Test IdP", "start_url": "/auth/oidc/test/start"
        }]})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_refresh_cookie_rotates_needs_the_csrf_header_and_dies_at_sign_out() {
    let app = TestApp::spawn().await;
    let server = format!("http://{}", app.addr);
    let user = app.user("kit@example.com").await;
    let mut browser = Browser::default();
    let creds = serde_json::json!({"email": user.email, "password": PASSWORD}).to_string();

    // Login without the CSRF header, or from another origin: refused before anything is checked.
    let r = browser
        .request(
            "POST",
            &format!("{server}/auth/session/login"),
            &[("origin", server.as_str())],
            Some(("application/json", creds.clone())),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = browser
        .request(
            "POST",
            &format!("{server}/auth/session/login"),
            &[("origin", "http://evil.test"), ("x-switchboard-csrf", "1")],
            Some(("application/json", creds.clone())),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.set_cookie("sb_refresh").is_none());

    let wrong = serde_json::json!({"email": user.email, "password": "wrong-password"}).to_string();
    let r = browser.session_call(&server, "login", Some(wrong)).await;
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.json()["code"], "unauthenticated");
    let r = browser
        .session_call(&server, "login", Some("{}".into()))
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.json()["message"].as_str().unwrap().starts_with("email:"),
        "{}",
        r.body
    );

    let r = browser.session_call(&server, "login", Some(creds)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.json().get("refresh_token").is_none());
    let first = browser.cookie(&server, "sb_refresh").expect("cookie set");

    // Refresh: needs the header; rotates the cookie; the old value is then refused (reuse).
    let r = browser
        .request(
            "POST",
            &format!("{server}/auth/session/refresh"),
            &[("origin", server.as_str())],
            None,
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
    let r = browser.session_call(&server, "refresh", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["user"]["id"], user.user_id.as_str());
    let second = browser.cookie(&server, "sb_refresh").expect("rotated");
    assert_ne!(first, second);

    // Sign out: the cookie is cleared and its sign-in revoked (the gRPC Refresh refuses it too).
    let r = browser.session_call(&server, "logout", None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.set_cookie("sb_refresh").unwrap().contains("Max-Age=0"));
    assert!(browser.cookie(&server, "sb_refresh").is_none());
    let refused = app
        .auth()
        .await
        .refresh(RefreshRequest {
            refresh_token: second.clone(),
        })
        .await;
    assert_eq!(code(refused), tonic::Code::Unauthenticated);
    browser.set_cookie(&server, "sb_refresh", Some(second));
    let r = browser.session_call(&server, "refresh", None).await;
    assert_eq!(r.status, 401, "{}", r.body);
    let r = browser.session_call(&server, "refresh", None).await;
    assert_eq!(r.status, 401, "no cookie at all: {}", r.body);
}
