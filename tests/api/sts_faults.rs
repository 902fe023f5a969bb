//! STS misbehaving on purpose: moto cannot, so the recording front injects the faults.

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error};

fn aws_error(kind: &str, code: &str, message: &str) -> String {
    format!(
        r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>
</ErrorResponse>"#
    )
}

async fn post(app: &TestApp) -> reqwest::Response {
    app.post_json(&app.body_for("app", "auth0|sts")).await
}

#[tokio::test]
async fn access_denied_becomes_403_without_retrying() {
    let app = TestApp::spawn().await;
    let body = aws_error(
        "Sender",
        "AccessDenied",
        "Not authorized to perform sts:AssumeRoleWithSAML",
    );
    app.sts.set_mode(StsMode::Reply(403, body));
    let description = assert_error(post(&app).await, 403, "access_denied").await;
    assert!(description.contains("AccessDenied"), "{description}");
    assert_eq!(app.sts.attempts(), 1);
}

#[tokio::test]
async fn an_invalid_identity_token_is_a_server_error_naming_the_aws_code() {
    let app = TestApp::spawn().await;
    let body = aws_error(
        "Sender",
        "InvalidIdentityToken",
        "Specified provider doesn't exist.",
    );
    app.sts.set_mode(StsMode::Reply(400, body));
    let description = assert_error(post(&app).await, 502, "server_error").await;
    assert!(
        description.contains("InvalidIdentityToken"),
        "{description}"
    );
    assert!(
        description.contains("provider doesn't exist"),
        "{description}"
    );
    assert_eq!(app.sts.attempts(), 1);
}

#[tokio::test]
async fn throttling_is_retried_then_reported_as_unavailable() {
    let app = TestApp::spawn().await;
    app.sts.set_mode(StsMode::Reply(
        400,
        aws_error("Sender", "Throttling", "Rate exceeded"),
    ));
    let response = post(&app).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_error(response, 503, "temporarily_unavailable").await;
    assert_eq!(app.sts.attempts(), 3, "one try and two retries");
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_as_unavailable() {
    let app = TestApp::spawn().await;
    app.sts.set_mode(StsMode::Reply(
        500,
        aws_error("Receiver", "InternalFailure", "oops"),
    ));
    assert_error(post(&app).await, 503, "temporarily_unavailable").await;
    assert_eq!(app.sts.attempts(), 3);
}

#[tokio::test]
async fn an_sts_that_never_answers_times_out_as_unavailable() {
    let app = TestApp::spawn().await;
    app.sts.set_mode(StsMode::Hang);
    let started = std::time::Instant::now();
    assert_error(post(&app).await, 503, "temporarily_unavailable").await;
    // Bounded by the request timeout (4 s in the test configuration), not by STS.
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}

#[tokio::test]
async fn an_unreachable_sts_is_unavailable() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let endpoint = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    let app = TestApp::spawn_custom(
        Issuer::start().await,
        StsFront::start().await,
        "",
        Some(&endpoint),
        &[],
    )
    .await;
    assert_error(post(&app).await, 503, "temporarily_unavailable").await;
}

#[tokio::test]
async fn a_malformed_sts_reply_is_a_server_error_without_internals() {
    let app = TestApp::spawn().await;
    app.sts
        .set_mode(StsMode::Reply(200, "<html><body>gateway".into()));
    let description = assert_error(post(&app).await, 502, "server_error").await;
    assert!(!description.contains("<html>"), "{description}");
}
