//! The OIDC documents of the server's own issuer (`[oidc_provider]`): what IAM reads when an OIDC
//! identity provider is created, and what any JWT library needs to verify our tokens.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use crate::error::ApiError;
use crate::issuer::{DOCUMENT_MAX_AGE_SECONDS, OidcIssuer};
use crate::server::Server;

fn document(body: Arc<str>) -> Response {
    let mut response = (
        [(header::CONTENT_TYPE, "application/json")],
        body.to_string(),
    )
        .into_response();
    let cache = format!("public, max-age={DOCUMENT_MAX_AGE_SECONDS}");
    if let Ok(value) = HeaderValue::from_str(&cache) {
        response.headers_mut().insert(header::CACHE_CONTROL, value);
    }
    response
}

fn issuer(server: &Server) -> Result<Arc<OidcIssuer>, ApiError> {
    server.app().oidc.clone().ok_or(ApiError::NotFound)
}

/// `GET /.well-known/openid-configuration`; 404 without `[oidc_provider]`.
pub async fn discovery(State(server): State<Arc<Server>>) -> Result<Response, ApiError> {
    Ok(document(issuer(&server)?.discovery_json()))
}

/// `GET /.well-known/jwks.json`: the signing key, and the next one during a rotation.
pub async fn jwks(State(server): State<Arc<Server>>) -> Result<Response, ApiError> {
    Ok(document(issuer(&server)?.jwks_json()))
}
