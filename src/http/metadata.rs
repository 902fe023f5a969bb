//! IdP metadata for IAM, and health endpoints.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::app::App;
use crate::error::ApiError;
use crate::saml;

const METADATA_TYPE: &str = "application/samlmetadata+xml; charset=utf-8";

fn metadata(app: &App, entity_id: &str) -> Response {
    let xml = saml::metadata_xml(entity_id, &app.settings.saml.sso_url, &app.signer);
    ([(header::CONTENT_TYPE, METADATA_TYPE)], xml).into_response()
}

/// `GET /samlp/metadata`: the metadata for the server-wide SAML issuer.
pub async fn default_issuer(State(app): State<Arc<App>>) -> Response {
    metadata(&app, &app.settings.saml.issuer)
}

/// `GET /samlp/metadata/{client_id}`: the metadata for the issuer a client's assertions use.
pub async fn for_client(
    State(app): State<Arc<App>>,
    Path(client_id): Path<String>,
) -> Result<Response, ApiError> {
    let client = app
        .settings
        .clients
        .get(&client_id)
        .ok_or(ApiError::NotFound)?;
    let issuer = client
        .aws
        .as_ref()
        .and_then(|a| a.saml_issuer.as_deref())
        .unwrap_or(&app.settings.saml.issuer);
    Ok(metadata(&app, issuer))
}

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

/// Ready when every issuer's keys can be had (the signing key loaded at start) and no rule
/// worker is stuck: a stuck one keeps a thread busy that nothing can stop, so a restart is
/// what makes the process whole again.
pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    let stuck = app.rules.abandoned_workers();
    if stuck > 0 {
        tracing::warn!(
            stuck,
            "not ready: rule workers did not stop at their time limit"
        );
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("{stuck} rule worker(s) stuck; restart the process\n"),
        )
            .into_response();
    }
    match app.verifier.refresh_all().await {
        Ok(()) => (StatusCode::OK, "ready\n").into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "issuer keys unavailable\n").into_response()
        }
    }
}
