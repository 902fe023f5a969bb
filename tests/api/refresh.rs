//! `refresh_token` in place of `id_token`: redeemed at the caller's issuer's token endpoint
//! (a local one implementing the refresh grant: rotation, revocation, expiry), the
//! id_token it returns verified as usual, and a rotated refresh token handed back.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::logs::captured_logs;
use crate::test_app::{TestApp, assert_error};

const SECRET: &str = "confidential-secret-0123456789";

/// The token endpoint: refresh token → the id_token it buys; each use rotates it.
#[derive(Clone, Default)]
struct Tokens {
    live: Arc<Mutex<HashMap<String, String>>>,
    /// The forms it received.
    forms: Arc<Mutex<Vec<HashMap<String, String>>>>,
    next: Arc<Mutex<u32>>,
    down: Arc<Mutex<bool>>,
}

async fn token(State(t): State<Tokens>, body: axum::body::Bytes) -> Response {
    let form: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    t.forms.lock().unwrap().push(form.clone());
    if *t.down.lock().unwrap() {
        return (axum::http::StatusCode::SERVICE_UNAVAILABLE, "down").into_response();
    }
    let refused = |code: &str, why: &str| {
        let body = json!({"error": code, "error_description": why});
        (axum::http::StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
    };
    if form.get("grant_type").map(String::as_str) != Some("refresh_token") {
        return refused("unsupported_grant_type", "");
    }
    let client = form.get("client_id").cloned().unwrap_or_default();
    if client == "confidential" && form.get("client_secret").map(String::as_str) != Some(SECRET) {
        return refused("invalid_client", "bad secret");
    }
    let Some(presented) = form.get("refresh_token") else {
        return refused("invalid_request", "no refresh_token");
    };
    if presented == "rt-expired" {
        return refused("invalid_grant", "Expired refresh token");
    }
    let Some(id_token) = t.live.lock().unwrap().remove(presented) else {
        return refused("invalid_grant", "Unknown or invalid refresh token.");
    };
    let mut next = t.next.lock().unwrap();
    *next += 1;
    let rotated = format!("rt-rotated-{next}");
    t.live
        .lock()
        .unwrap()
        .insert(rotated.clone(), id_token.clone());
    axum::Json(json!({
        "access_token": "at", "token_type": "Bearer", "expires_in": 86400,
        "id_token": id_token, "refresh_token": rotated,
    }))
    .into_response()
}

async fn spawn() -> (TestApp, Tokens) {
    spawn_with(None).await
}

/// With `tls` (certificate and key PEM), the server speaks HTTPS, as Auth0's clients expect.
async fn spawn_with(tls: Option<(&str, &str)>) -> (TestApp, Tokens) {
    let tokens = Tokens::default();
    let router = Router::new()
        .route("/oauth/token", post(token))
        .with_state(tokens.clone());
    let endpoint = serve_on_port_0(router).await + "/oauth/token";
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let extra = format!(
        r#"
[[clients]]
client_id = "public"
issuer = "{0}"
[clients.aws]
role = "arn:aws:iam::123456789012:role/refreshed-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
[clients.refresh]
enabled = false # until the issuer has a token endpoint

[[clients]]
client_id = "confidential"
issuer = "{0}"
[clients.aws]
role = "arn:aws:iam::123456789012:role/refreshed-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
[clients.refresh]
enabled = false # until the issuer has a token endpoint
client_secret = "{SECRET}"
"#,
        issuer.issuer
    );
    let app = match tls {
        None => TestApp::spawn_custom(issuer, sts, &extra, None, &[]).await,
        Some((cert, key)) => {
            let extra = format!("{extra}\n[server.tls]\ncert = \"tls.crt\"\nkey = \"tls.key\"\n");
            let files = [("tls.crt", cert), ("tls.key", key)];
            TestApp::spawn_full(issuer, sts, "", &extra, None, &files).await
        }
    };
    // The base configuration's issuer gets its token endpoint, and the clients refresh
    // tokens, through a reload.
    let config = std::fs::read_to_string(&app.config_path).unwrap();
    let jwks = format!("jwks_uri = \"{}\"", app.issuer.jwks_uri());
    let with_endpoint = config
        .replacen(
            &jwks,
            &format!("{jwks}\ntoken_endpoint = \"{endpoint}\""),
            1,
        )
        .replace(
            "enabled = false # until the issuer has a token endpoint",
            "enabled = true",
        );
    assert_ne!(config, with_endpoint);
    std::fs::write(&app.config_path, with_endpoint).unwrap();
    app.server.reload().unwrap();
    for client in ["public", "confidential"] {
        let id_token = app.issuer.token("auth0|refreshed", client);
        tokens
            .live
            .lock()
            .unwrap()
            .insert(format!("rt-{client}"), id_token);
    }
    (app, tokens)
}

fn body(client: &str, refresh_token: &str) -> Value {
    json!({
        "client_id": client,
        "grant_type": JWT_BEARER,
        "refresh_token": refresh_token,
        "api_type": "aws",
    })
}

#[tokio::test]
async fn a_refresh_token_buys_credentials_and_its_rotated_successor_comes_back() {
    let logs = captured_logs();
    let (app, tokens) = spawn().await;
    let response = app.post_json(&body("public", "rt-public")).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let json: Value = response.json().await.unwrap();
    assert!(json["Credentials"]["AccessKeyId"].is_string(), "{json}");
    assert!(
        app.sts.last_saml_response().contains(">auth0|refreshed<"),
        "the user is the refreshed id_token's"
    );
    let rotated = json["refresh_token"].as_str().unwrap().to_owned();
    assert!(rotated.starts_with("rt-rotated-"));
    // A public client sends no secret.
    let form = tokens.forms.lock().unwrap().last().cloned().unwrap();
    assert_eq!(form["client_id"], "public");
    assert!(!form.contains_key("client_secret"));

    // The used one is gone; the rotated one works.
    let text = assert_error(
        app.post_json(&body("public", "rt-public")).await,
        401,
        "invalid_grant",
    )
    .await;
    assert!(text.contains("refused the refresh token"), "{text}");
    assert_eq!(app.post_json(&body("public", &rotated)).await.status(), 200);

    // Neither token reaches the log.
    let log = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(!log.contains(&rotated) && !log.contains("rt-public"));
}

#[tokio::test]
async fn a_confidential_client_sends_its_secret() {
    let (app, tokens) = spawn().await;
    let response = app
        .post_json(&body("confidential", "rt-confidential"))
        .await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let form = tokens.forms.lock().unwrap().last().cloned().unwrap();
    assert_eq!(form["client_secret"], SECRET);
    assert_eq!(form["grant_type"], "refresh_token");
}

#[tokio::test]
async fn revoked_expired_and_unavailable_are_invalid_grant_or_503_never_500() {
    let (app, tokens) = spawn().await;
    assert_error(
        app.post_json(&body("public", "rt-revoked")).await,
        401,
        "invalid_grant",
    )
    .await;
    let text = assert_error(
        app.post_json(&body("public", "rt-expired")).await,
        401,
        "invalid_grant",
    )
    .await;
    assert!(text.contains("Expired refresh token"), "{text}");
    *tokens.down.lock().unwrap() = true;
    assert_error(
        app.post_json(&body("public", "rt-public")).await,
        503,
        "temporarily_unavailable",
    )
    .await;
    assert_eq!(app.sts.attempts(), 0);
}

#[tokio::test]
async fn a_client_without_refresh_is_told_to_send_an_id_token() {
    let (app, _) = spawn().await;
    let text = assert_error(
        app.post_json(&body("app", "rt-anything")).await,
        400,
        "invalid_request",
    )
    .await;
    assert!(text.contains("[clients.refresh]"), "{text}");
}

/// Auth0's own Node.js client (node-auth0 2.x, tests/support/node) sends a refresh token
/// through `tokens.getDelegationToken`, as apps did with Auth0.
#[tokio::test]
async fn node_auth0_get_delegation_token_works_with_a_refresh_token() {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (made.cert.pem(), made.signing_key.serialize_pem());
    let (app, _) = spawn_with(Some((&cert, &key))).await;
    let dir = app.config_path.parent().unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/support/node/delegation.js");
    let domain = app.address.trim_start_matches("https://").to_owned();
    let ca = dir.join("tls.crt");
    // The server runs on this test's runtime: wait for node on another thread.
    let output = tokio::task::spawn_blocking(move || {
        std::process::Command::new("node")
            .arg(&script)
            .env("DOMAIN", &domain)
            .env("CLIENT_ID", "public")
            .env("REFRESH_TOKEN", "rt-public")
            .env("NODE_EXTRA_CA_CERTS", ca)
            .output()
    })
    .await
    .unwrap()
    .expect("node is installed (scripts/setup)");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert!(answer["Credentials"]["AccessKeyId"].is_string(), "{answer}");
    assert!(
        answer["refresh_token"]
            .as_str()
            .unwrap()
            .starts_with("rt-rotated-")
    );
}
