//! Hostile input against the real server, as tables: each case states the status and
//! error code it must get. After each table the server must still be healthy, and no
//! token, assertion, credential or secret used may appear in any log line.

mod bodies;
mod claims;
mod tokens;

use serde_json::Value;

use crate::logs::captured_logs;
use crate::test_app::TestApp;

/// What one case sends.
pub enum Send {
    /// A JSON body with `Content-Type: application/json`.
    Json(Value),
    /// Raw bytes with this content type (or none).
    Bytes(Option<&'static str>, Vec<u8>),
    /// A whole HTTP exchange written to a raw socket, read until the server closes it.
    Wire(Vec<u8>),
}

/// One hostile input and the answer it must get (`code` `None`: no JSON error body).
pub struct Case {
    pub name: String,
    pub send: Send,
    pub status: u16,
    pub code: Option<&'static str>,
}

impl Case {
    pub fn new(
        name: impl Into<String>,
        send: Send,
        status: u16,
        code: Option<&'static str>,
    ) -> Self {
        Self {
            name: name.into(),
            send,
            status,
            code,
        }
    }
}

/// Sends every case, collects every mismatch, then checks health and the log.
pub async fn run_table(app: &TestApp, cases: Vec<Case>, secrets: &[String]) {
    let logs = captured_logs();
    assert!(cases.len() >= 20, "a table holds at least 20 cases");
    let mut failures = Vec::new();
    for case in &cases {
        let (status, body) = send(app, &case.send).await;
        let code = serde_json::from_str::<Value>(&body)
            .ok()
            .and_then(|v| v["error"].as_str().map(str::to_owned));
        if status != case.status || code.as_deref() != case.code {
            failures.push(format!(
                "{}: expected {} {:?}, got {status} {code:?} ({})",
                case.name,
                case.status,
                case.code,
                excerpt(&body)
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    let health = app.get("/healthz").await;
    assert_eq!(
        health.status(),
        200,
        "the server is unhealthy after the table"
    );
    let text = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    for secret in secrets {
        assert!(
            !text.contains(secret.as_str()),
            "a log line holds a secret the table used"
        );
    }
}

fn excerpt(text: &str) -> String {
    text.chars().take(160).collect()
}

async fn send(app: &TestApp, send: &Send) -> (u16, String) {
    let url = format!("{}/delegation", app.address);
    let request = match send {
        Send::Json(body) => app
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(body.to_string()),
        Send::Bytes(content_type, bytes) => {
            let request = app.http.post(&url).body(bytes.clone());
            match content_type {
                Some(ct) => request.header("content-type", *ct),
                None => request,
            }
        }
        Send::Wire(bytes) => return crate::wire::exchange(app, bytes, false).await,
    };
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}
