//! Shared state in a real Redis: two server processes (this test's in-process server and
//! the binary as a replica) share the per-user limit and the credential cache; Redis killed
//! mid-test gives the documented answers, and both recover when it returns. Behind Redis
//! Sentinel ([`sentinel`]), the same through failovers ([`sentinel_failover`],
//! [`sentinel_cache`]).

mod sentinel;
mod sentinel_cache;
mod sentinel_failover;
pub mod sentinels;
mod stale_lock;
pub mod support;

use std::time::Duration;

use serde_json::Value;

use crate::helpers::*;
use crate::ops::{scrape, value};
use crate::test_app::{TestApp, assert_error};
use support::{Redis, Replica, eventually};

const STATE_KEY: &str = "8d3c5e7f9a1b2c4d6e8f0a1b3c5d7e9f1a2b4c6d8e0f1a3b5c7d9e1f2a4b6c8d";

async fn app_with(redis: &Redis, sections: &str) -> TestApp {
    app_with_state(redis, sections, "").await
}

/// `sections` come before `[state]`; `state_keys` go into it.
pub(crate) async fn app_with_state(redis: &Redis, sections: &str, state_keys: &str) -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let extra = format!(
        "{sections}\n[state]\nredis_url = \"{}\"\nencryption_key_file = \"state.key\"\n{state_keys}\n",
        redis.url()
    );
    TestApp::spawn_custom(issuer, sts, &extra, None, &[("state.key", STATE_KEY)]).await
}

/// One Redis, this test's server with `sections`, and the binary as a second replica.
async fn two_processes(sections: &str) -> (Redis, TestApp, Replica) {
    let redis = Redis::start().await;
    let app = app_with(&redis, sections).await;
    let replica = Replica::start(&app).await;
    (redis, app, replica)
}

async fn post_to(address: &str, body: &Value) -> reqwest::Response {
    reqwest::Client::new()
        .post(format!("{address}/delegation"))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn access_key(response: reqwest::Response) -> String {
    assert_eq!(response.status(), 200);
    let json: Value = response.json().await.unwrap();
    json["Credentials"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_per_user_limit_holds_across_two_server_processes() {
    let (redis, app, replica) =
        two_processes("[limits]\nper_user_per_minute = 1\nper_user_burst = 3\n").await;
    let body = app.body_for("app", "auth0|limited");
    assert_eq!(app.post_json(&body).await.status(), 200);
    assert_eq!(post_to(&replica.address, &body).await.status(), 200);
    assert_eq!(app.post_json(&body).await.status(), 200);
    // The burst of 3 is spent, counted across both processes.
    let refused = post_to(&replica.address, &body).await;
    let retry_after: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&retry_after), "{retry_after}");
    assert_error(refused, 429, "too_many_requests").await;
    assert_error(app.post_json(&body).await, 429, "too_many_requests").await;
    // Another user has an allowance of their own.
    let other = app.body_for("app", "auth0|other");
    assert_eq!(post_to(&replica.address, &other).await.status(), 200);
    // Redis holds keyed hashes only: no user id in any key, and not the plain SHA-256
    // of issuer and `sub` that anyone could compute for a guessed user.
    let keys = redis.keys();
    assert_eq!(keys.len(), 2, "{keys:?}");
    for key in &keys {
        assert!(key.starts_with("delegation:rate:"), "{key}");
        assert!(!key.contains("auth0") && !key.contains("limited"), "{key}");
    }
    for sub in ["auth0|limited", "auth0|other"] {
        let plain = aws_lc_rs::digest::digest(
            &aws_lc_rs::digest::SHA256,
            format!("{}\n{sub}", app.issuer.issuer).as_bytes(),
        );
        let hex: String = plain.as_ref().iter().map(|b| format!("{b:02x}")).collect();
        assert!(
            !keys.iter().any(|k| k.ends_with(&hex)),
            "unkeyed hash of {sub}"
        );
    }
}

#[tokio::test]
async fn the_shared_allowance_refills_at_the_configured_rate() {
    let redis = Redis::start().await;
    // One request a second, no burst beyond one.
    let app = app_with(
        &redis,
        "[limits]\nper_user_per_minute = 60\nper_user_burst = 1\n",
    )
    .await;
    let body = app.body_for("app", "auth0|refill");
    assert_eq!(app.post_json(&body).await.status(), 200);
    let refused = app.post_json(&body).await;
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_error(refused, 429, "too_many_requests").await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(app.post_json(&body).await.status(), 200);
}

#[tokio::test]
async fn a_credential_cached_by_one_process_is_served_by_the_other() {
    let (redis, app, replica) =
        two_processes("[cache]\nenabled = true\n[limits]\nper_user_per_minute = 0\n").await;
    let body = app.body_for("app", "auth0|shared");
    let first = access_key(app.post_json(&body).await).await;
    assert_eq!(app.sts.attempts(), 1);
    let second = access_key(post_to(&replica.address, &body).await).await;
    assert_eq!(second, first);
    assert_eq!(app.sts.attempts(), 1, "the replica called STS");
    let samples = scrape(&format!("{}/metrics", replica.management)).await;
    let hits = value(
        &samples,
        "credential_cache_hits_total",
        serde_json::json!({"kind": "stored"}),
    );
    assert_eq!(hits, 1.0);
    // The entry is sealed: neither the secret nor the access key id is readable in Redis.
    let keys = redis.keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].starts_with("delegation:cred:") && keys[0].len() == 16 + 64,
        "{keys:?}"
    );
    let stored = redis.command(&["GET", &keys[0]]).unwrap();
    assert!(
        !stored.contains(&first) && !stored.contains("Secret"),
        "stored in clear"
    );
    let ttl: i64 = redis.command(&["PTTL", &keys[0]]).unwrap()[1..]
        .trim()
        .parse()
        .unwrap();
    // moto's credentials last an hour; the entry lives until 900 s before they expire.
    assert!((2_600_000..=2_710_000).contains(&ttl), "{ttl}");
}

