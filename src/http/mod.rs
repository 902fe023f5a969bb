//! HTTP routes. `router` is the whole application, so tests can drive it directly.

pub mod body;
mod cors;
mod delegation;
mod metadata;

use std::sync::Arc;

use axum::Router;
use axum::routing::{get, post};

use crate::app::App;
use crate::error::ApiError;

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/delegation",
            post(delegation::handle).options(cors::preflight),
        )
        .route("/samlp/metadata", get(metadata::default_issuer))
        .route("/samlp/metadata/{client_id}", get(metadata::for_client))
        .route("/healthz", get(metadata::healthz))
        .route("/readyz", get(metadata::readyz))
        .fallback(|| async { ApiError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            app.clone(),
            cors::allow_known_origins,
        ))
        .with_state(app)
}
