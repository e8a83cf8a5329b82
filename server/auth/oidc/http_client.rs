//! Requests to an issuer: JSON over https (rustls with the system's roots and `oidc.ca_file`),
//! or http to a provider on loopback. Bounded in time and size.

use std::sync::Arc;
use std::time::Duration;

use base64::Engine;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::de::DeserializeOwned;

/// Discovery documents, key sets and token responses are a few KiB.
const MAX_BODY: usize = 1 << 20;

#[derive(Clone)]
pub struct IssuerHttp {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
    timeout: Duration,
}

/// A failed request: what to log (never shown to the person).
#[derive(Debug)]
pub struct HttpFailure {
    pub status: Option<u16>,
    pub detail: String,
    /// The OAuth `error` of a refusal (`invalid_grant`...), when the body had one.
    pub oauth_error: Option<String>,
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.status {
            Some(s) => write!(f, "HTTP {s}: {}", self.detail),
            None => f.write_str(&self.detail),
        }
    }
}

fn failure(detail: impl Into<String>) -> HttpFailure {
    HttpFailure {
        status: None,
        detail: detail.into(),
        oauth_error: None,
    }
}

impl IssuerHttp {
    pub fn new(timeout: Duration, tls: Arc<tokio_rustls::rustls::ClientConfig>) -> IssuerHttp {
        let mut connector = HttpConnector::new();
        connector.set_connect_timeout(Some(timeout));
        connector.enforce_http(false);
        let connector = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config((*tls).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(connector);
        IssuerHttp {
            client: Client::builder(TokioExecutor::new()).build(connector),
            timeout,
        }
    }

    pub async fn get_json<T: DeserializeOwned>(
        &self,
        url: &str,
        bearer: Option<&str>,
    ) -> Result<T, HttpFailure> {
        let mut request = http::Request::get(url).header(http::header::ACCEPT, "application/json");
        if let Some(token) = bearer {
            request = request.header(http::header::AUTHORIZATION, format!("Bearer {token}"));
        }
        self.send(request, Bytes::new()).await
    }

    /// A form POST authenticated as the client (`client_secret_basic`, RFC 6749 2.3.1: id and
    /// secret form-encoded, then Basic).
    pub async fn post_form<T: DeserializeOwned>(
        &self,
        url: &str,
        client_id: &str,
        client_secret: &str,
        form: &[(&str, &str)],
    ) -> Result<T, HttpFailure> {
        let enc = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc(client_id),
            enc(client_secret)
        ));
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = http::Request::post(url)
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(http::header::AUTHORIZATION, format!("Basic {basic}"));
        self.send(request, Bytes::from(body)).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: http::request::Builder,
        body: Bytes,
    ) -> Result<T, HttpFailure> {
        let request = request
            .header(http::header::USER_AGENT, "switchboard-oidc/1")
            .body(Full::new(body))
            .map_err(|e| failure(format!("bad request: {e}")))?;
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| failure(chain(&e)))?;
            let status = response.status();
            let body = Limited::new(response.into_body(), MAX_BODY)
                .collect()
                .await
                .map_err(|e| failure(format!("reading the body: {e}")))?
                .to_bytes();
            Ok::<_, HttpFailure>((status, body))
        };
        let (status, body) = tokio::time::timeout(self.timeout, exchange)
            .await
            .map_err(|_| failure(format!("no answer within {} ms", self.timeout.as_millis())))??;
        if !status.is_success() {
            let oauth_error = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .and_then(|v| v.get("error")?.as_str().map(str::to_owned));
            let text = String::from_utf8_lossy(&body);
            return Err(HttpFailure {
                status: Some(status.as_u16()),
                detail: text.chars().take(300).collect(),
                oauth_error,
            });
        }
        serde_json::from_slice(&body).map_err(|e| HttpFailure {
            status: Some(status.as_u16()),
            detail: format!("not the expected JSON: {e}"),
            oauth_error: None,
        })
    }
}

fn chain(e: &dyn std::error::Error) -> String {
    let mut why = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        why = format!("{why}: {s}");
        source = s.source();
    }
    why
}
