//! The audit log, read back from its file: one record per delegation, no secrets, the rule
//! that decided, credentials withheld when it cannot be written, and a partial record left
//! by a killed process kept apart from the next one.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::ops::{scrape, value};
use crate::test_app::{TestApp, assert_error};

#[tokio::test]
async fn every_delegation_leaves_one_audit_record_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let extra = format!("[audit]\npath = {:?}\n", path.to_str().unwrap());
    let app = TestApp::spawn_with(&extra).await;
    let body = app.body_for("app", "auth0|audited");
    let response = app
        .http
        .post(format!("{}/delegation", app.address))
        .header("x-request-id", "trace-0001")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "trace-0001");
    let issued: Value = response.json().await.unwrap();
    let mut refused = app.body_for("app", "auth0|audited");
    refused["target"] = json!("closed");
    let refusal = app.post_json(&refused).await;
    let generated = refusal.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 32, "{generated}");
    assert_eq!(refusal.status(), 401);

    // The refusal is queued without waiting; give the writer a moment.
    let mut text = String::new();
    for _ in 0..100 {
        text = std::fs::read_to_string(&path).unwrap_or_default();
        if text.lines().count() >= 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let records: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{text}");
    let ok = &records[0];
    assert_eq!(ok["request_id"], "trace-0001");
    assert_eq!(ok["outcome"], "ok");
    assert_eq!(ok["status"], 200);
    assert_eq!(ok["client"], "app");
    assert_eq!(ok["target"], "app");
    assert_eq!(ok["issuer"], app.issuer.issuer);
    assert_eq!(ok["sub"], "auth0|audited");
    assert_eq!(ok["role"], ROLE);
    assert_eq!(ok["principal"], PRINCIPAL);
    assert_eq!(ok["region"], "us-east-1");
    assert_eq!(ok["session_name"], "jane");
    assert_eq!(ok["decided_by"], "configuration");
    assert_eq!(ok["remote_addr"], "127.0.0.1");
    assert_eq!(
        ok["sts_request_id"],
        issued["ResponseMetadata"]["RequestId"]
    );
    assert!(ok["expiration"].as_str().unwrap().starts_with("20"), "{ok}");
    assert!(ok["latency_ms"].is_u64());
    assert!(ok["time"].as_str().unwrap().ends_with('Z'));
    let no = &records[1];
    assert_eq!(no["request_id"], generated);
    assert_eq!(no["outcome"], "invalid_client");
    assert_eq!(no["status"], 401);
    assert_eq!(no["role"], Value::Null);
    for secret in [
        body["id_token"].as_str().unwrap(),
        issued["Credentials"]["SecretAccessKey"].as_str().unwrap(),
        issued["Credentials"]["SessionToken"].as_str().unwrap(),
        issued["Credentials"]["AccessKeyId"].as_str().unwrap(),
        &app.sts.last_form()["SAMLAssertion"][..60],
    ] {
        assert!(!text.contains(secret), "the audit log holds a secret");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[tokio::test]
async fn a_rule_that_picks_the_role_is_named_in_the_audit_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let rule = "function (user, context, callback) { context.addonConfiguration.aws.role = 'arn:aws:iam::123456789012:role/ruled'; callback(null, user, context); }";
    let extra = format!(
        "[audit]\npath = {:?}\n[rules]\nfiles = [\"02-pick.js\"]\n",
        path.to_str().unwrap()
    );
    let app = TestApp::spawn_with_files(&extra, &[("02-pick.js", rule)]).await;
    assert_eq!(
        app.post_json(&app.body_for("app", "auth0|ruled"))
            .await
            .status(),
        200
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let record: Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(record["decided_by"], "rule:02-pick.js");
    assert_eq!(record["role"], "arn:aws:iam::123456789012:role/ruled");
}

#[tokio::test]
async fn credentials_are_withheld_when_the_audit_record_cannot_be_written() {
    // /dev/full accepts the open and fails every write, as a full disk does.
    let app = TestApp::spawn_with("[audit]\npath = \"/dev/full\"\n").await;
    let response = app.post_json(&app.body_for("app", "auth0|unaudited")).await;
    let description = assert_error(response, 503, "temporarily_unavailable").await;
    assert!(description.contains("audit"), "{description}");
    let samples = scrape(&format!("{}/metrics", app.management())).await;
    assert!(value(&samples, "audit_write_errors_total", json!({})) >= 1.0);
}

#[tokio::test]
async fn a_partial_record_left_by_a_killed_process_stays_on_its_own_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    // A whole record, then one cut off mid-write, as `kill -9` leaves the file.
    let whole = r#"{"request_id":"before","outcome":"ok","status":200}"#;
    let torn = r#"{"request_id":"torn","outcome":"o"#;
    std::fs::write(&path, format!("{whole}\n{torn}")).unwrap();
    let extra = format!("[audit]\npath = {:?}\n", path.to_str().unwrap());
    let app = TestApp::spawn_with(&extra).await;
    let response = app
        .http
        .post(format!("{}/delegation", app.address))
        .header("x-request-id", "after-restart")
        .json(&app.body_for("app", "auth0|restarted"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);

    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], whole);
    assert_eq!(lines[1], torn, "the partial record is kept as it was");
    assert!(serde_json::from_str::<Value>(lines[1]).is_err());
    let record: Value = serde_json::from_str(lines[2]).unwrap();
    assert_eq!(record["request_id"], "after-restart");
    assert_eq!(record["outcome"], "ok");
    assert!(text.ends_with('\n'));
}

#[tokio::test]
async fn a_log_that_ends_cleanly_gets_no_empty_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let whole = r#"{"request_id":"before","outcome":"ok","status":200}"#;
    std::fs::write(&path, format!("{whole}\n")).unwrap();
    let extra = format!("[audit]\npath = {:?}\n", path.to_str().unwrap());
    let app = TestApp::spawn_with(&extra).await;
    let response = app.post_json(&app.body_for("app", "auth0|again")).await;
    assert_eq!(response.status(), 200);
    let text = std::fs::read_to_string(&path).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines
            .iter()
            .all(|l| serde_json::from_str::<Value>(l).is_ok()),
        "{text}"
    );
}
