//! The accept loop: each connection served by hyper-util's HTTP/1.1-or-HTTP/2 builder with our
//! service stack as it is, until a graceful shutdown.
//!
//! Why not tonic's `transport::Server`: it puts two error-mapping layers and a box around every
//! response body (its error recovery and its tracing hook, neither of which our stack needs:
//! our services are infallible and trace themselves), and those are polled on every frame of
//! every stream, about 7 % of the server's CPU when 10,000 watchers follow one session
//! (BENCHMARKS.md §22). What it did that we need is here: the connection's addresses in each
//! request's extensions (`Request::remote_addr`), HTTP/2 keepalive, and a shutdown that stops
//! accepting, sends GOAWAY on every connection and waits for them to finish.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use bytes::Bytes;
use http::{Request, Response};
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio_stream::{Stream, StreamExt as _};
use tonic::transport::server::Connected;
use tower::{Service, ServiceExt as _};

type BoxError = Box<dyn std::error::Error + Send + Sync>;
type ResponseFuture<B> = Pin<Box<dyn Future<Output = Result<Response<B>, Infallible>> + Send>>;

/// The connections' HTTP/1.1-or-HTTP/2 settings; each HTTP/2 stream runs as a task of its own.
fn builder(keepalive: Option<Keepalive>) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    // No cap on concurrent streams per connection, as tonic's server had: a dashboard or a phone
    // multiplexes every watch it holds on one connection, and an idle stream costs about 3 KiB
    // (BENCHMARKS.md §21). hyper's cap on streams reset for errors stays (its default, 1,024).
    builder.http2().max_concurrent_streams(None);
    if let Some(keepalive) = keepalive {
        builder
            .http2()
            .timer(TokioTimer::new())
            .keep_alive_interval(keepalive.interval)
            .keep_alive_timeout(keepalive.timeout);
    }
    builder
}

/// HTTP/2 pings: a peer that stops answering (a phone that left its network) is dropped after
/// `keepalive_interval + keepalive_timeout` instead of holding its streams open for hours.
#[derive(Clone, Copy, Debug)]
pub struct Keepalive {
    pub interval: Duration,
    pub timeout: Duration,
}

/// Serves every connection `incoming` yields with a clone of `service` until `signal`, then
/// stops accepting, asks each connection to finish (GOAWAY; HTTP/1.1 closes once idle) and
/// returns when all have closed.
pub async fn serve<I, IO, S, B>(
    incoming: I,
    service: S,
    keepalive: Option<Keepalive>,
    signal: impl Future<Output = ()>,
) where
    I: Stream<Item = std::io::Result<IO>>,
    IO: AsyncRead + AsyncWrite + Connected + Unpin + Send + 'static,
    IO::ConnectInfo: Clone + Send + Sync + 'static,
    S: Service<Request<tonic::body::Body>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    B: http_body::Body<Data = Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    let builder = builder(keepalive);
    let graceful = GracefulShutdown::new();
    let mut incoming = std::pin::pin!(incoming);
    let mut signal = std::pin::pin!(signal);
    loop {
        let io = tokio::select! {
            _ = &mut signal => break,
            io = incoming.next() => match io {
                Some(Ok(io)) => io,
                // The listener's own errors (a handshake that failed, EMFILE) are logged where
                // they happen; the loop goes on accepting.
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "a connection failed before it was served");
                    continue;
                }
                None => break,
            },
        };
        let service = ConnectionService {
            service: service.clone(),
            info: io.connect_info(),
        };
        let connection = builder
            .serve_connection(TokioIo::new(io), service)
            .into_owned();
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, "a connection ended with an error");
            }
        });
    }
    graceful.shutdown().await;
}

/// One connection's requests: each goes to a clone of the stack, with the connection's addresses
/// in its extensions.
#[derive(Clone)]
struct ConnectionService<S, C> {
    service: S,
    info: C,
}

