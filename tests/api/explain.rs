//! `POST /delegation/explain`: admin-only, and it tells step by step why a user gets a role
//! without signing anything or calling STS.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error};

const ADMIN_TOKEN: &str = "admin-token-0123456789-abcdefghijklmnop";

const EXPLAINED: &str = r#"
[admin]
token_file = "admin.token"

[[clients]]
client_id = "grouped"
[clients.aws]
role = "arn:aws:iam::123456789012:role/default-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
session_policy = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/${claims.nickname}"}]}'
[clients.aws.session_tags]
department = "department"

[[clients.aws.role_rules]]
claim = "groups"
contains = "admins"
role = "arn:aws:iam::123456789012:role/admin"

[[clients.aws.role_rules]]
claim = "groups"
contains = "analysts"
role = "arn:aws:iam::123456789012:role/analyst"

[rules]
files = ["01-narrow.js"]
"#;

const RULE: &str = "function (user, context, callback) {
  context.addonConfiguration.aws.role = context.addonConfiguration.aws.role + '-narrowed';
  user.awsGroup = 'narrowed';
  callback(null, user, context);
}";

async fn spawn() -> TestApp {
    TestApp::spawn_with_files(
        EXPLAINED,
        &[("01-narrow.js", RULE), ("admin.token", ADMIN_TOKEN)],
    )
    .await
}

async fn explain(app: &TestApp, body: &Value, bearer: Option<&str>) -> reqwest::Response {
    let mut req = app
        .http
        .post(format!("{}/delegation/explain", app.management()))
        .json(body);
    if let Some(token) = bearer {
        req = req.header("authorization", format!("Bearer {token}"));
    }
    req.send().await.unwrap()
}

fn body(app: &TestApp, extra: Value) -> Value {
    let mut body = app.body_for("grouped", "auth0|explained");
    let claims = app.issuer.claims("auth0|explained", "grouped", extra);
    body["id_token"] = json!(app.issuer.sign(&claims));
    body
}

#[tokio::test]
async fn explain_is_off_without_an_admin_token_and_refuses_wrong_ones() {
    let plain = TestApp::spawn().await;
    let response = explain(&plain, &plain.body_for("app", "auth0|x"), Some(ADMIN_TOKEN)).await;
    assert_eq!(response.status(), 404);

    let app = spawn().await;
    let request = body(&app, json!({}));
    for bearer in [
        None,
        Some("wrong-token"),
        Some(&ADMIN_TOKEN[..ADMIN_TOKEN.len() - 1]),
    ] {
        let response = explain(&app, &request, bearer).await;
        assert_eq!(response.headers()["www-authenticate"], "Bearer");
        assert_error(response, 401, "invalid_token").await;
    }
}

