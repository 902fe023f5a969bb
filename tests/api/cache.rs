//! The credential cache end to end: moto's STS behind the recording front, which counts
//! every call the server makes.

use serde_json::{Value, json};

use crate::helpers::*;
use crate::ops::{scrape, value};
use crate::test_app::{TestApp, assert_error};

const CACHE: &str = r#"
[cache]
enabled = true

[limits]
per_user_per_minute = 0

[[clients]]
client_id = "tagged"
issuer = "{issuer}"
[clients.aws]
role = "arn:aws:iam::123456789012:role/tagged-role"
principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider"
[clients.aws.session_tags]
department = "department"
"#;

async fn cached_app() -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let extra = CACHE.replace("{issuer}", &issuer.issuer);
    TestApp::spawn_custom(issuer, sts, &extra, None, &[]).await
}

/// The credentials of a successful delegation.
async fn credentials(app: &TestApp, body: &Value) -> Value {
    let response = app.post_json(body).await;
    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.unwrap();
    json["Credentials"].clone()
}

fn body_with_claims(app: &TestApp, client: &str, sub: &str, extra: Value) -> Value {
    let token = app.issuer.sign(&app.issuer.claims(sub, client, extra));
    json!({
        "client_id": client,
        "grant_type": JWT_BEARER,
        "id_token": token,
        "target": client,
        "api_type": "aws",
    })
}

#[tokio::test]
async fn a_repeated_delegation_is_served_from_the_cache() {
    let app = cached_app().await;
    let first = credentials(&app, &app.body_for("app", "auth0|cached")).await;
    // A fresh token for the same user and the same everything: the same credentials.
    let second = credentials(&app, &app.body_for("app", "auth0|cached")).await;
    assert_eq!(
        app.sts.attempts(),
        1,
        "the second delegation must not call STS"
    );
    assert_eq!(first, second);
    assert!(first["AccessKeyId"].as_str().unwrap().starts_with("ASIA"));
    let samples = scrape(&format!("{}/metrics", app.management())).await;
    let hits = value(
        &samples,
        "credential_cache_hits_total",
        json!({"kind": "hit"}),
    );
    assert_eq!(hits, 1.0);
    assert_eq!(
        value(&samples, "credential_cache_misses_total", json!({})),
        1.0
    );
}

#[tokio::test]
async fn a_disabled_cache_calls_sts_every_time() {
    let app = TestApp::spawn().await;
    let first = credentials(&app, &app.body_for("app", "auth0|uncached")).await;
    let second = credentials(&app, &app.body_for("app", "auth0|uncached")).await;
    assert_eq!(app.sts.attempts(), 2);
    assert_ne!(first["AccessKeyId"], second["AccessKeyId"]);
}

#[tokio::test]
async fn different_users_claims_roles_and_tags_never_share_an_entry() {
    let app = cached_app().await;
    let role = "arn:aws:iam::123456789012:role/chosen-role";
    let principal = "arn:aws:iam::123456789012:saml-provider/auth0-provider";
    let mut chosen = app.body_for("reports", "auth0|a");
    chosen["role"] = json!(role);
    chosen["principal"] = json!(principal);
    let bodies = [
        app.body_for("app", "auth0|a"),
        app.body_for("app", "auth0|b"),
        body_with_claims(&app, "app", "auth0|a", json!({"name": "Ann"})),
        body_with_claims(&app, "app", "auth0|a", json!({"name": "Zed"})),
        app.body_for("reports", "auth0|a"),
        chosen,
        body_with_claims(&app, "tagged", "auth0|a", json!({"department": "sales"})),
        body_with_claims(&app, "tagged", "auth0|a", json!({"department": "legal"})),
    ];
    let mut keys = Vec::new();
    for body in &bodies {
        let creds = credentials(&app, body).await;
        keys.push(creds["AccessKeyId"].as_str().unwrap().to_owned());
    }
    assert_eq!(app.sts.attempts(), bodies.len());
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "two requests shared credentials");
    // And each of them is now cached.
    for (body, key) in bodies.iter().zip(&keys) {
        assert_eq!(credentials(&app, body).await["AccessKeyId"], json!(key));
    }
    assert_eq!(app.sts.attempts(), bodies.len());
    // A claim that reaches neither the assertion nor the call shapes nothing: shared.
    let email = body_with_claims(&app, "app", "auth0|a", json!({"email": "a@example.com"}));
    assert_eq!(
        credentials(&app, &email).await["AccessKeyId"],
        json!(keys[0])
    );
    assert_eq!(app.sts.attempts(), bodies.len());
}

#[tokio::test]
async fn fifty_concurrent_identical_requests_make_one_sts_call() {
    let app = cached_app().await;
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let body = app.body_for("app", "auth0|crowd");
            let (http, url) = (app.http.clone(), format!("{}/delegation", app.address));
            tokio::spawn(async move {
                let response = http.post(url).json(&body).send().await.unwrap();
                assert_eq!(response.status(), 200);
                response.json::<Value>().await.unwrap()["Credentials"]["AccessKeyId"].clone()
            })
        })
        .collect();
    let mut keys = Vec::new();
    for task in tasks {
        keys.push(task.await.unwrap());
    }
    assert_eq!(app.sts.attempts(), 1);
    assert!(keys.iter().all(|k| *k == keys[0]));
}

#[tokio::test]
async fn credentials_shorter_than_min_remaining_are_not_kept() {
    // STS's own Expiration decides: no session lasts 12 hours beyond min_remaining.
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let extra = CACHE.replace("{issuer}", &issuer.issuer).replace(
        "enabled = true",
        "enabled = true\nmin_remaining_seconds = 43200",
    );
    let app = TestApp::spawn_custom(issuer, sts, &extra, None, &[]).await;
    let first = credentials(&app, &app.body_for("app", "auth0|short")).await;
    let second = credentials(&app, &app.body_for("app", "auth0|short")).await;
    assert_eq!(app.sts.attempts(), 2);
    assert_ne!(first["AccessKeyId"], second["AccessKeyId"]);
}

#[tokio::test]
async fn access_denied_is_kept_briefly_then_asked_again() {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let extra = CACHE
        .replace("{issuer}", &issuer.issuer)
        .replace("enabled = true", "enabled = true\nnegative_ttl_seconds = 1");
    let app = TestApp::spawn_custom(issuer, sts, &extra, None, &[]).await;
    let denied = r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <Error><Type>Sender</Type><Code>AccessDenied</Code><Message>Not authorized</Message></Error>
  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ErrorResponse>"#;
    app.sts.set_mode(StsMode::Reply(403, denied.into()));
    for _ in 0..3 {
        let response = app.post_json(&app.body_for("app", "auth0|denied")).await;
        assert_error(response, 403, "access_denied").await;
    }
    assert_eq!(app.sts.attempts(), 1, "the refusal was asked again at once");
    // Once the negative entry lapses and the role is fixed, credentials come.
    app.sts.set_mode(StsMode::Forward);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    credentials(&app, &app.body_for("app", "auth0|denied")).await;
    assert_eq!(app.sts.attempts(), 2);
}
