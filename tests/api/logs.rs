//! What the server logs: one line per request with the outcome, and no secrets at all.

use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Value, json};

use crate::helpers::*;
use crate::test_app::TestApp;

#[derive(Clone)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Routes every log line of this test binary, at debug level, into one buffer.
pub fn captured_logs() -> Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Buffer(buffer.clone());
        tracing_subscriber::fmt()
            .with_env_filter("debug")
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .init();
        buffer
    })
    .clone()
}

#[tokio::test]
async fn logs_carry_each_outcome_but_never_tokens_assertions_or_credentials() {
    let logs = captured_logs();
    let app = TestApp::spawn().await;
    let body = app.body_for("app", "auth0|log-check");
    let token = body["id_token"].as_str().unwrap().to_owned();

    let ok: Value = app.post_json(&body).await.json().await.unwrap();
    let mut expired = body.clone();
    let claims = app
        .issuer
        .claims("auth0|log-check", "app", json!({ "exp": 1 }));
    expired["id_token"] = json!(app.issuer.sign(&claims));
    let refused = app.post_json(&expired).await;
    assert_eq!(refused.status(), 401);

    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("auth0|log-check"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("issued") && l.contains("auth0-role")),
        "{text}"
    );
    // The refused token's subject is unverified, so it is not logged; the reason is.
    let refusal = "outcome=\"invalid_grant\" reason=\"id_token has expired";
    assert!(text.contains(refusal), "{text}");
    let assertion = app.sts.last_form()["SAMLAssertion"].clone();
    let signature = token.rsplit('.').next().unwrap().to_owned();
    let secrets = [
        ("id_token", token.as_str()),
        ("id_token signature", signature.as_str()),
        ("SAML assertion", &assertion[..60]),
        (
            "secret key",
            ok["Credentials"]["SecretAccessKey"].as_str().unwrap(),
        ),
        (
            "session token",
            ok["Credentials"]["SessionToken"].as_str().unwrap(),
        ),
        ("client secret", HS_SECRET),
    ];
    for (what, secret) in secrets {
        assert!(!text.contains(secret), "the log holds the {what}");
    }
}