#[tokio::test]
async fn explain_shows_every_step_and_neither_signs_nor_calls_sts() {
    let app = spawn().await;
    let request = body(
        &app,
        json!({"groups": ["staff", "analysts"], "department": "Finance"}),
    );
    let response = explain(&app, &request, Some(ADMIN_TOKEN)).await;
    assert_eq!(response.status(), 200);
    let text = response.text().await.unwrap();
    assert!(
        !text.contains(request["id_token"].as_str().unwrap()),
        "the id_token is echoed"
    );
    let report: Value = serde_json::from_str(&text).unwrap();

    assert_eq!(report["outcome"], "ok", "{report:#}");
    assert_eq!(report["token"]["kid"], "test-key-1");
    assert_eq!(report["token"]["alg"], "RS256");
    let checks = report["token"]["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c["result"] == "ok"), "{checks:?}");
    assert_eq!(report["role_rules"][0]["matched"], false);
    assert_eq!(report["role_rules"][1]["matched"], true);
    assert_eq!(report["starting_role"]["chosen_by"], "role_rules[1]");
    assert_eq!(
        report["starting_role"]["role"],
        "arn:aws:iam::123456789012:role/analyst"
    );
    assert_eq!(report["rules"][0]["rule"], "01-narrow.js");
    assert_eq!(report["rules"][0]["changed_aws"], json!(["role"]));
    assert_eq!(report["rules"][0]["changed_user"], json!(["awsGroup"]));
    let result = &report["result"];
    assert_eq!(
        result["role"],
        "arn:aws:iam::123456789012:role/analyst-narrowed"
    );
    assert_eq!(result["decided_by"], "rule:01-narrow.js");
    assert_eq!(result["tags"]["department"], "Finance");
    assert_eq!(
        result["policy"]["Statement"][0]["Resource"],
        "arn:aws:s3:::b/jane"
    );
    assert_eq!(result["name_id"], "auth0|explained");
    let role_attribute = &result["saml_attributes"]["https://aws.amazon.com/SAML/Attributes/Role"];
    assert_eq!(
        role_attribute[0],
        format!("arn:aws:iam::123456789012:role/analyst-narrowed,{PRINCIPAL}")
    );
    assert_eq!(app.sts.attempts(), 0, "explain called STS");
}

#[tokio::test]
async fn explain_names_the_failed_token_check_and_what_was_not_reached() {
    let app = spawn().await;
    let request = body(&app, json!({"exp": 1}));
    let report: Value = explain(&app, &request, Some(ADMIN_TOKEN))
        .await
        .json()
        .await
        .unwrap();
    let checks = report["token"]["checks"].as_array().unwrap();
    let state = |name: &str| checks.iter().find(|c| c["check"] == name).unwrap()["result"].clone();
    assert_eq!(state("signature"), "ok");
    assert_eq!(state("expiry"), "failed");
    assert_eq!(state("audience"), "not reached");
    assert_eq!(report["outcome"]["error"], "invalid_grant");

    let refused = body(&app, json!({"groups": ["nobody"]}));
    let report: Value = explain(&app, &refused, Some(ADMIN_TOKEN))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(report["role_rules"][0]["matched"], false);
    assert_eq!(report["role_rules"][1]["matched"], false);
    assert_eq!(report["outcome"]["error"], "unauthorized");
}

#[tokio::test]
async fn explain_and_metrics_are_served_only_on_the_management_listener() {
    let app = spawn().await;
    let request = body(&app, json!({}));
    let public = app
        .http
        .post(format!("{}/delegation/explain", app.address))
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .json(&request)
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404, "explain on the public port");
    assert_eq!(
        app.get("/metrics").await.status(),
        404,
        "metrics on the public port"
    );
    assert_eq!(
        explain(&app, &request, Some(ADMIN_TOKEN)).await.status(),
        200
    );
    assert!(app.metrics_text().await.contains("build_info"));
}

#[tokio::test]
async fn explain_calls_are_audited_counted_and_wrong_tokens_throttled_per_address() {
    let extra = EXPLAINED.to_owned() + "\n[audit]\npath = \"audit.jsonl\"\n";
    let files = [("01-narrow.js", RULE), ("admin.token", ADMIN_TOKEN)];
    let app = TestApp::spawn_with_files(&extra, &files).await;
    let request = body(&app, json!({}));
    assert_eq!(
        explain(&app, &request, Some(ADMIN_TOKEN)).await.status(),
        200
    );
    for _ in 0..5 {
        let response = explain(&app, &request, Some("a-guess")).await;
        assert_error(response, 401, "invalid_token").await;
    }
    // The sixth wrong try, and even the right token from the same address, is refused
    // unheard for the rest of the window.
    for bearer in ["a-guess", ADMIN_TOKEN] {
        let response = explain(&app, &request, Some(bearer)).await;
        assert!(response.headers().contains_key("retry-after"));
        assert_error(response, 429, "too_many_requests").await;
    }
    let metrics = app.metrics_text().await;
    for (result, count) in [("ok", 1), ("refused", 5), ("throttled", 2)] {
        let line = format!("explain_requests_total{{result=\"{result}\"}} {count}");
        assert!(metrics.contains(&line), "{line}\n{metrics}");
    }
    let path = app.config_path.parent().unwrap().join("audit.jsonl");
    let mut records = Vec::new();
    for _ in 0..50 {
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        records = text
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|r| r["endpoint"] == "explain")
            .collect();
        if records.len() == 8 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let statuses: Vec<u64> = records
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, [200, 401, 401, 401, 401, 401, 429, 429]);
    assert!(records.iter().all(|r| r["remote_addr"] == "127.0.0.1"));
    assert!(
        !std::fs::read_to_string(&path)
            .unwrap()
            .contains(ADMIN_TOKEN)
    );
}
