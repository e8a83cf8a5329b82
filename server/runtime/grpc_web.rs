//! gRPC-Web only where it applies. `tonic_web`'s service answers every HTTP/1.1 request that
//! is not gRPC-Web with 400, which would make the dashboard's own pages (plain GETs over
//! HTTP/1.1, the only HTTP a browser speaks to a plain-http server) unreachable. This layer
//! sends gRPC-Web requests through `tonic_web` and everything else straight to the router.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use http::{Request, Response};
use tower::{Layer, Service, ServiceExt};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone, Default)]
pub struct GrpcWebWhereItAppliesLayer;

/// Put into a gRPC-Web request's extensions before `tonic_web` rewrites it into plain gRPC:
/// how the auth layer tells a dashboard (browser) call from any other client's, for the audit
/// trail's channel.
#[derive(Debug, Clone, Copy)]
pub struct ViaGrpcWeb;

impl<S: Clone> Layer<S> for GrpcWebWhereItAppliesLayer {
    type Service = GrpcWebWhereItApplies<S>;

    fn layer(&self, inner: S) -> Self::Service {
        GrpcWebWhereItApplies {
            web: tonic_web::GrpcWebLayer::new().layer(inner.clone()),
            plain: inner,
        }
    }
}

#[derive(Clone)]
pub struct GrpcWebWhereItApplies<S> {
    web: tonic_web::GrpcWebService<S>,
    plain: S,
}

fn is_grpc_web<B>(req: &Request<B>) -> bool {
    req.headers()
        .get(http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/grpc-web"))
}

impl<S, B> Service<Request<B>> for GrpcWebWhereItApplies<S>
where
    S: Service<Request<tonic::body::Body>, Response = Response<tonic::body::Body>>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: http_body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<BoxError> + std::fmt::Display,
{
    type Response = Response<tonic::body::Body>;
    type Error = S::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Self::Error>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        // Each call drives a clone to readiness itself (`oneshot`).
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        if is_grpc_web(&req) {
            req.extensions_mut().insert(ViaGrpcWeb);
            Box::pin(self.web.clone().oneshot(req))
        } else {
            Box::pin(self.plain.clone().oneshot(req.map(tonic::body::Body::new)))
        }
    }
}
