//! The accept loop: binding the listeners, accepting connections within the connection
//! limits, TLS, SIGHUP (a reload of the [`crate::server::Server`]) and graceful shutdown.
//! Tests pass their own listener (port 0) and their own settings.

mod connections;
mod per_address;
mod warm;

use std::sync::Arc;

use tokio::net::TcpListener;

pub use connections::{ConnectionLimits, TlsSource};

use crate::http;
use crate::server::Server;

/// The sockets to serve on: the public listener, and the management one (`/metrics`,
/// explain) unless it would serve nothing (metrics off and no `[admin]` token).
pub struct Listeners {
    pub main: TcpListener,
    pub management: Option<TcpListener>,
}

impl Listeners {
    /// Binds the configured addresses.
    pub async fn bind(server: &Server) -> Result<Self, String> {
        let settings = &server.app().settings.server;
        let bind = |addr: std::net::SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|e| format!("cannot listen on {addr}: {e}"))
        };
        let main = bind(settings.listen).await?;
        let wanted = settings.metrics || server.app().settings.admin_token.is_some();
        let management = match wanted {
            true => Some(bind(settings.management_listen).await?),
            false => None,
        };
        Ok(Self { main, management })
    }
}

/// Opens connections to STS and Redis, then serves until `shutdown` resolves and
/// `server.shutdown_delay_seconds` more (with `/readyz` answering 503), then drains
/// in-flight requests. Missing issuer keys are fetched in the background meanwhile.
pub async fn serve(
    listeners: Listeners,
    server: Arc<Server>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    // Listened for from here on (the signal handlers are installed when it is first
    // polled), so a stop that comes while connections open is not lost.
    let (signal, signalled) = tokio::sync::watch::channel(false);
    tokio::spawn(async move {
        shutdown.await;
        let _ = signal.send(true);
    });
    let stop_signal = async move |mut signalled: tokio::sync::watch::Receiver<bool>| {
        let _ = signalled.wait_for(|stop| *stop).await;
    };
    let app = server.app();
    app.verifier.warm_up();
    // Bounded by `sts.warm_up_ms` and `state.warm_up_ms`; connections wait in the listen
    // backlog meanwhile. Boxed: nested in `serve`'s own future, the two would overflow
    // the compiler's depth limit for computing its layout.
    let warm_up = Box::pin(async {
        tokio::join!(warm::open_sts_connections(&app), warm::connect_state(&app));
    });
    tokio::select! {
        () = warm_up => {}
        () = stop_signal(signalled.clone()) => {}
    }
    let s = &app.settings.server;
    let limits = ConnectionLimits {
        max_header_bytes: s.max_header_bytes,
        header_read_timeout: s.header_read_timeout,
        keep_alive: s.keep_alive,
        max_connections: s.max_connections,
        max_connections_per_address: s.max_connections_per_address,
    };
    let tls: Option<TlsSource> = app.tls.is_some().then(|| {
        let live = Arc::clone(&server);
        Arc::new(move || live.app().tls.clone()) as TlsSource
    });
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let management = listeners.management.map(|listener| {
        let router = http::management_router(Arc::clone(&server));
        let mut stopped = stopped.clone();
        tokio::spawn(connections::accept_loop(
            listener,
            router,
            limits,
            None,
            async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            },
        ))
    });
    let router = http::router(Arc::clone(&server));
    let stopping = Arc::clone(&server);
    let shutdown = async move {
        stop_signal(signalled).await;
        stopping
            .stopping
            .store(true, std::sync::atomic::Ordering::Release);
        let delay = stopping.app().settings.server.shutdown_delay;
        if !delay.is_zero() {
            tracing::info!(
                seconds = delay.as_secs(),
                "not ready from now on; serving until the shutdown delay ends"
            );
            tokio::time::sleep(delay).await;
        }
    };
    connections::accept_loop(listeners.main, router, limits, tls, shutdown).await;
    let _ = stop.send(true);
    if let Some(task) = management {
        let _ = task.await;
    }
    Ok(())
}

/// Reloads the configuration on every SIGHUP (what `delegation-server reload` sends).
pub fn reload_on_sighup(server: Arc<Server>) {
    #[cfg(unix)]
    tokio::spawn(async move {
        let kind = tokio::signal::unix::SignalKind::hangup();
        let Ok(mut hangups) = tokio::signal::unix::signal(kind) else {
            tracing::warn!("cannot listen for SIGHUP; reloading by signal is off");
            return;
        };
        while hangups.recv().await.is_some() {
            tracing::info!("SIGHUP: reloading the configuration");
            // The outcome is logged and counted by `reload` itself, even a panic: this
            // task must outlive any reload, or later revocations would never apply.
            let _ = server.reload();
        }
    });
    #[cfg(not(unix))]
    drop(server);
}

/// Resolves on Ctrl-C or SIGTERM (what Kubernetes and docker send).
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
