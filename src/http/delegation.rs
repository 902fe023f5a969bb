//! `POST /delegation`: reads the body, runs the flow, answers in Auth0's shape, logs one line.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::body;
use crate::app::App;
use crate::delegation::{self, DelegationRequest, Outcome, RequestInfo};
use crate::domain::truncate;
use crate::error::ApiError;

pub async fn handle(
    State(app): State<Arc<App>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let mut outcome = Outcome::default();
    let mut ids = (None, None);
    let result = run(&app, peer, &headers, body, &mut outcome, &mut ids).await;
    let latency_ms = started.elapsed().as_millis() as u64;
    let (client, target) = ids;
    let client = client.as_deref().unwrap_or("-");
    let target = target.as_deref().unwrap_or("-");
    let subject = outcome.subject.as_deref().unwrap_or("-");
    let role = outcome.role.as_deref().unwrap_or("-");
    match result {
        Ok(response) => {
            tracing::info!(
                client,
                target,
                subject,
                role,
                status = 200,
                outcome = "issued",
                latency_ms,
                "delegation"
            );
            response
        }
        Err(error) => {
            let status = error.status().as_u16();
            let code = error.code();
            // The description is safe for clients, so it is safe for the log too.
            let reason = match &error {
                ApiError::Internal(_) => "internal error".to_owned(),
                other => other.to_string(),
            };
            tracing::warn!(
                client,
                target,
                subject,
                role,
                status,
                outcome = code,
                reason,
                latency_ms,
                "delegation"
            );
            error.into_response()
        }
    }
}

async fn run(
    app: &Arc<App>,
    peer: SocketAddr,
    headers: &HeaderMap,
    body: Body,
    outcome: &mut Outcome,
    ids: &mut (Option<String>, Option<String>),
) -> Result<Response, ApiError> {
    let limit = app.settings.server.max_body_bytes;
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return Err(ApiError::PayloadTooLarge(limit));
    }
    // The deadline covers reading the body too, so a client trickling bytes cannot hold a
    // request open for longer than any other.
    let timeout = app.settings.server.request_timeout;
    let deadline = tokio::time::Instant::now() + timeout;
    let bytes = tokio::time::timeout_at(deadline, axum::body::to_bytes(body, limit))
        .await
        .map_err(|_| ApiError::InvalidRequest("the request body did not arrive in time".into()))?
        .map_err(|e| body::read_error(e, limit))?;
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let params = body::parse(content_type, &bytes)?;
    let hops = app.settings.server.forwarded_hops;
    let req = DelegationRequest::from_params(params, request_info(peer, headers, hops))?;
    *ids = (Some(truncate(&req.client_id)), Some(truncate(&req.target)));

    let flow = delegation::delegate(app, &req, outcome, deadline);
    let result = tokio::time::timeout_at(deadline, flow)
        .await
        .map_err(|_| ApiError::Unavailable {
            description: "the request did not complete in time; retry".into(),
            retry_after: std::time::Duration::from_secs(1),
        })??;
    let mut response = axum::Json(result).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

fn request_info(peer: SocketAddr, headers: &HeaderMap, forwarded_hops: usize) -> RequestInfo {
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    RequestInfo {
        ip: client_ip(peer, headers, forwarded_hops),
        user_agent: text(header::USER_AGENT),
        hostname: text(header::HOST),
        origin: text(header::ORIGIN),
    }
}

/// The client's address. Behind `hops` trusted proxies, each appending the address it saw
/// to `X-Forwarded-For`, it is the entry `hops` places from the right; entries further left
/// were written by the client and prove nothing.
fn client_ip(peer: SocketAddr, headers: &HeaderMap, hops: usize) -> String {
    if hops == 0 {
        return peer.ip().to_string();
    }
    let entries: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    entries
        .len()
        .checked_sub(hops)
        .and_then(|i| entries.get(i))
        .and_then(|e| e.parse::<std::net::IpAddr>().ok())
        .map_or_else(|| peer.ip().to_string(), |ip| ip.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_xff(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn the_client_address_is_counted_from_the_trusted_end() {
        let peer: SocketAddr = "10.0.0.9:443".parse().unwrap();
        let headers = with_xff("6.6.6.6, 203.0.113.7");
        assert_eq!(client_ip(peer, &headers, 0), "10.0.0.9");
        assert_eq!(client_ip(peer, &headers, 1), "203.0.113.7");
        assert_eq!(client_ip(peer, &headers, 2), "6.6.6.6");
        // Fewer entries than trusted hops, or garbage: fall back to the peer.
        assert_eq!(client_ip(peer, &headers, 3), "10.0.0.9");
        assert_eq!(client_ip(peer, &with_xff("not-an-ip"), 1), "10.0.0.9");
    }
}
