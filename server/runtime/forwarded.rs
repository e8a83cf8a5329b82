//! The client's address: the TCP peer, or, when that peer is a configured proxy
//! (`tls.trusted_proxies`), the address it forwarded in X-Forwarded-For. Forwarded headers from
//! anyone else are ignored, so a client cannot pick its own address. The result is put into the
//! request's extensions as [`ClientAddr`] (the trace span logs it; per-address limits read it).

use std::net::IpAddr;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::{HeaderMap, Request};
use tonic::transport::server::TcpConnectInfo;
use tower::{Layer, Service};

use crate::config::IpNet;

/// Where a request comes from, as far as the server can believe it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

/// The client's address: walking X-Forwarded-For from the right (the entry the nearest proxy
/// appended), trusted proxies are skipped and the first other address is the client. Only a
/// trusted peer's header is read at all.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    let hops = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect::<Vec<_>>();
    for hop in hops.iter().rev() {
        let Ok(ip) = hop.parse::<IpAddr>() else {
            // A malformed entry: nothing left of it can be believed.
            break;
        };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

#[derive(Clone)]
pub struct ForwardedLayer {
    trusted: Arc<[IpNet]>,
}

impl ForwardedLayer {
    pub fn new(trusted: Vec<IpNet>) -> ForwardedLayer {
        ForwardedLayer {
            trusted: trusted.into(),
        }
    }
}

impl<S> Layer<S> for ForwardedLayer {
    type Service = Forwarded<S>;
    fn layer(&self, inner: S) -> Forwarded<S> {
        Forwarded {
            inner,
            trusted: self.trusted.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Forwarded<S> {
    inner: S,
    trusted: Arc<[IpNet]>,
}

impl<S, B> Service<Request<B>> for Forwarded<S>
where
    S: Service<Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> S::Future {
        let peer = req
            .extensions()
            .get::<TcpConnectInfo>()
            .and_then(|info| info.remote_addr())
            .map(|a| a.ip());
        if let Some(peer) = peer {
            let ip = client_ip(peer, req.headers(), &self.trusted);
            req.extensions_mut().insert(ClientAddr(ip));
        }
        self.inner.call(req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let trusted = vec![
            IpNet::parse("10.0.0.0/8").unwrap(),
            IpNet::parse("::1").unwrap(),
        ];
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        // An untrusted peer's header is ignored: it could say anything.
        assert_eq!(
            client_ip(ip("203.0.113.9"), &headers("1.2.3.4"), &trusted),
            ip("203.0.113.9")
        );
        // A trusted proxy's header names the client; a client-supplied prefix before the
        // proxy's own entry is not believed.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &headers("6.6.6.6, 198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
        // Chains of trusted proxies are walked through.
        assert_eq!(
            client_ip(ip("::1"), &headers("198.51.100.7, 10.9.9.9"), &trusted),
            ip("198.51.100.7")
        );
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        // IPv4 peers on a dual-stack socket match IPv4 blocks.
        assert_eq!(
            client_ip(ip("::ffff:10.1.2.3"), &headers("198.51.100.7"), &trusted),
            ip("198.51.100.7")
        );
    }
}
