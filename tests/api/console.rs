//! `api_type=aws_console`: the credentials `aws` would give, turned into a console sign-in
//! URL by a federation endpoint stand-in as strict as AWS's documentation about
//! `getSigninToken` (exactly `Action`, `Session` and an optional `SessionDuration` of
//! 900..=43200; `Session` is JSON with exactly `sessionId`, `sessionKey`, `sessionToken`).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::logs::captured_logs;
use crate::test_app::{TestApp, assert_error};

#[derive(Clone, Default)]
struct Federation {
    /// The query of each getSigninToken call.
    calls: Arc<Mutex<Vec<HashMap<String, String>>>>,
    /// Answer with this status instead (faults).
    fail: Arc<Mutex<Option<u16>>>,
}

async fn federation(State(f): State<Federation>, RawQuery(query): RawQuery) -> Response {
    let query = query.unwrap_or_default();
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes())
        .into_owned()
        .collect();
    let params: HashMap<String, String> = pairs.iter().cloned().collect();
    let bad = |why: &str| (axum::http::StatusCode::BAD_REQUEST, why.to_owned()).into_response();
    if pairs.len() != params.len() {
        return bad("a parameter repeated");
    }
    if params.get("Action").map(String::as_str) != Some("getSigninToken") {
        return bad("Action");
    }
    if params
        .keys()
        .any(|k| !["Action", "Session", "SessionDuration"].contains(&k.as_str()))
    {
        return bad("unknown parameter");
    }
    if let Some(d) = params.get("SessionDuration") {
        match d.parse::<u32>() {
            Ok(n) if (900..=43_200).contains(&n) => {}
            _ => return bad("SessionDuration"),
        }
    }
    let session: Value = match params.get("Session").map(|s| serde_json::from_str(s)) {
        Some(Ok(v)) => v,
        _ => return bad("Session"),
    };
    let Some(fields) = session.as_object() else {
        return bad("Session");
    };
    let mut keys: Vec<&str> = fields.keys().map(String::as_str).collect();
    keys.sort_unstable();
    if keys != ["sessionId", "sessionKey", "sessionToken"]
        || fields
            .values()
            .any(|v| v.as_str().is_none_or(str::is_empty))
    {
        return bad("Session fields");
    }
    f.calls.lock().unwrap().push(params);
    if let Some(status) = *f.fail.lock().unwrap() {
        let status = axum::http::StatusCode::from_u16(status).unwrap();
        return (status, "no").into_response();
    }
    axum::Json(json!({"SigninToken": "signin-token-0123456789abcdef"})).into_response()
}

async fn spawn() -> (TestApp, Federation, String) {
    let stub = Federation::default();
    let router = Router::new()
        .route("/federation", get(federation))
        .with_state(stub.clone());
    let endpoint = serve_on_port_0(router).await + "/federation";
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let extra = format!(
        r#"
[[clients]]
client_id = "console"
issuer = "{}"
[clients.aws]
role = "arn:aws:iam::123456789012:role/console-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
[clients.console]
enabled = true
issuer = "https://app.example.com/login"
destination = "https://console.aws.amazon.com/s3/home"
session_duration_seconds = 3600
federation_endpoint = "{endpoint}"
"#,
        issuer.issuer
    );
    let app = TestApp::spawn_custom(issuer, sts, &extra, None, &[]).await;
    (app, stub, endpoint)
}

fn body(app: &TestApp, client: &str) -> Value {
    let mut body = app.body_for(client, "auth0|console");
    body["api_type"] = json!("aws_console");
    body
}

#[tokio::test]
async fn a_console_delegation_answers_a_sign_in_url_made_from_the_role_credentials() {
    let logs = captured_logs();
    let (app, stub, endpoint) = spawn().await;
    let response = app.post_json(&body(&app, "console")).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    assert_eq!(response.headers()["cache-control"], "no-store");
    let json: Value = response.json().await.unwrap();
    assert_eq!(json.as_object().unwrap().len(), 2, "{json}");
    assert!(json["Expiration"].as_str().unwrap().ends_with('Z'));
    let url = url::Url::parse(json["SigninURL"].as_str().unwrap()).unwrap();
    assert_eq!(
        format!("{}", url.as_str().split('?').next().unwrap()),
        endpoint
    );
    let query: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    assert_eq!(
        query,
        [
            ("Action".to_owned(), "login".to_owned()),
            (
                "Issuer".to_owned(),
                "https://app.example.com/login".to_owned()
            ),
            (
                "Destination".to_owned(),
                "https://console.aws.amazon.com/s3/home".to_owned()
            ),
            (
                "SigninToken".to_owned(),
                "signin-token-0123456789abcdef".to_owned()
            ),
        ]
    );
    // The stand-in got the session STS made, and the configured duration.
    let calls = stub.calls.lock().unwrap().clone();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0]["SessionDuration"], "3600");
    let session: Value = serde_json::from_str(&calls[0]["Session"]).unwrap();
    assert!(
        session["sessionId"].as_str().unwrap().starts_with("ASIA"),
        "{session}"
    );
    assert_eq!(app.sts.last_form()["Action"], "AssumeRoleWithSAML");
    // Neither the URL's token nor the session reach the log.
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(!text.contains("signin-token-0123456789abcdef"));
    assert!(!text.contains(session["sessionKey"].as_str().unwrap()));
}

#[tokio::test]
async fn a_target_without_console_sign_in_is_refused_before_sts() {
    let (app, _, _) = spawn().await;
    let text = assert_error(
        app.post_json(&body(&app, "app")).await,
        400,
        "invalid_request",
    )
    .await;
    assert!(text.contains("[clients.console]"), "{text}");
    assert_eq!(app.sts.attempts(), 0);
}

#[tokio::test]
async fn federation_faults_are_502_or_503() {
    let (app, stub, _) = spawn().await;
    *stub.fail.lock().unwrap() = Some(400);
    assert_error(
        app.post_json(&body(&app, "console")).await,
        502,
        "server_error",
    )
    .await;
    *stub.fail.lock().unwrap() = Some(503);
    assert_error(
        app.post_json(&body(&app, "console")).await,
        503,
        "temporarily_unavailable",
    )
    .await;
}
