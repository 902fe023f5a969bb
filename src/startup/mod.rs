//! Binding and serving. Tests pass their own listener (port 0) and their own settings.

mod connections;

use std::sync::Arc;

use tokio::net::TcpListener;

pub use connections::ConnectionLimits;

use crate::app::App;
use crate::http;

/// Serves `app` on `listener` until `shutdown` resolves, then drains in-flight requests.
pub async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let limits = ConnectionLimits {
        max_header_bytes: app.settings.server.max_header_bytes,
    };
    connections::accept_loop(listener, http::router(app), limits, shutdown).await;
    Ok(())
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
