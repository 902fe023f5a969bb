//! `clamp_to_token_lifetime`: with it, the STS session and an app token end no later than
//! the id_token the caller presented; below AWS's 900 seconds the request is refused.
//! Without it, the configured lifetime applies, as in Auth0.

use delegation_server::issuer::generate_rsa_key;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::own_issuer::URL;
use crate::test_app::{TestApp, assert_error};

const ADMIN_TOKEN: &str = "admin-token-0123456789-abcdefghijklmnop";

async fn spawn() -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let key = generate_rsa_key().unwrap();
    let extra = format!(
        r#"
[admin]
token_file = "admin.token"

[oidc_provider]
url = "{URL}"
signing_key = "oidc.key"

[[clients]]
client_id = "clamped"
issuer = "{0}"
clamp_to_token_lifetime = true
[clients.aws]
role = "arn:aws:iam::123456789012:role/clamped-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
lifetime_in_seconds = 3600
[clients.app]
enabled = true
lifetime_in_seconds = 3600
"#,
        issuer.issuer
    );
    let files = [("oidc.key", key.as_str()), ("admin.token", ADMIN_TOKEN)];
    TestApp::spawn_custom(issuer, sts, &extra, None, &files).await
}

/// A body for `client` whose id_token expires in `seconds`.
fn body(app: &TestApp, client: &str, seconds: i64) -> Value {
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let claims = app
        .issuer
        .claims("auth0|clamp", client, json!({"exp": now + seconds}));
    let mut body = app.body_for(client, "auth0|clamp");
    body["id_token"] = json!(app.issuer.sign(&claims));
    body
}

#[tokio::test]
async fn the_session_ends_no_later_than_the_id_token() {
    let app = spawn().await;
    let response = app.post_json(&body(&app, "clamped", 1200)).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let duration: i64 = app.sts.last_form()["DurationSeconds"].parse().unwrap();
    assert!(
        (1190..=1200).contains(&duration),
        "DurationSeconds {duration}"
    );

    // Below AWS's shortest session, a clear refusal, and STS is not called.
    let before = app.sts.attempts();
    let text = assert_error(
        app.post_json(&body(&app, "clamped", 600)).await,
        401,
        "invalid_grant",
    )
    .await;
    assert!(text.contains("at least 900 s"), "{text}");
    assert_eq!(app.sts.attempts(), before);

    // Without the option, the configured lifetime, as Auth0 did.
    let response = app.post_json(&body(&app, "app", 600)).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.sts.last_form()["DurationSeconds"], "3600");
}

#[tokio::test]
async fn an_app_token_expires_no_later_than_the_id_token() {
    let app = spawn().await;
    let mut request = body(&app, "clamped", 1200);
    request["api_type"] = json!("app");
    let response = app.post_json(&request).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let json: Value = response.json().await.unwrap();
    let expires_in = json["expires_in"].as_i64().unwrap();
    assert!((1190..=1200).contains(&expires_in), "{json}");
}

#[tokio::test]
async fn explain_shows_the_clamp() {
    let app = spawn().await;
    let report: Value = app
        .http
        .post(format!("{}/delegation/explain", app.management()))
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .json(&body(&app, "clamped", 1200))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let result = &report["result"];
    assert_eq!(result["lifetime_clamped"]["configured"], 3600, "{report:#}");
    let left = result["lifetime_clamped"]["id_token_seconds_left"]
        .as_i64()
        .unwrap();
    assert!((1190..=1200).contains(&left));
    assert_eq!(result["lifetime_in_seconds"], json!(left));
}
