//! `POST /delegation/explain`: the same body as `/delegation`; the answer says step by step
//! what the delegation would do, without signing or calling STS. Served on the management
//! listener only, with `[admin] token_file` set, and only for `Authorization: Bearer <that
//! token>`. Every call is counted and audited; wrong tokens are throttled per address.

use std::sync::Arc;

use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::body;
use crate::app::App;
use crate::delegation::DelegationError;
use crate::delegation::{self, DelegationRequest, RequestInfo};
use crate::error::ApiError;
use crate::ops::DelegationEvent;
use crate::ops::admin::Refusal;
use crate::ops::request_id::RequestId;
use crate::server::Server;

pub async fn handle(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = std::time::Instant::now();
    let app = server.app();
    let result = super::panics::catch_panics(run(&server, &app, peer, &headers, body))
        .await
        .unwrap_or_else(|panicked| Err(panicked.into()));
    let (status, outcome, metric) = match &result {
        Ok(_) => (200, "ok", "ok"),
        Err(ApiError::NotFound) => return ApiError::NotFound.into_response(),
        Err(e @ ApiError::InvalidToken(_)) => (e.status().as_u16(), e.code(), "refused"),
        Err(e @ ApiError::Refused(DelegationError::TooManyRequests { .. })) => {
            (e.status().as_u16(), e.code(), "throttled")
        }
        Err(e) => (e.status().as_u16(), e.code(), "error"),
    };
    server.metrics.explain(metric);
    if let Some(audit) = &app.audit {
        let event = DelegationEvent {
            request_id,
            remote_addr: peer.ip().to_string(),
            endpoint: "explain",
            status,
            outcome,
            latency: started.elapsed(),
            ..DelegationEvent::default()
        };
        if let Err(e) = audit
            .record(event.audit_record(app.clock.now()), false)
            .await
        {
            tracing::error!(error = %e, "an audit record could not be queued");
        }
    }
    match result {
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
    app: &Arc<App>,
    peer: std::net::SocketAddr,
    headers: &HeaderMap,
    body: Body,
) -> Result<serde_json::Value, ApiError> {
    let Some(token) = &app.settings.admin_token else {
        return Err(ApiError::NotFound);
    };
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    let checked = server.admin_guard.check(
        token.expose(),
        presented.as_bytes(),
        peer.ip(),
        std::time::Instant::now(),
    );
    match checked {
        Ok(()) => {}
        Err(Refusal::Wrong) => {
            tracing::warn!(%peer, "explain refused: missing or wrong admin token");
            return Err(ApiError::InvalidToken(
                "explain needs Authorization: Bearer <the admin token>".into(),
            ));
        }
        Err(Refusal::Throttled(retry_after)) => {
            tracing::warn!(%peer, "explain refused: too many wrong admin tokens from this address");
            return Err(DelegationError::TooManyRequests { retry_after }.into());
        }
    }
    let params = body::read(headers, body, &app.settings.server).await?;
    let deadline = tokio::time::Instant::now() + app.settings.server.request_timeout;
    let info = RequestInfo {
        ip: peer.ip().to_string(),
        ..RequestInfo::default()
    };
    let req = DelegationRequest::from_params(params, info)?;
    let explained = tokio::time::timeout_at(deadline, delegation::explain(app, &req))
        .await
        .map(|(report, outcome)| crate::error::explanation(report, outcome))
        .map_err(|_| {
            ApiError::from(DelegationError::Unavailable {
                description: "the explanation did not complete in time; retry".into(),
                retry_after: std::time::Duration::from_secs(1),
            })
        })?;
    Ok(explained)
}
