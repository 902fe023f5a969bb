//! The conformance suite of the credential backends (src/backend/): every registered
//! backend goes through the same cases against moto's STS behind the recording front —
//! credentials through its own STS action, every class of STS error mapped alike, the
//! request deadline, cache hits and misses, explain's report, and nothing it signs or
//! receives in the log. A new backend adds one row to `BACKENDS`.

use delegation_server::backend::REGISTERED;
use delegation_server::issuer::generate_rsa_key;
use serde_json::Value;

use crate::helpers::*;
use crate::logs::captured_logs;
use crate::own_issuer::URL;
use crate::test_app::{TestApp, assert_error};

const ADMIN_TOKEN: &str = "admin-token-0123456789-abcdefghijklmnop";

/// How each backend shows in the configuration, at STS and in explain.
struct Backend {
    name: &'static str,
    /// The client of the test configuration whose target uses it.
    client: &'static str,
    action: &'static str,
    /// The form field carrying what the backend signed.
    signed_field: &'static str,
    /// The part of explain's `result` that shows what would be signed.
    explained: &'static str,
}

const BACKENDS: [Backend; 2] = [
    Backend {
        name: "saml",
        client: "app",
        action: "AssumeRoleWithSAML",
        signed_field: "SAMLAssertion",
        explained: "saml_attributes",
    },
    Backend {
        name: "web_identity",
        client: "web",
        action: "AssumeRoleWithWebIdentity",
        signed_field: "WebIdentityToken",
        explained: "token_claims",
    },
];

#[test]
fn every_registered_backend_is_in_the_suite() {
    let mut registered: Vec<&str> = REGISTERED.iter().map(|b| b.name()).collect();
    let mut tested: Vec<&str> = BACKENDS.iter().map(|b| b.name).collect();
    registered.sort_unstable();
    tested.sort_unstable();
    assert_eq!(registered, tested);
}

/// One server with the cache on, explain enabled, and a client for each backend.
async fn spawn() -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let key = generate_rsa_key().unwrap();
    let extra = format!(
        r#"
[cache]
enabled = true

[admin]
token_file = "admin.token"

[oidc_provider]
url = "{URL}"
signing_key = "oidc.key"

[[clients]]
client_id = "web"
issuer = "{}"
[clients.aws]
backend = "web_identity"
role = "arn:aws:iam::123456789012:role/web-role"
"#,
        issuer.issuer
    );
    let files = [("oidc.key", key.as_str()), ("admin.token", ADMIN_TOKEN)];
    TestApp::spawn_custom(issuer, sts, &extra, None, &files).await
}

fn body(app: &TestApp, backend: &Backend, sub: &str) -> Value {
    app.body_for(backend.client, sub)
}

#[tokio::test]
async fn each_backend_issues_credentials_through_its_action_and_the_cache() {
    let app = spawn().await;
    for backend in &BACKENDS {
        let before = app.sts.attempts();
        let request = body(&app, backend, &format!("auth0|{}-1", backend.name));
        let response = app.post_json(&request).await;
        assert_eq!(response.status(), 200, "{}", backend.name);
        let json: Value = response.json().await.unwrap();
        assert!(json["Credentials"]["AccessKeyId"].is_string(), "{json}");
        let form = app.sts.last_form();
        assert_eq!(form["Action"], backend.action);
        assert!(form.contains_key(backend.signed_field), "{}", backend.name);
        assert_eq!(app.sts.attempts(), before + 1);

        // The same user again: a hit, with the same credentials and no STS call.
        let again: Value = app.post_json(&request).await.json().await.unwrap();
        assert_eq!(
            again["Credentials"], json["Credentials"],
            "{}",
            backend.name
        );
        assert_eq!(
            app.sts.attempts(),
            before + 1,
            "{}: a hit called STS",
            backend.name
        );

        // Another user misses.
        let other = body(&app, backend, &format!("auth0|{}-2", backend.name));
        assert_eq!(app.post_json(&other).await.status(), 200);
        assert_eq!(
            app.sts.attempts(),
            before + 2,
            "{}: users shared an entry",
            backend.name
        );
    }
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains("credential_cache_hits_total{kind=\"hit\"} 2"),
        "{metrics}"
    );
}

