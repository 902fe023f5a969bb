//! The accept loop: each connection is served by hyper's HTTP/1 server with our limits on
//! what a client may send before its request is even routed.

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt as _;

/// Limits on one connection, from `[server]`.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Largest request head (request line and headers); larger ones get 431.
    pub max_header_bytes: usize,
}

/// Accepts connections until `shutdown` resolves, then waits for open ones to finish.
pub async fn accept_loop(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut http = hyper::server::conn::http1::Builder::new();
    // A complete head over the limit gets 431; an incomplete one is cut off (also with
    // 431) once the read buffer, sized to the limit, is full. hyper needs at least 8 KiB.
    http.timer(TokioTimer::new())
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(8192));
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    accept_failed(&error).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        serve_connection(&http, &graceful, stream, peer, router.clone());
    }
    drop(listener);
    graceful.shutdown().await;
}

fn serve_connection(
    http: &hyper::server::conn::http1::Builder,
    graceful: &GracefulShutdown,
    stream: TcpStream,
    peer: SocketAddr,
    router: Router,
) {
    let service = router.map_request(move |mut request: axum::http::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        request
    });
    let connection = http.serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
    let connection = graceful.watch(connection);
    tokio::spawn(async move {
        if let Err(error) = connection.await {
            // A client closing early or sending garbage is routine; hyper has answered
            // what could be answered (400, 431) already.
            tracing::debug!(%error, %peer, "connection ended with an error");
        }
    });
}

/// Out of file descriptors (or another resource) is transient: wait rather than spin.
async fn accept_failed(error: &std::io::Error) {
    tracing::warn!(%error, "cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
