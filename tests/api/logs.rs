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
        // The server's own text format and panic hook, as `serve` installs them.
        delegation_server::telemetry::install_panic_hook();
        let filter = tracing_subscriber::EnvFilter::new("debug");
        delegation_server::telemetry::try_init(false, filter, false, move || writer.clone());
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

/// A rule that builds the role ARN from a claim, and throws a claim in its message when
/// asked: both reach the log (as an invalid-ARN error and a rule failure).
const ECHOING_RULE: &str = "function (user, context, callback) {
  if (user.throw_it) throw new Error('refusing ' + user.team);
  context.addonConfiguration.aws.role = 'arn:aws:iam::123456789012:role/' + user.team;
  callback(null, user, context);
}";

#[tokio::test]
async fn claim_text_with_line_breaks_or_terminal_escapes_cannot_forge_log_lines() {
    let logs = captured_logs();
    let extra = "\n[rules]\nfiles = [\"01-echo.js\"]\n";
    let app = TestApp::spawn_with_files(extra, &[("01-echo.js", ECHOING_RULE)]).await;
    let forged = "x\n2026-12-07T00:00:00.000000Z  INFO delegation status=200 FORGED-LINE\r\u{1b}[2J\u{1b}[31mred";
    for throw_it in [false, true] {
        let mut body = app.body_for("app", "auth0|forger");
        let claims = app.issuer.claims(
            "auth0|forger",
            "app",
            json!({ "team": forged, "throw_it": throw_it }),
        );
        body["id_token"] = json!(app.issuer.sign(&claims));
        let response = app.post_json(&body).await;
        assert_eq!(response.status(), 500);
    }
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    let echoed: Vec<&str> = text.lines().filter(|l| l.contains("FORGED-LINE")).collect();
    assert!(
        echoed.len() >= 2,
        "both errors were logged with the claim: {text}"
    );
    for line in &echoed {
        assert!(!line.starts_with("2026-12-07T00:00:00.000000Z"), "{line}");
        assert!(
            line.contains("x\\n2026-12-07"),
            "the newline is escaped: {line}"
        );
        assert!(
            line.contains("\\r\\u{1b}[2J"),
            "CR and ESC are escaped: {line}"
        );
    }
    assert!(
        !text.contains('\r'),
        "a raw carriage return reached the log"
    );
    assert!(
        !text.contains('\u{1b}'),
        "a raw terminal escape reached the log"
    );
}
