//! TLS on the one port: rustls (ring provider) with ALPN `h2` and `http/1.1`, so gRPC (HTTP/2),
//! gRPC-Web and the dashboard (HTTP/1.1) share the port exactly as in plaintext; tonic's server
//! tells the two protocols apart by the connection preface, the ALPN only has to allow both.
//!
//! The served certificate lives in a [`CertStore`] that rustls asks on every handshake; a timer
//! (and SIGHUP) re-reads the files and swaps in a changed pair, so cert-manager or an ACME
//! client can rotate certificates without a restart. A pair that does not load is logged and
//! the old one stays.

use std::io;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, RwLock};
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::crypto::CryptoProvider;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_stream::wrappers::ReceiverStream;
use tokio_util::sync::CancellationToken;
use tonic::transport::server::{Connected, TcpConnectInfo};

use super::coalesce::CoalescedWrites;
use super::metrics::Metrics;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// Reads and checks a certificate chain and its key: both parse, the chain is not empty and
/// the key belongs to the leaf.
pub fn load_pair(cert_pem: &[u8], key_pem: &[u8]) -> Result<CertifiedKey, String> {
    let chain = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("the certificate file is not PEM certificates: {e}"))?;
    if chain.is_empty() {
        return Err("the certificate file holds no CERTIFICATE block".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| format!("the key file holds no usable private key: {e}"))?;
    CertifiedKey::from_der(chain, key, &provider())
        .map_err(|e| format!("the key does not fit the certificate: {e}"))
}

/// The certificate served now. rustls calls `resolve` on every handshake; a reload replaces
/// the `Arc` under a lock held only for that pointer copy.
#[derive(Debug)]
pub struct CertStore {
    current: RwLock<Arc<CertifiedKey>>,
}

impl CertStore {
    pub fn new(key: CertifiedKey) -> CertStore {
        CertStore {
            current: RwLock::new(Arc::new(key)),
        }
    }

    pub fn replace(&self, key: CertifiedKey) {
        *self.current.write().expect("cert lock") = Arc::new(key);
    }
}

impl ResolvesServerCert for CertStore {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        Some(self.current.read().expect("cert lock").clone())
    }
}

/// The TLS side of the server: its acceptor, and the files it watches.
pub struct Tls {
    acceptor: TlsAcceptor,
    store: Arc<CertStore>,
    cert_file: PathBuf,
    key_file: PathBuf,
    loaded: (Vec<u8>, Vec<u8>),
}

