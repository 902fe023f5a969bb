//! HTTP routes. `router` is the whole application, so tests can drive it directly.

pub mod body;
mod cors;
mod delegation;
pub mod edge;
mod explain;
mod health;
mod metadata;
pub mod panics;
mod well_known;

use std::sync::Arc;

use axum::Router;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};

use crate::error::ApiError;
use crate::ops::metrics;
use crate::server::Server;

/// The public listener: `/delegation`, the metadata and discovery documents, health.
pub fn router(server: Arc<Server>) -> Router {
    Router::new()
        .route(
            "/delegation",
            post(delegation::handle).options(cors::preflight),
        )
        .route("/samlp/metadata", get(metadata::default_issuer))
        .route("/samlp/metadata/{client_id}", get(metadata::for_client))
        .route(
            "/.well-known/openid-configuration",
            get(well_known::discovery),
        )
        .route("/.well-known/jwks.json", get(well_known::jwks))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&server),
            edge::public,
        ))
        .with_state(server)
}

/// The management listener (`server.management_listen`): `/metrics` (unless
/// `server.metrics = false`) and `POST /delegation/explain` (with `[admin]`), plus health.
/// Nothing here is served on the public listener.
pub fn management_router(server: Arc<Server>) -> Router {
    let mut router = Router::new()
        .route("/delegation/explain", post(explain::handle))
        .route("/healthz", get(health::healthz));
    if server.app().settings.server.metrics {
        router = router.route("/metrics", get(serve_metrics));
    }
    router
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn(edge::management))
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
