//! The accept loop: each connection is served by hyper's HTTP/1 server (over TLS when
//! configured) with our limits on what a client may send before its request is routed.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::{GracefulShutdown, Watcher};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tower::ServiceExt as _;

use super::per_address::{PerAddress, Slot};

/// Limits on connections, from `[server]`.
#[derive(Debug, Clone, Copy)]
pub struct ConnectionLimits {
    /// Largest request head (request line and headers); larger ones get 431.
    pub max_header_bytes: usize,
    /// Longest wait for a request's head; hyper starts it when the connection becomes
    /// idle, so it is also how long an idle keep-alive connection stays open. The TLS
    /// handshake is bounded by it too.
    pub header_read_timeout: Duration,
    pub keep_alive: bool,
    /// Connections open at once; at the cap, new ones wait in the listen queue.
    pub max_connections: usize,
    /// Connections one peer address may hold open at once; more are closed as soon as
    /// they are accepted. 0: no limit.
    pub max_connections_per_address: usize,
}

/// The TLS configuration for the next connection (it may change on reload).
pub type TlsSource = Arc<dyn Fn() -> Option<Arc<rustls::ServerConfig>> + Send + Sync>;

/// Accepts connections until `shutdown` resolves, then waits for open ones to finish.
pub async fn accept_loop(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    tls: Option<TlsSource>,
    shutdown: impl std::future::Future<Output = ()>,
) {
    let mut http = http1::Builder::new();
    // A complete head over the limit gets 431; an incomplete one is cut off (also with
    // 431) once the read buffer, sized to the limit, is full. hyper needs at least 8 KiB.
    http.timer(TokioTimer::new())
        .max_header_size(limits.max_header_bytes)
        .max_buf_size(limits.max_header_bytes.max(8192))
        .header_read_timeout(limits.header_read_timeout)
        .keep_alive(limits.keep_alive);
    let open = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let per_address = PerAddress::new(limits.max_connections_per_address);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&open).acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else {
            break;
        };
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
        let Some(slot) = per_address.take(peer.ip()) else {
            tracing::debug!(%peer, "connection closed: its address holds max_connections_per_address already");
            continue;
        };
        let connection = Connection {
            _slot: slot,
            http: http.clone(),
            watcher: graceful.watcher(),
            peer,
            router: router.clone(),
            handshake_timeout: limits.header_read_timeout,
            _permit: permit,
        };
        match tls.as_ref().map(|source| source()) {
            None => {
                tokio::spawn(connection.serve(stream));
            }
            Some(Some(config)) => {
                tokio::spawn(connection.serve_tls(stream, config));
            }
            // A TLS listener whose configuration is gone closes the connection: it never
            // answers in plain text.
            Some(None) => {
                tracing::error!(peer = %connection.peer, "no TLS configuration for a TLS listener; connection closed");
            }
        }
    }
    drop(listener);
    graceful.shutdown().await;
}

/// One accepted connection, holding its place under `max_connections` until it ends.
struct Connection {
    _slot: Option<Slot>,
    http: http1::Builder,
    watcher: Watcher,
    peer: SocketAddr,
    router: Router,
    handshake_timeout: Duration,
    _permit: OwnedSemaphorePermit,
}

impl Connection {
    async fn serve_tls(self, stream: tokio::net::TcpStream, config: Arc<rustls::ServerConfig>) {
        let acceptor = tokio_rustls::TlsAcceptor::from(config);
        let handshake = tokio::time::timeout(self.handshake_timeout, acceptor.accept(stream));
        match handshake.await {
            Ok(Ok(stream)) => self.serve(stream).await,
            Ok(Err(error)) => {
                tracing::debug!(%error, peer = %self.peer, "TLS handshake failed");
            }
            Err(_) => tracing::debug!(peer = %self.peer, "TLS handshake timed out"),
        }
    }

    async fn serve<S>(self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    {
        let peer = self.peer;
        let service = self
            .router
            .map_request(move |mut request: axum::http::Request<Incoming>| {
                request.extensions_mut().insert(ConnectInfo(peer));
                request
            });
        let connection = self
            .http
            .serve_connection(TokioIo::new(stream), TowerToHyperService::new(service));
        if let Err(error) = self.watcher.watch(connection).await {
            // A client closing early, timing out or sending garbage is routine; hyper has
            // answered what could be answered (400, 431) already.
            tracing::debug!(%error, %peer, "connection ended with an error");
        }
    }
}

/// Out of file descriptors (or another resource) is transient: wait rather than spin.
async fn accept_failed(error: &std::io::Error) {
    tracing::warn!(%error, "cannot accept a connection");
    tokio::time::sleep(Duration::from_millis(100)).await;
}
