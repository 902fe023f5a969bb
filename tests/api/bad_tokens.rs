use base64::Engine as _;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use crate::test_app::{TestApp, assert_error};

/// Posts `token` for client `app` and expects `invalid_grant` naming `check`.
async fn refused(app: &TestApp, token: String, check: &str) {
    let mut body = app.body_for("app", "auth0|1");
    body["id_token"] = json!(token);
    let description = assert_error(app.post_json(&body).await, 401, "invalid_grant").await;
    assert!(
        description.to_lowercase().contains(check),
        "description `{description}` does not name `{check}`"
    );
    assert_eq!(
        app.sts.attempts(),
        0,
        "STS must not be called for a bad token"
    );
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

fn with(app: &TestApp, extra: Value) -> String {
    app.issuer.sign(&app.issuer.claims("auth0|1", "app", extra))
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let app = TestApp::spawn().await;
    refused(&app, with(&app, json!({ "exp": now() - 3600 })), "expired").await;
}

#[tokio::test]
async fn a_token_not_yet_valid_is_refused() {
    let app = TestApp::spawn().await;
    refused(
        &app,
        with(&app, json!({ "nbf": now() + 3600 })),
        "not valid yet",
    )
    .await;
}

#[tokio::test]
async fn a_token_signed_by_another_key_is_refused() {
    let app = TestApp::spawn().await;
    let claims = app.issuer.claims("auth0|1", "app", json!({}));
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some(app.issuer.kid.clone());
    let token = jsonwebtoken::encode(&header, &claims, &app.issuer.rogue_key).unwrap();
    refused(&app, token, "signature").await;
}

#[tokio::test]
async fn an_unsigned_token_is_refused() {
    let app = TestApp::spawn().await;
    let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    let claims = app.issuer.claims("auth0|1", "app", json!({}));
    let token = format!(
        "{}.{}.",
        b64(&json!({"alg": "none", "typ": "JWT"})),
        b64(&claims)
    );
    refused(&app, token, "algorithm").await;
}

#[tokio::test]
async fn hs256_signed_with_the_issuers_public_key_is_refused() {
    let app = TestApp::spawn().await;
    let claims = app.issuer.claims("auth0|1", "app", json!({}));
    let key = EncodingKey::from_secret(app.issuer.public_pem.as_bytes());
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(app.issuer.kid.clone());
    let token = jsonwebtoken::encode(&header, &claims, &key).unwrap();
    refused(&app, token, "algorithm").await;
}

#[tokio::test]
async fn a_token_with_an_unknown_key_id_is_refused() {
    let app = TestApp::spawn().await;
    let claims = app.issuer.claims("auth0|1", "app", json!({}));
    let mut header = Header::new(Algorithm::RS256);
    header.kid = Some("no-such-key".into());
    let token = jsonwebtoken::encode(&header, &claims, &app.issuer.rogue_key).unwrap();
    refused(&app, token, "key").await;
}

#[tokio::test]
async fn a_token_from_another_issuer_is_refused() {
    let app = TestApp::spawn().await;
    let token = with(&app, json!({ "iss": "https://evil.example.net/" }));
    refused(&app, token, "issuer").await;
}

#[tokio::test]
async fn a_token_for_another_audience_is_refused() {
    let app = TestApp::spawn().await;
    let token = app.issuer.token("auth0|1", "some-other-client");
    refused(&app, token, "audience").await;
}

#[tokio::test]
async fn a_subject_with_characters_xml_cannot_carry_is_refused() {
    let app = TestApp::spawn().await;
    let token = app
        .issuer
        .sign(&app.issuer.claims("auth0|a\u{1}b", "app", json!({})));
    refused(&app, token, "control characters").await;
}

#[tokio::test]
async fn garbage_is_refused_as_malformed() {
    let app = TestApp::spawn().await;
    for garbage in ["not-a-jwt", "a.b.c", "....", "eyJ.eyJ.sig", "\u{1F600}.x.y"] {
        refused(&app, garbage.into(), "malformed").await;
    }
}

#[tokio::test]
async fn an_hs256_token_is_refused_for_a_client_without_a_secret() {
    let app = TestApp::spawn().await;
    let claims = app.issuer.claims("auth0|1", "app", json!({}));
    let key = EncodingKey::from_secret(crate::helpers::HS_SECRET.as_bytes());
    let token = jsonwebtoken::encode(&Header::default(), &claims, &key).unwrap();
    refused(&app, token, "algorithm").await;
}
