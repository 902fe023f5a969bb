//! What an operator sees: Prometheus metrics (scraped and read by prometheus_client's own
//! parser) and request IDs. The audit log is in `audit`.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error};

/// The samples of the exposition at `url`, as prometheus_client's parser reads them.
pub(crate) async fn scrape(url: &str) -> Vec<Value> {
    let response = reqwest::get(url).await.unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    let out = crate::python::run_script("parse_metrics.py", &[], text.as_bytes());
    assert!(
        out.status.success(),
        "the parser refused the exposition: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

/// The value of the sample `name` whose labels include `labels`.
pub(crate) fn value(samples: &[Value], name: &str, labels: Value) -> f64 {
    let wanted = labels.as_object().unwrap();
    samples
        .iter()
        .find(|s| s["name"] == name && wanted.iter().all(|(k, v)| s["labels"][k] == *v))
        .and_then(|s| s["value"].as_f64())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn metrics_count_delegations_sts_calls_jwks_fetches_and_refusals() {
    let app = TestApp::spawn_with("[limits]\nper_user_per_minute = 1\nper_user_burst = 1\n").await;
    assert_eq!(
        app.post_json(&app.body_for("app", "auth0|m1"))
            .await
            .status(),
        200
    );
    assert_eq!(
        app.post_json(&app.body_for("app", "auth0|m1"))
            .await
            .status(),
        429
    );
    let mut bad = app.body_for("app", "auth0|m2");
    bad["id_token"] = json!("garbage");
    assert_eq!(app.post_json(&bad).await.status(), 401);
    let mut unknown = app.body_for("app", "auth0|m3");
    unknown["client_id"] = json!("someone-else");
    assert_eq!(app.post_json(&unknown).await.status(), 401);

    let samples = scrape(&format!("{}/metrics", app.management())).await;
    let ok = json!({"client": "app", "outcome": "ok"});
    assert_eq!(value(&samples, "delegation_requests_total", ok), 1.0);
    let limited = json!({"client": "app", "outcome": "too_many_requests"});
    assert_eq!(value(&samples, "delegation_requests_total", limited), 1.0);
    let refused = json!({"client": "app", "outcome": "invalid_grant"});
    assert_eq!(value(&samples, "delegation_requests_total", refused), 1.0);
    // A client ID nobody configured is not a label value: label sets stay bounded.
    let unknown = json!({"client": "unknown", "outcome": "invalid_client"});
    assert_eq!(value(&samples, "delegation_requests_total", unknown), 1.0);
    assert!(
        !serde_json::to_string(&samples)
            .unwrap()
            .contains("someone-else")
    );
    assert!(
        !serde_json::to_string(&samples)
            .unwrap()
            .contains("auth0|m1")
    );
    assert_eq!(value(&samples, "rate_limited_total", json!({})), 1.0);
    assert!(value(&samples, "sts_requests_total", json!({"result": "ok"})) >= 1.0);
    assert_eq!(
        value(
            &samples,
            "delegation_request_duration_seconds_count",
            json!({})
        ),
        4.0
    );
    let fetched = json!({"issuer": app.issuer.issuer, "result": "ok"});
    assert!(value(&samples, "jwks_fetches_total", fetched) >= 1.0);
    let current = value(
        &samples,
        "signing_cert_not_after_seconds",
        json!({"cert": "current"}),
    );
    assert!(
        current > time::OffsetDateTime::now_utc().unix_timestamp() as f64,
        "{current}"
    );
    assert_eq!(
        value(
            &samples,
            "build_info",
            json!({"version": env!("CARGO_PKG_VERSION")})
        ),
        1.0
    );
}

#[tokio::test]
async fn sts_retries_and_rule_failures_are_counted() {
    let rule = "function (user, context, callback) { if (user.refuse) return callback(new UnauthorizedError('no')); callback(null, user, context); }";
    let extra = "[rules]\nfiles = [\"01-gate.js\"]\n";
    let app = TestApp::spawn_with_files(extra, &[("01-gate.js", rule)]).await;
    app.sts.set_mode(StsMode::Reply(503, "busy".into()));
    let failed = app.post_json(&app.body_for("app", "auth0|r1")).await;
    assert_eq!(failed.status(), 503);
    app.sts.set_mode(StsMode::Forward);
    let mut body = app.body_for("app", "auth0|r2");
    let claims = app
        .issuer
        .claims("auth0|r2", "app", json!({"refuse": true}));
    body["id_token"] = json!(app.issuer.sign(&claims));
    assert_error(app.post_json(&body).await, 403, "unauthorized").await;

    let samples = scrape(&format!("{}/metrics", app.management())).await;
    assert_eq!(
        value(
            &samples,
            "sts_requests_total",
            json!({"result": "unavailable"})
        ),
        3.0
    );
    assert_eq!(value(&samples, "sts_retries_total", json!({})), 2.0);
    let refusal = json!({"rule": "01-gate.js", "kind": "unauthorized"});
    assert_eq!(value(&samples, "rules_failures_total", refusal), 1.0);
    // Both requests ran the rules; the first then failed at STS.
    assert_eq!(
        value(&samples, "rules_duration_seconds_count", json!({})),
        2.0
    );
}

#[tokio::test]
async fn metrics_live_on_the_management_listener_or_are_turned_off() {
    let app = TestApp::spawn().await;
    assert_eq!(app.get("/metrics").await.status(), 404);
    let samples = scrape(&format!("{}/metrics", app.management())).await;
    assert!(samples.iter().any(|s| s["name"] == "build_info"));
    // The old name of the key still works (check-config warns about it).
    let text = std::fs::read_to_string(&app.config_path)
        .unwrap()
        .replace("management_listen", "metrics_listen");
    std::fs::write(&app.config_path, text).unwrap();
    let settings = delegation_server::config::load(&app.config_path).unwrap();
    let warnings = delegation_server::config::warnings(&settings);
    assert!(
        warnings.iter().any(|w| w.contains("server.metrics_listen")),
        "{warnings:?}"
    );
    // Neither metrics nor an admin token: no management listener at all.
    let off = TestApp::spawn_with_server_keys("metrics = false\n").await;
    assert_eq!(off.get("/metrics").await.status(), 404);
    assert!(off.management_address.is_none());
}

#[tokio::test]
async fn request_ids_that_are_not_plain_are_replaced() {
    let app = TestApp::spawn().await;
    let response = app
        .http
        .get(format!("{}/healthz", app.address))
        .header("x-request-id", "a b <script>")
        .send()
        .await
        .unwrap();
    let id = response.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 32);
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
}