impl Tls {
    /// Loads the pair once; a server with TLS configured and no usable certificate does not
    /// start.
    pub fn load(cert_file: &Path, key_file: &Path) -> Result<Tls, String> {
        let read =
            |p: &Path| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()));
        let (cert, key) = (read(cert_file)?, read(key_file)?);
        let pair = load_pair(&cert, &key)
            .map_err(|e| format!("tls: {} / {}: {e}", cert_file.display(), key_file.display()))?;
        let store = Arc::new(CertStore::new(pair));
        let mut config = ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("tls: {e}"))?
            .with_no_client_auth()
            .with_cert_resolver(store.clone());
        // h2 first: a client offering both (a browser) gets HTTP/2, which is also what gRPC
        // needs; a gRPC-Web client that only speaks HTTP/1.1 still gets that.
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(Tls {
            acceptor: TlsAcceptor::from(Arc::new(config)),
            store,
            cert_file: cert_file.to_owned(),
            key_file: key_file.to_owned(),
            loaded: (cert, key),
        })
    }

    /// Re-reads the files when they changed; a bad pair keeps the old certificate. Content is
    /// compared, not mtimes: Kubernetes swaps a secret's files through a symlink whose target's
    /// mtime says nothing, and a few KiB every few seconds costs nothing.
    fn reload(&mut self, failed: &mut Option<(Vec<u8>, Vec<u8>)>, metrics: &Metrics) {
        let (Ok(cert), Ok(key)) = (
            std::fs::read(&self.cert_file),
            std::fs::read(&self.key_file),
        ) else {
            // Mid-rotation a file may be briefly absent; the next tick sees the new pair.
            return;
        };
        let now = (cert, key);
        if now == self.loaded || failed.as_ref() == Some(&now) {
            return;
        }
        match load_pair(&now.0, &now.1) {
            Ok(pair) => {
                self.store.replace(pair);
                tracing::info!(cert = %self.cert_file.display(), "tls: certificate reloaded");
                metrics.cert_reload(true);
                self.loaded = now;
                *failed = None;
            }
            Err(e) => {
                // Logged once per bad pair, not on every tick.
                tracing::error!(
                    cert = %self.cert_file.display(),
                    key = %self.key_file.display(),
                    error = %e,
                    "tls: the changed certificate files do not load; still serving the previous certificate"
                );
                metrics.cert_reload(false);
                *failed = Some(now);
            }
        }
    }

    /// Serves accepted TLS connections until `stop`; handshakes run concurrently, each bounded
    /// by `handshake_timeout`, so a slow or failing client never holds up the others.
    pub fn incoming(
        self,
        listener: TcpListener,
        handshake_timeout: Duration,
        reload_every: Duration,
        metrics: Metrics,
        stop: CancellationToken,
    ) -> ReceiverStream<io::Result<TlsConn>> {
        let (tx, rx) = mpsc::channel(64);
        let acceptor = self.acceptor.clone();
        tokio::spawn(reload_loop(
            self,
            reload_every,
            metrics.clone(),
            stop.clone(),
        ));
        tokio::spawn(accept_loop(
            listener,
            acceptor,
            handshake_timeout,
            tx,
            metrics,
        ));
        ReceiverStream::new(rx)
    }
}

async fn reload_loop(mut tls: Tls, every: Duration, metrics: Metrics, stop: CancellationToken) {
    let mut hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()).ok();
    let mut failed = None;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            Some(()) = async { match hangup.as_mut() { Some(h) => h.recv().await, None => None } } => {
                tracing::info!("SIGHUP: re-reading the TLS certificate");
            }
            _ = stop.cancelled() => return,
        }
        tls.reload(&mut failed, &metrics);
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: TlsAcceptor,
    handshake_timeout: Duration,
    tx: mpsc::Sender<io::Result<TlsConn>>,
    metrics: Metrics,
) {
    loop {
        // Not on `stop`: the listener stays open until tonic drops the stream of connections,
        // as it would drop a plain listener, so readiness is off before the port closes.
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = tx.closed() => return,
        };
        let (tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: keep the listener, breathe, go on.
                tracing::warn!(error = %e, "accepting a connection failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        // Without it every small write waits for the peer's delayed ACK (see server.rs).
        let _ = tcp.set_nodelay(true);
        let acceptor = acceptor.clone();
        let tx = tx.clone();
        let metrics = metrics.clone();
        tokio::spawn(async move {
            match tokio::time::timeout(
                handshake_timeout,
                acceptor.accept(CoalescedWrites::new(tcp)),
            )
            .await
            {
                Ok(Ok(stream)) => {
                    let _ = tx.send(Ok(TlsConn { inner: stream })).await;
                }
                Ok(Err(e)) => {
                    metrics.tls_handshake_failed("error");
                    tracing::debug!(%peer, error = %e, "tls handshake failed");
                }
                Err(_) => {
                    metrics.tls_handshake_failed("timeout");
                    tracing::debug!(%peer, "tls handshake timed out");
                }
            }
        });
    }
}

/// An accepted TLS connection, as tonic's server takes it: its connect info is the TCP one, so
/// `Request::remote_addr` works the same with and without TLS.
pub struct TlsConn {
    /// Write bursts coalesced below TLS, as on plaintext connections (`coalesce`).
    inner: tokio_rustls::server::TlsStream<CoalescedWrites<TcpStream>>,
}

impl Connected for TlsConn {
    type ConnectInfo = TcpConnectInfo;

    fn connect_info(&self) -> TcpConnectInfo {
        self.inner.get_ref().0.get_ref().connect_info()
    }
}

impl AsyncRead for TlsConn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsConn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}