#[tokio::test]
async fn concurrent_misses_in_two_processes_make_one_sts_call() {
    let (_redis, app, replica) =
        two_processes("[cache]\nenabled = true\n[limits]\nper_user_per_minute = 0\n").await;
    let body = app.body_for("app", "auth0|stampede");
    let mut calls = Vec::new();
    for i in 0..40 {
        let address = if i % 2 == 0 {
            app.address.clone()
        } else {
            replica.address.clone()
        };
        let body = body.clone();
        calls.push(tokio::spawn(async move {
            access_key(post_to(&address, &body).await).await
        }));
    }
    let mut keys = Vec::new();
    for call in calls {
        keys.push(call.await.unwrap());
    }
    assert!(keys.iter().all(|k| *k == keys[0]));
    assert_eq!(app.sts.attempts(), 1);
}

#[tokio::test]
async fn redis_down_refuses_with_503_by_default_then_recovers() {
    let mut redis = Redis::start().await;
    let app = app_with(&redis, "[cache]\nenabled = true\n").await;
    let body = app.body_for("app", "auth0|outage");
    assert_eq!(app.post_json(&body).await.status(), 200);
    redis.kill();
    let refused = app.post_json(&app.body_for("app", "auth0|outage")).await;
    assert_eq!(refused.headers()["retry-after"], "1");
    assert_error(refused, 503, "temporarily_unavailable").await;
    let samples = scrape(&format!("{}/metrics", app.management())).await;
    let errors = value(
        &samples,
        "state_store_errors_total",
        serde_json::json!({"operation": "rate_limit"}),
    );
    assert!(errors >= 1.0, "{errors}");
    assert_eq!(
        value(&samples, "state_store_up", serde_json::json!({})),
        0.0
    );
    redis.restart().await;
    eventually(
        "delegations succeed once Redis is back",
        Duration::from_secs(15),
        async || {
            app.post_json(&app.body_for("app", "auth0|outage"))
                .await
                .status()
                == 200
        },
    )
    .await;
    let samples = scrape(&format!("{}/metrics", app.management())).await;
    assert_eq!(
        value(&samples, "state_store_up", serde_json::json!({})),
        1.0
    );
}

