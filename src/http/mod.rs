//! HTTP routes. `router` is the whole application, so tests can drive it directly.

pub mod body;
mod cors;
mod delegation;
mod explain;
mod health;
mod metadata;
mod well_known;

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::ops::{metrics, request_id};
use crate::server::Server;

pub fn router(server: Arc<Server>) -> Router {
    let settings = &server.app().settings.server;
    let mut router = Router::new()
        .route(
            "/delegation",
            post(delegation::handle).options(cors::preflight),
        )
        .route("/delegation/explain", post(explain::handle))
        .route("/samlp/metadata", get(metadata::default_issuer))
        .route("/samlp/metadata/{client_id}", get(metadata::for_client))
        .route(
            "/.well-known/openid-configuration",
            get(well_known::discovery),
        )
        .route("/.well-known/jwks.json", get(well_known::jwks))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz));
    if settings.metrics && settings.metrics_listen.is_none() {
        router = router.route("/metrics", get(serve_metrics));
    }
    router
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server),
            cors::allow_known_origins,
        ))
        .layer(axum::middleware::from_fn(request_id::assign))
        .with_state(server)
}

/// The router of a separate metrics listener (`server.metrics_listen`).
pub fn metrics_router(server: Arc<Server>) -> Router {
    Router::new()
        .route("/metrics", get(serve_metrics))
        .fallback(|| async { ApiError::NotFound })
        .with_state(server)
}

async fn serve_metrics(
    axum::extract::State(server): axum::extract::State<Arc<Server>>,
) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, metrics::CONTENT_TYPE)],
        server.metrics.render(),
    )
}
