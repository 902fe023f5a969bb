use serde_json::json;

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error};

async fn expect(app: &TestApp, body: serde_json::Value, status: u16, code: &str) -> String {
    let description = assert_error(app.post_json(&body).await, status, code).await;
    assert_eq!(
        app.sts.attempts(),
        0,
        "STS must not be called for a bad request"
    );
    description
}

#[tokio::test]
async fn malformed_json_is_an_invalid_request() {
    let app = TestApp::spawn().await;
    let response = app
        .post_raw(Some("application/json"), "{\"client_id\": ".into())
        .await;
    let description = assert_error(response, 400, "invalid_request").await;
    assert!(description.contains("JSON"), "{description}");
}

#[tokio::test]
async fn an_empty_body_is_an_invalid_request() {
    let app = TestApp::spawn().await;
    let description = assert_error(
        app.post_raw(None, String::new()).await,
        400,
        "invalid_request",
    )
    .await;
    assert!(description.contains("empty"), "{description}");
}

#[tokio::test]
async fn an_oversized_body_is_refused_before_it_is_read() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|big");
    body["padding"] = json!("x".repeat(70 * 1024));
    let response = app.post_json(&body).await;
    let description = assert_error(response, 413, "invalid_request").await;
    assert!(description.contains("65536"), "{description}");
}

#[tokio::test]
async fn a_wrong_grant_type_is_unsupported() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|1");
    body["grant_type"] = json!("password");
    let description = expect(&app, body, 400, "unsupported_grant_type").await;
    assert!(description.contains("password"), "{description}");
}

#[tokio::test]
async fn a_missing_id_token_is_named() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|1");
    body.as_object_mut().unwrap().remove("id_token");
    let description = expect(&app, body, 400, "invalid_request").await;
    assert!(description.contains("id_token"), "{description}");
}

/// A client without `[clients.refresh]` (tests/api/refresh.rs has those that have it).
#[tokio::test]
async fn a_refresh_token_gets_a_clear_refusal() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|1");
    body.as_object_mut().unwrap().remove("id_token");
    body["refresh_token"] = json!("some-refresh-token");
    let description = expect(&app, body, 400, "invalid_request").await;
    assert!(
        description.contains("does not accept refresh_token; send the user's id_token"),
        "{description}"
    );
}

#[tokio::test]
async fn a_repeated_parameter_is_refused() {
    let app = TestApp::spawn().await;
    let body = "client_id=app&client_id=closed&grant_type=x".to_owned();
    let response = app
        .post_raw(Some("application/x-www-form-urlencoded"), body)
        .await;
    let description = assert_error(response, 400, "invalid_request").await;
    assert!(description.contains("client_id"), "{description}");
}

#[tokio::test]
async fn an_unknown_client_is_an_invalid_client() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|1");
    body["client_id"] = json!("nobody");
    let description = expect(&app, body, 401, "invalid_client").await;
    assert!(description.contains("nobody"), "{description}");
}

#[tokio::test]
async fn an_unknown_target_is_an_invalid_client() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|1");
    body["target"] = json!("missing-target");
    let description = expect(&app, body, 401, "invalid_client").await;
    assert!(description.contains("missing-target"), "{description}");
}

#[tokio::test]
async fn a_target_that_does_not_allow_the_caller_refuses() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|1");
    body["target"] = json!("closed");
    let description = expect(&app, body, 401, "invalid_client").await;
    assert!(
        description.contains("may not request delegation for target `closed`"),
        "{description}"
    );
}

#[tokio::test]
async fn an_unsupported_api_type_is_named() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|1");
    body["api_type"] = json!("firebase");
    let description = expect(&app, body, 400, "invalid_request").await;
    assert!(description.contains("firebase"), "{description}");
}

#[tokio::test]
async fn a_target_without_aws_settings_cannot_serve_aws() {
    let app = TestApp::spawn().await;
    let body = app.body_for("no-aws", "auth0|1");
    let description = expect(&app, body, 400, "invalid_request").await;
    assert!(description.contains("no AWS settings"), "{description}");
}

#[tokio::test]
async fn a_role_outside_the_allowlist_is_refused() {
    let app = TestApp::spawn().await;
    for target in ["app", "reports"] {
        let mut body = app.body_for("app", "auth0|1");
        body["target"] = json!(target);
        body["role"] = json!("arn:aws:iam::123456789012:role/admin");
        body["principal"] = json!(PRINCIPAL);
        let description = expect(&app, body, 400, "invalid_request").await;
        assert!(description.contains("not allowed"), "{description}");
    }
}

#[tokio::test]
async fn a_role_without_a_principal_is_refused() {
    let app = TestApp::spawn().await;
    let mut body = app.body_for("app", "auth0|1");
    body["role"] = json!(ROLE);
    let description = expect(&app, body, 400, "invalid_request").await;
    assert!(description.contains("together"), "{description}");
}

#[tokio::test]
async fn a_user_over_the_rate_limit_gets_429_and_others_are_served() {
    let app = TestApp::spawn_with("[limits]\nper_user_per_minute = 1\nper_user_burst = 2\n").await;
    for _ in 0..2 {
        let body = app.body_for("app", "auth0|busy");
        assert_eq!(app.post_json(&body).await.status(), 200);
    }

    // Counted before and after: a slow emulator may have made the first two retry.
    let attempts = app.sts.attempts();
    let third = app.post_json(&app.body_for("app", "auth0|busy")).await;

    let retry_after: u64 = third.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "Retry-After {retry_after}");
    assert_error(third, 429, "too_many_requests").await;
    assert_eq!(
        app.sts.attempts(),
        attempts,
        "the limited request must not reach STS"
    );
    let other = app.post_json(&app.body_for("app", "auth0|calm")).await;
    assert_eq!(other.status(), 200);
}

#[tokio::test]
async fn unknown_paths_and_methods_answer_in_json() {
    let app = TestApp::spawn().await;
    assert_error(app.get("/nope").await, 404, "not_found").await;
    let response = app.get("/delegation").await;
    assert_eq!(response.status(), 405);
}