fn aws_error(code: &str) -> String {
    format!(
        "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type>\
         <Code>{code}</Code><Message>m</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    )
}

#[tokio::test]
async fn each_backend_maps_every_class_of_sts_error_alike() {
    let app = spawn().await;
    // (STS status, reply, status and code the client gets)
    let faults = [
        (403, aws_error("AccessDenied"), 403, "access_denied"),
        (400, aws_error("IDPRejectedClaim"), 403, "access_denied"),
        (400, aws_error("InvalidIdentityToken"), 502, "server_error"),
        (400, aws_error("ExpiredTokenException"), 502, "server_error"),
        (400, aws_error("ValidationError"), 502, "server_error"),
        (
            400,
            aws_error("PackedPolicyTooLarge"),
            400,
            "invalid_request",
        ),
        (400, aws_error("Throttling"), 503, "temporarily_unavailable"),
        (
            503,
            aws_error("ServiceUnavailable"),
            503,
            "temporarily_unavailable",
        ),
        (500, "oops".to_owned(), 503, "temporarily_unavailable"),
        (200, "<not-sts/>".to_owned(), 502, "server_error"),
    ];
    for backend in &BACKENDS {
        for (i, (sts_status, reply, status, code)) in faults.iter().enumerate() {
            app.sts.set_mode(StsMode::Reply(*sts_status, reply.clone()));
            // A user per case: refusals are kept for a few seconds.
            let request = body(&app, backend, &format!("auth0|{}-fault-{i}", backend.name));
            let description = assert_error(app.post_json(&request).await, *status, code).await;
            assert_eq!(app.sts.last_form()["Action"], backend.action);
            assert!(!description.is_empty(), "{}: case {i}", backend.name);
        }
    }
    app.sts.set_mode(StsMode::Forward);
}

#[tokio::test]
async fn each_backend_answers_within_the_deadline_when_sts_hangs() {
    let app = spawn().await;
    app.sts.set_mode(StsMode::Hang);
    for backend in &BACKENDS {
        let started = std::time::Instant::now();
        let request = body(&app, backend, &format!("auth0|{}-hang", backend.name));
        assert_error(
            app.post_json(&request).await,
            503,
            "temporarily_unavailable",
        )
        .await;
        // `server.request_timeout_ms` is 4 s in the test configuration.
        assert!(
            started.elapsed() < std::time::Duration::from_secs(6),
            "{}",
            backend.name
        );
        assert_eq!(app.sts.last_form()["Action"], backend.action);
    }
    app.sts.set_mode(StsMode::Forward);
}

#[tokio::test]
async fn each_backend_is_explained_without_signing_or_calling_sts() {
    let app = spawn().await;
    for backend in &BACKENDS {
        let request = body(&app, backend, &format!("auth0|{}-explained", backend.name));
        let report: Value = app
            .http
            .post(format!("{}/delegation/explain", app.management()))
            .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
            .json(&request)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(report["outcome"], "ok", "{report:#}");
        let result = &report["result"];
        assert_eq!(result["backend"], backend.name);
        assert_eq!(
            result["name_id"],
            format!("auth0|{}-explained", backend.name)
        );
        assert!(result[backend.explained].is_object(), "{report:#}");
        let checks = report["token"]["checks"].as_array().unwrap();
        assert!(checks.iter().all(|c| c["result"] == "ok"), "{checks:?}");
    }
    assert_eq!(app.sts.attempts(), 0, "explain called STS");
}

#[tokio::test]
async fn no_backend_logs_what_it_signed_or_the_credentials() {
    let logs = captured_logs();
    let app = spawn().await;
    for backend in &BACKENDS {
        let request = body(&app, backend, &format!("auth0|{}-logged", backend.name));
        let json: Value = app.post_json(&request).await.json().await.unwrap();
        let form = app.sts.last_form();
        let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
        assert!(
            text.contains(&format!("auth0|{}-logged", backend.name)),
            "the request was not logged at all"
        );
        let secrets = [
            request["id_token"].as_str().unwrap(),
            form[backend.signed_field].as_str(),
            json["Credentials"]["SecretAccessKey"].as_str().unwrap(),
            json["Credentials"]["SessionToken"].as_str().unwrap(),
        ];
        for (i, secret) in secrets.iter().enumerate() {
            // Any long enough piece of it would do: look for a middle slice.
            let middle = &secret[secret.len() / 3..secret.len() / 3 + 24];
            assert!(
                !text.contains(middle),
                "{}: secret {i} in the log",
                backend.name
            );
        }
    }
}