#[tokio::test]
async fn with_on_error_open_requests_pass_and_the_cache_is_bypassed_while_redis_is_down() {
    let mut redis = Redis::start().await;
    let app = app_with_state(&redis, "[cache]\nenabled = true\n", "on_error = \"open\"").await;
    assert_eq!(
        app.post_json(&app.body_for("app", "auth0|before"))
            .await
            .status(),
        200
    );
    redis.kill();
    // A user the in-process tier has not seen: Redis would be asked for both the limit and
    // the entry; neither answers, and the delegation goes straight to STS.
    let key = access_key(app.post_json(&app.body_for("app", "auth0|during")).await).await;
    assert!(!key.is_empty());
    assert_eq!(app.sts.attempts(), 2);
    let samples = scrape(&format!("{}/metrics", app.management())).await;
    for operation in ["rate_limit", "cache_get"] {
        let errors = value(
            &samples,
            "state_store_errors_total",
            serde_json::json!({"operation": operation}),
        );
        assert!(errors >= 1.0, "{operation}: {errors}");
    }
    redis.restart().await;
    eventually(
        "the shared tier is used again",
        Duration::from_secs(15),
        async || {
            app.post_json(&app.body_for("app", "auth0|after"))
                .await
                .status()
                == 200
                && !redis.keys().iter().all(|k| k.contains(":rate:"))
        },
    )
    .await;
}

#[tokio::test]
async fn rediss_with_a_private_ca_and_a_password_works_and_a_wrong_password_is_never_logged() {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (made.cert.pem(), made.signing_key.serialize_pem());
    let redis = Redis::start_tls(&cert, &key, "s3cret-redis-pass").await;
    let tls_section = |password: &str| {
        format!(
            "[state]\nredis_url = \"rediss://:{password}@127.0.0.1:{}/\"\nca_file = \"redis-ca.pem\"\nencryption_key_file = \"state.key\"\n",
            redis.port
        )
    };
    let spawn = async |password: &str| {
        let issuer = Issuer::start().await;
        let sts = StsFront::start().await;
        let files = [("redis-ca.pem", cert.as_str()), ("state.key", STATE_KEY)];
        TestApp::spawn_custom(issuer, sts, &tls_section(password), None, &files).await
    };
    let app = spawn("s3cret-redis-pass").await;
    assert_eq!(
        app.post_json(&app.body_for("app", "auth0|tls"))
            .await
            .status(),
        200
    );
    let samples = scrape(&format!("{}/metrics", app.management())).await;
    assert_eq!(
        value(&samples, "state_store_up", serde_json::json!({})),
        1.0
    );
    // The rate limit really is in Redis: with a wrong password nothing can be decided.
    let wrong = spawn("wrong-redis-pass").await;
    assert_error(
        wrong.post_json(&wrong.body_for("app", "auth0|tls")).await,
        503,
        "temporarily_unavailable",
    )
    .await;
    // Without the private CA the certificate is not trusted: no connection, no limit.
    let untrusted = {
        let issuer = Issuer::start().await;
        let sts = StsFront::start().await;
        let section = tls_section("s3cret-redis-pass").replace("ca_file = \"redis-ca.pem\"\n", "");
        TestApp::spawn_custom(issuer, sts, &section, None, &[("state.key", STATE_KEY)]).await
    };
    assert_error(
        untrusted
            .post_json(&untrusted.body_for("app", "auth0|tls"))
            .await,
        503,
        "temporarily_unavailable",
    )
    .await;
    let logs = String::from_utf8_lossy(&crate::logs::captured_logs().lock().unwrap()).into_owned();
    assert!(
        logs.contains("shared state store unavailable"),
        "the outage was not logged"
    );
    for password in ["s3cret-redis-pass", "wrong-redis-pass"] {
        assert!(!logs.contains(password), "a Redis password reached the log");
    }
}
