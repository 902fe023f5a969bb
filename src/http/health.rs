//! `GET /healthz` (the process is alive) and `GET /readyz` (it can serve delegations).

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use crate::server::Server;

pub async fn healthz() -> impl IntoResponse {
    (StatusCode::OK, "ok\n")
}

/// Ready when every issuer's keys are at hand (or `server.readiness_grace_seconds` has
/// passed since start, so one issuer that stays down does not take every replica out of
/// service), the server is not stopping (`server.shutdown_delay_seconds`), and no rule
/// worker is stuck: a stuck one keeps a thread busy that nothing can stop, so a restart
/// is what makes the process whole again. Nothing is fetched here;
/// missing keys are being fetched in the background. The JSON says what is missing.
pub async fn readyz(State(server): State<Arc<Server>>) -> Response {
    let app = server.app();
    let stuck = app.rules.abandoned_workers();
    let mut issuers = Map::new();
    let mut missing = 0;
    for (issuer, status) in app.verifier.key_status() {
        let text = match status {
            Ok(()) => "ok".to_owned(),
            Err(reason) => {
                missing += 1;
                format!("no keys: {reason}")
            }
        };
        issuers.insert(issuer, Value::String(text));
    }
    let in_grace = server.started.elapsed() < app.settings.server.readiness_grace;
    let stopping = server.stopping.load(std::sync::atomic::Ordering::Acquire);
    let ready = stuck == 0 && (missing == 0 || !in_grace) && !stopping;
    if !ready && !stopping {
        tracing::warn!(stuck, issuers_without_keys = missing, "not ready");
    }
    let body = json!({
        "ready": ready,
        "issuers": issuers,
        "stuck_rule_workers": stuck,
        "stopping": stopping,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, axum::Json(body)).into_response()
}
