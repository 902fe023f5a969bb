//! `POST /delegation/explain`: the same body as `/delegation`; the answer says step by step
//! what the delegation would do, without signing or calling STS. Only with `[admin]
//! token_file` set, and only for `Authorization: Bearer <that token>`.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use subtle::ConstantTimeEq;

use super::body;
use crate::delegation::{self, DelegationRequest, RequestInfo};
use crate::error::ApiError;
use crate::server::Server;

pub async fn handle(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match run(&server, peer, &headers, body).await {
        Ok(explained) => {
            let mut response = axum::Json(explained).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => error.into_response(),
    }
}

async fn run(
    server: &Server,
    peer: std::net::SocketAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<serde_json::Value, ApiError> {
    let app = server.app();
    let Some(token) = &app.settings.admin_token else {
        return Err(ApiError::NotFound);
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !bool::from(presented.as_bytes().ct_eq(token.expose())) {
        tracing::warn!(%peer, "explain refused: missing or wrong admin token");
        return Err(ApiError::InvalidToken(
            "explain needs Authorization: Bearer <the admin token>".into(),
        ));
    }
    let limit = app.settings.server.max_body_bytes;
    let deadline = tokio::time::Instant::now() + app.settings.server.request_timeout;
    let bytes = tokio::time::timeout_at(deadline, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| ApiError::InvalidRequest("the request body did not arrive in time".into()))?
        .map_err(|e| body::read_error(e, limit))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let params = body::parse(content_type, &bytes)?;
    let info = RequestInfo {
        ip: peer.ip().to_string(),
        ..RequestInfo::default()
    };
    let req = DelegationRequest::from_params(params, info)?;
    let explained = tokio::time::timeout_at(deadline, delegation::explain(&app, &req))
        .await
        .map_err(|_| ApiError::Unavailable {
            description: "the explanation did not complete in time; retry".into(),
            retry_after: std::time::Duration::from_secs(1),
        })?;
    Ok(explained)
}
