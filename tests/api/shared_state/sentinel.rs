//! The shared state through Redis Sentinel, with no failover: delegations and the per-user
//! limit go through the primary the sentinels name, over TLS too, and a sentinel that
//! never answers holds up one lookup only.

use std::time::{Duration, Instant};

use super::STATE_KEY;
use super::sentinels::{PASSWORD, Sentinels, silent_port};
use super::support::eventually;
use crate::helpers::{Issuer, StsFront};
use crate::test_app::{TestApp, assert_error};

/// The longest one request may take while the primary is gone: the Redis timeout is
/// 250 ms, and STS (moto, on loopback) answers in well under a second.
pub(super) const NO_HANG: Duration = Duration::from_secs(3);

pub(super) async fn app_through(set: &Sentinels, sections: &str, state_keys: &str) -> TestApp {
    app_with_url(&set.url(), sections, state_keys).await
}

pub(super) async fn app_with_url(url: &str, sections: &str, state_keys: &str) -> TestApp {
    let issuer = Issuer::start().await;
    let sts = StsFront::start().await;
    let extra = format!(
        "{sections}\n[state]\nredis_url = \"{url}\"\nencryption_key_file = \"state.key\"\n{state_keys}\n"
    );
    TestApp::spawn_custom(issuer, sts, &extra, None, &[("state.key", STATE_KEY)]).await
}

pub(super) const LIMITED: &str = "[limits]\nper_user_per_minute = 1\nper_user_burst = 3\n";

/// Sends `sub`'s requests until one is refused; how many passed.
pub(super) async fn burst(app: &TestApp, sub: &str) -> usize {
    let body = app.body_for("app", sub);
    for passed in 0..6 {
        let response = app.post_json(&body).await;
        match response.status().as_u16() {
            200 => {}
            429 => return passed,
            other => panic!(
                "{sub}: {other} {}",
                response.text().await.unwrap_or_default()
            ),
        }
    }
    6
}

/// One request for a user never seen before; its status, after checking it took no
/// longer than [`NO_HANG`].
pub(super) async fn one_fresh(app: &TestApp, n: usize) -> reqwest::Response {
    let sent = Instant::now();
    let response = app
        .post_json(&app.body_for("app", &format!("auth0|during-{n}")))
        .await;
    let took = sent.elapsed();
    assert!(took < NO_HANG, "request {n} took {took:?}");
    let status = response.status().as_u16();
    assert!(status == 200 || status == 503, "request {n}: {status}");
    response
}

#[tokio::test]
async fn through_sentinel_the_shared_limit_holds_and_no_password_is_logged() {
    let logs = crate::logs::captured_logs();
    let set = Sentinels::start().await;
    let app = app_through(&set, LIMITED, "").await;
    assert_eq!(burst(&app, "auth0|sentinel").await, 3);
    let refused = app.post_json(&app.body_for("app", "auth0|sentinel")).await;
    assert!(refused.headers().contains_key("retry-after"));
    assert_error(refused, 429, "too_many_requests").await;
    // The count lives on the primary (and is copied to the replica).
    let keys = set.primary.keys();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].starts_with("delegation:rate:"), "{keys:?}");
    eventually(
        "the replica has the count",
        Duration::from_secs(5),
        async || set.replica.keys() == keys,
    )
    .await;
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logs.contains("primary found through the sentinels"),
        "the primary was not logged"
    );
    assert!(
        !logs.contains(PASSWORD),
        "the Redis password reached the log"
    );
}

/// Sentinels with a silent one listed first (it accepts connections and never answers),
/// and a server with `state_keys` using them.
async fn behind_a_silent_sentinel(state_keys: &str) -> (Sentinels, TestApp) {
    let set = Sentinels::start().await;
    let silent = silent_port().await;
    let url = set.url().replacen('@', &format!("@127.0.0.1:{silent},"), 1);
    let app = app_with_url(&url, LIMITED, state_keys).await;
    (set, app)
}

#[tokio::test]
async fn a_silent_sentinel_listed_first_costs_one_lookup_not_every_one() {
    // The lookup that asks the silent one first runs into the timeout, and the next one
    // starts with the next sentinel. Nothing is asked ahead at start, so that a request
    // meets it.
    let (_set, app) = behind_a_silent_sentinel("warm_up_ms = 0").await;
    let mut refused = 0;
    loop {
        let response = one_fresh(&app, refused).await;
        if response.status() == 200 {
            break;
        }
        refused += 1;
        assert!(refused <= 3, "still no primary after {refused} requests");
    }
    assert!(refused >= 1, "the silent sentinel was not asked first");
    assert_eq!(burst(&app, "auth0|past-the-silent-one").await, 3);
}

#[tokio::test]
async fn the_start_asks_past_a_silent_sentinel_so_the_first_request_finds_the_primary() {
    let (_set, app) = behind_a_silent_sentinel("").await;
    assert_eq!(one_fresh(&app, 0).await.status(), 200);
    assert_eq!(burst(&app, "auth0|after-the-start").await, 3);
}

#[tokio::test]
async fn rediss_sentinel_speaks_tls_to_the_sentinels_and_the_data_nodes() {
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let (cert, key) = (made.cert.pem(), made.signing_key.serialize_pem());
    let set = Sentinels::start_tls(&cert, &key).await;
    assert!(set.url().starts_with("rediss+sentinel://"));
    let spawn = async |ca: bool| {
        let issuer = Issuer::start().await;
        let sts = StsFront::start().await;
        let ca_file = if ca {
            "ca_file = \"redis-ca.pem\"\n"
        } else {
            ""
        };
        let extra = format!(
            "{LIMITED}\n[state]\nredis_url = \"{}\"\n{ca_file}encryption_key_file = \"state.key\"\n",
            set.url()
        );
        let files = [("redis-ca.pem", cert.as_str()), ("state.key", STATE_KEY)];
        TestApp::spawn_custom(issuer, sts, &extra, None, &files).await
    };
    let app = spawn(true).await;
    assert_eq!(burst(&app, "auth0|over-tls").await, 3);
    // Without the private CA neither the sentinels nor the nodes are trusted.
    let untrusted = spawn(false).await;
    assert_error(
        untrusted
            .post_json(&untrusted.body_for("app", "auth0|over-tls"))
            .await,
        503,
        "temporarily_unavailable",
    )
    .await;
}