impl<S, C, B> hyper::service::Service<Request<Incoming>> for ConnectionService<S, C>
where
    S: Service<Request<tonic::body::Body>, Response = Response<B>, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    C: Clone + Send + Sync + 'static,
{
    type Response = Response<B>;
    type Error = Infallible;
    type Future = ResponseFuture<B>;

    fn call(&self, request: Request<Incoming>) -> Self::Future {
        let mut request = request.map(tonic::body::Body::new);
        request.extensions_mut().insert(self.info.clone());
        // Boxed, with the stack's clone inside: a stream's task is as large as the largest
        // state of its future, and the stack and its handler's future inline would keep it that
        // large for as long as the body streams (0.4 KiB more per idle stream, BENCHMARKS.md
        // §22). The box is freed once the response's headers are out.
        Box::pin(self.service.clone().oneshot(request))
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;
    use std::sync::{Arc, Mutex};

    use http::{Request, Response};
    use http_body_util::{BodyExt as _, Empty, Full};
    use hyper_util::rt::TokioIo;
    use tokio::net::{TcpListener, TcpStream};
    use tokio::sync::oneshot;
    use tonic::transport::server::{TcpConnectInfo, TcpIncoming};

    type Slow = Arc<Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<()>)>>>;

    /// Answers with the peer's address as the request saw it; `/slow` says it arrived, then
    /// waits to be released.
    fn peer_service(
        slow: Slow,
    ) -> impl tower::Service<
        Request<tonic::body::Body>,
        Response = Response<Full<bytes::Bytes>>,
        Error = Infallible,
        Future: Send,
    > + Clone
    + Send
    + 'static {
        tower::service_fn(move |request: Request<tonic::body::Body>| {
            let slow = slow.clone();
            async move {
                if request.uri().path() == "/slow" {
                    let (arrived, released) = slow.lock().unwrap().take().unwrap();
                    arrived.send(()).unwrap();
                    released.await.unwrap();
                }
                let peer = request
                    .extensions()
                    .get::<TcpConnectInfo>()
                    .and_then(|info| info.remote_addr())
                    .map(|addr| addr.to_string())
                    .unwrap_or_default();
                Ok::<_, Infallible>(Response::new(Full::from(peer)))
            }
        })
    }

    async fn get(
        sender: &mut hyper::client::conn::http1::SendRequest<Empty<bytes::Bytes>>,
        path: &str,
    ) -> String {
        let request = Request::get(path)
            .header("host", "switchboard")
            .body(Empty::new())
            .unwrap();
        let response = sender.send_request(request).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        String::from_utf8(body.to_vec()).unwrap()
    }

    #[tokio::test]
    async fn requests_carry_their_peer_and_a_shutdown_lets_the_open_call_finish() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (release, released) = oneshot::channel();
        let (arrived, arrival) = oneshot::channel();
        let service = peer_service(Arc::new(Mutex::new(Some((arrived, released)))));
        let (stop, stopped) = oneshot::channel::<()>();
        let server = tokio::spawn(super::serve(
            TcpIncoming::from(listener),
            service,
            None,
            async move {
                let _ = stopped.await;
            },
        ));

        let stream = TcpStream::connect(addr).await.unwrap();
        let client_addr = stream.local_addr().unwrap();
        let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .unwrap();
        let connection = tokio::spawn(connection);
        assert_eq!(get(&mut sender, "/").await, client_addr.to_string());

        // A call in flight when the shutdown starts is answered; the server returns only after.
        let slow = tokio::spawn(async move { get(&mut sender, "/slow").await });
        arrival.await.unwrap();
        stop.send(()).unwrap();
        tokio::task::yield_now().await;
        assert!(
            !server.is_finished(),
            "the server returned with a call in flight"
        );
        release.send(()).unwrap();
        assert_eq!(slow.await.unwrap(), client_addr.to_string());
        server.await.unwrap();
        connection.await.unwrap().unwrap();
    }
}
