//! `POST /delegation`: reads the body, runs the flow, answers in Auth0's shape, logs one line.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Extension;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::body;
use crate::app::App;
use crate::delegation::DelegationError;
use crate::delegation::{self, Delegated, DelegationRequest, Issued, RequestInfo, Trace};
use crate::domain::truncate;
use crate::error::ApiError;
use crate::ops::DelegationEvent;
use crate::ops::request_id::RequestId;
use crate::server::Server;

pub async fn handle(
    State(server): State<Arc<Server>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Extension(RequestId(request_id)): Extension<RequestId>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    // One snapshot for the whole request, whatever reloads happen meanwhile.
    let app = server.app();
    let hops = app.settings.server.forwarded_hops;
    let info = request_info(peer, &headers, hops);
    let mut event = DelegationEvent {
        request_id,
        remote_addr: info.ip.clone(),
        ..DelegationEvent::default()
    };
    // The in-flight permit is taken inside the flow, once the id_token is verified: a
    // client without a valid token cannot hold one (see `delegation::delegate`).
    let mut trace = Trace::default();
    // Boxed: the flow's future is several kilobytes, and the router moves this handler's
    // future into a box of its own; a pointer is cheaper to move than the flow.
    let flow = run(&app, info, &headers, body, &mut event, &mut trace);
    let result = Box::pin(super::panics::catch_panics(flow))
        .await
        .unwrap_or_else(|panicked| Err(panicked.into()));
    // What the flow recorded, up to a refusal, a timeout or a panic.
    trace.fill_event(&mut event);
    let result = match result {
        Ok(delegated) => audit_issued(&app, &mut event, &delegated.issued, started)
            .await
            .map(|()| delegated),
        Err(error) => Err(error),
    };
    event.latency = started.elapsed();
    finish(&server, &app, event, result).await
}

/// Fills in what STS returned and, with an audit log, waits until its record is written:
/// credentials no record shows are not handed out.
async fn audit_issued(
    app: &App,
    event: &mut DelegationEvent,
    issued: &Issued,
    started: Instant,
) -> Result<(), ApiError> {
    event.status = 200;
    event.outcome = "ok";
    let expiration = match issued {
        Issued::Aws(result) => {
            event.sts_request_id = Some(result.request_id().to_owned());
            result.expiration()
        }
        Issued::App(token) => token.expiration(),
        Issued::Console(console) => {
            event.sts_request_id = Some(console.sts_request_id.clone());
            console.expires_at
        }
    };
    event.expiration = expiration
        .format(&time::format_description::well_known::Rfc3339)
        .ok();
    let Some(audit) = &app.audit else {
        return Ok(());
    };
    event.latency = started.elapsed();
    audit
        .record(event.audit_record(app.clock.now()), true)
        .await
        .map_err(|e| {
            tracing::error!(error = %e, request_id = %event.request_id, "credentials withheld: the audit record could not be written");
            ApiError::from(DelegationError::Unavailable {
                description: "the audit log is unavailable; retry later".into(),
                retry_after: Duration::from_secs(5),
            })
        })
}

/// Counts, logs (one line) and, for a refusal, audits the request; then answers it.
async fn finish(
    server: &Server,
    app: &App,
    mut event: DelegationEvent,
    result: Result<Delegated, ApiError>,
) -> Response {
    match result {
        Ok(delegated) => {
            log_line(&event, None);
            server.metrics.delegation(&event);
            let mut response = answer(delegated);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => {
            event.status = error.status().as_u16();
            event.outcome = error.code();
            log_line(&event, Some(&error));
            if let Some(audit) = &app.audit {
                let record = event.audit_record(app.clock.now());
                if let Err(e) = audit.record(record, false).await {
                    tracing::error!(error = %e, "an audit record could not be queued");
                }
            }
            server.metrics.delegation(&event);
            error.into_response()
        }
    }
}

/// The JSON of what was issued; a refresh token the issuer rotated goes back beside it as
/// `refresh_token`, as an OAuth client expects from a token response.
fn answer(delegated: Delegated) -> Response {
    let Some(refresh_token) = delegated.refresh_token else {
        return match delegated.issued {
            Issued::Aws(result) => axum::Json(result).into_response(),
            Issued::App(token) => axum::Json(token).into_response(),
            Issued::Console(console) => axum::Json(console.login).into_response(),
        };
    };
    let body = match &delegated.issued {
        Issued::Aws(result) => serde_json::to_value(result),
        Issued::App(token) => serde_json::to_value(token),
        Issued::Console(console) => serde_json::to_value(&console.login),
    };
    match body {
        Ok(serde_json::Value::Object(mut fields)) => {
            fields.insert(
                "refresh_token".into(),
                serde_json::Value::String(refresh_token),
            );
            axum::Json(fields).into_response()
        }
        _ => ApiError::from(DelegationError::Internal(
            "the answer could not be written".into(),
        ))
        .into_response(),
    }
}

/// The request's one diagnostic line. Error descriptions are safe for clients, so they are
/// safe for the log too; internal details were logged where they arose.
fn log_line(event: &DelegationEvent, error: Option<&ApiError>) {
    fn dash(v: &Option<String>) -> &str {
        v.as_deref().unwrap_or("-")
    }
    let (client, target) = (dash(&event.client), dash(&event.target));
    let (subject, role) = (dash(&event.subject), dash(&event.role));
    let latency_ms = u64::try_from(event.latency.as_millis()).unwrap_or(u64::MAX);
    let request_id = event.request_id.as_str();
    match error {
        None => tracing::info!(
            request_id,
            client,
            target,
            subject,
            role,
            status = 200,
            outcome = "issued",
            latency_ms,
            "delegation"
        ),
        Some(error) => {
            let reason = match error {
                ApiError::Refused(DelegationError::Internal(_)) => "internal error".to_owned(),
                other => other.to_string(),
            };
            tracing::warn!(
                request_id,
                client,
                target,
                subject,
                role,
                status = event.status,
                outcome = event.outcome,
                reason,
                latency_ms,
                "delegation"
            );
        }
    }
}

async fn run(
    app: &Arc<App>,
    info: RequestInfo,
    headers: &HeaderMap,
    body: Body,
    event: &mut DelegationEvent,
    trace: &mut Trace,
) -> Result<Delegated, ApiError> {
    let params = body::read(headers, body, &app.settings.server).await?;
    let deadline = tokio::time::Instant::now() + app.settings.server.request_timeout;
    let req = DelegationRequest::from_params(params, info)?;
    event.api_type = req.api_type.as_str();
    event.client = Some(truncate(&req.client_id));
    event.client_known = app.settings.clients.contains_key(&req.client_id);
    event.target = Some(truncate(&req.target));

    let flow = delegation::delegate(app, &req, deadline, trace);
    tokio::time::timeout_at(deadline, flow)
        .await
        .map(|result| result.map_err(ApiError::from))
        .map_err(|_| {
            ApiError::from(DelegationError::Unavailable {
                description: "the request did not complete in time; retry".into(),
                retry_after: std::time::Duration::from_secs(1),
            })
        })?
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
#[path = "delegation_tests.rs"]
mod tests;
