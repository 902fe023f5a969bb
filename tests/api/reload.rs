//! Live reload: requests keep flowing across reloads, a broken file keeps the running
//! settings, and what a good reload brings is used by the very next request.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use serde_json::Value;

use crate::test_app::TestApp;

const NEWCOMER: &str = r#"
[[clients]]
client_id = "newcomer"
[clients.aws]
role = "arn:aws:iam::123456789012:role/newcomer-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
"#;

const RULE: &str = "function (user, context, callback) {
  if (context.clientID === 'app') context.addonConfiguration.aws.role = 'arn:aws:iam::123456789012:role/reloaded-role';
  callback(null, user, context);
}";

async fn role_for(app: &TestApp, client: &str, sub: &str) -> Result<String, String> {
    let response = app.post_json(&app.body_for(client, sub)).await;
    let status = response.status();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    if status != 200 {
        return Err(format!("{status}: {body}"));
    }
    Ok(body["AssumedRoleUser"]["Arn"]
        .as_str()
        .unwrap_or("")
        .to_owned())
}

#[tokio::test]
async fn reloads_under_load_drop_no_request_and_take_effect_at_once() {
    let app = Arc::new(TestApp::spawn_with("[limits]\nper_user_per_minute = 0\n").await);
    let original = std::fs::read_to_string(&app.config_path).unwrap();
    let rule_path = app.config_path.with_file_name("01-reloaded.js");
    std::fs::write(&rule_path, RULE).unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let (served, failed) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut loops = Vec::new();
    for worker in 0..4 {
        let (app, stop) = (Arc::clone(&app), Arc::clone(&stop));
        let (served, failed) = (Arc::clone(&served), Arc::clone(&failed));
        loops.push(tokio::spawn(async move {
            let mut i = 0;
            while !stop.load(Ordering::Relaxed) {
                i += 1;
                match role_for(&app, "app", &format!("auth0|loop-{worker}-{i}")).await {
                    Ok(_) => served.fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        eprintln!("a request failed during reloads: {e}");
                        failed.fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }));
    }
    let wait_for_traffic = |n: usize| {
        let served = Arc::clone(&served);
        async move {
            while served.load(Ordering::Relaxed) < n {
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
        }
    };
    wait_for_traffic(5).await;

    // A new client: usable by the first request after the reload.
    let before = role_for(&app, "newcomer", "auth0|n0").await.unwrap_err();
    assert!(before.starts_with("401"), "{before}");
    std::fs::write(&app.config_path, original.clone() + NEWCOMER).unwrap();
    app.server.reload().expect("a good file reloads");
    let arn = role_for(&app, "newcomer", "auth0|n1")
        .await
        .expect("the new client works");
    assert!(arn.contains("assumed-role/newcomer-role/"), "{arn}");
    wait_for_traffic(served.load(Ordering::Relaxed) + 5).await;

    // A broken file: the reload fails and the running settings stay.
    std::fs::write(
        &app.config_path,
        original.clone() + NEWCOMER + "\n[[clients]]\nclient_id = 7\n",
    )
    .unwrap();
    assert!(app.server.reload().is_err());
    role_for(&app, "newcomer", "auth0|n2")
        .await
        .expect("still served after a failed reload");
    wait_for_traffic(served.load(Ordering::Relaxed) + 5).await;

    // A new rule: the next request runs it.
    let with_rule = original.clone() + NEWCOMER + "\n[rules]\nfiles = [\"01-reloaded.js\"]\n";
    std::fs::write(&app.config_path, with_rule).unwrap();
    app.server.reload().expect("reloads with the rule");
    let arn = role_for(&app, "app", "auth0|r1").await.unwrap();
    assert!(arn.contains("assumed-role/reloaded-role/"), "{arn}");
    wait_for_traffic(served.load(Ordering::Relaxed) + 5).await;

    stop.store(true, Ordering::Relaxed);
    for handle in loops {
        handle.await.unwrap();
    }
    assert_eq!(
        failed.load(Ordering::Relaxed),
        0,
        "requests failed across reloads"
    );
    assert!(served.load(Ordering::Relaxed) >= 20);
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains("config_reloads_total{result=\"ok\"} 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("config_reloads_total{result=\"error\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_tag_key_with_multi_byte_characters_reloads_and_is_used() {
    // `abcé` once panicked the tag-key check, which killed the reload task for good.
    let app = TestApp::spawn().await;
    let tagged = "\n[[clients]]\nclient_id = \"tagged\"\n[clients.aws]\nrole = \"arn:aws:iam::123456789012:role/auth0-role\"\nprincipal = \"arn:aws:iam::123456789012:saml-provider/auth0-provider\"\n[clients.aws.session_tags]\n\"abcé\" = \"department\"\n";
    let config = std::fs::read_to_string(&app.config_path).unwrap();
    std::fs::write(&app.config_path, config.clone() + tagged).unwrap();
    app.server.reload().expect("reloads");
    let mut body = app.body_for("tagged", "auth0|tagged");
    let claims = app.issuer.claims(
        "auth0|tagged",
        "tagged",
        serde_json::json!({"department": "Finance"}),
    );
    body["id_token"] = serde_json::json!(app.issuer.sign(&claims));
    assert_eq!(app.post_json(&body).await.status(), 200);
    let sp = app.verified_response();
    assert_eq!(
        sp["attributes"]["https://aws.amazon.com/SAML/Attributes/PrincipalTag:abcé"],
        serde_json::json!(["Finance"])
    );
    // And a later reload still works.
    std::fs::write(&app.config_path, config).unwrap();
    app.server.reload().expect("reloads again");
    let metrics = app.metrics_text().await;
    assert!(
        metrics.contains("config_reloads_total{result=\"ok\"} 2"),
        "{metrics}"
    );
}
