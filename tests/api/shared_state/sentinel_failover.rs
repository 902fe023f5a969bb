//! Failovers behind Redis Sentinel: when the primary is killed or demoted, requests get the
//! documented answers at once (never a 500, never a hang) until a replica is elected, then
//! the per-user limit holds again on the new primary. Every test here starts its own
//! primary, replica and sentinels.

use std::time::{Duration, Instant};

use super::sentinel::{LIMITED, NO_HANG, app_through, burst, one_fresh};
use super::sentinels::Sentinels;
use crate::ops::{scrape, value};
use crate::test_app::assert_error;

/// How long the sentinels may take to elect the replica.
const ELECTION: Duration = Duration::from_secs(30);

#[tokio::test]
async fn when_the_primary_dies_requests_get_503_until_a_replica_is_elected_then_the_limit_holds() {
    let mut set = Sentinels::start().await;
    let app = app_through(&set, LIMITED, "").await;
    assert_eq!(burst(&app, "auth0|before").await, 3);
    set.primary.kill();
    let started = Instant::now();
    let mut refused = 0;
    for n in 0.. {
        let response = one_fresh(&app, n).await;
        if response.status() == 200 {
            break;
        }
        refused += 1;
        assert_eq!(response.headers()["retry-after"], "1");
        assert_error(response, 503, "temporarily_unavailable").await;
        assert!(
            started.elapsed() < ELECTION,
            "no primary again within {ELECTION:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(refused >= 1, "no request noticed that the primary was gone");
    set.until_primary_is(set.replica.port, Duration::from_secs(10))
        .await;
    // The new primary keeps the limit: a burst is refused after 3 again.
    assert_eq!(burst(&app, "auth0|after").await, 3);
    let samples = scrape(&format!("{}/metrics", app.management())).await;
    assert_eq!(
        value(&samples, "state_store_up", serde_json::json!({})),
        1.0
    );
    // The old primary comes back as a replica of the new one: it refuses writes, and
    // nothing is asked of it.
    set.rejoin_old_primary_as_replica().await;
    assert_eq!(burst(&app, "auth0|later").await, 3);
    assert_eq!(burst(&app, "auth0|later").await, 0);
    set.until_primary_is(set.replica.port, Duration::from_secs(1))
        .await;
}

#[tokio::test]
async fn with_on_error_open_requests_pass_during_a_failover_and_the_limit_returns() {
    let mut set = Sentinels::start().await;
    // The credential is kept in process, so asking again costs no STS call.
    let sections = format!("[cache]\nenabled = true\n{LIMITED}");
    let app = app_through(&set, &sections, "on_error = \"open\"").await;
    assert_eq!(burst(&app, "auth0|before-open").await, 3);
    set.primary.kill();
    let started = Instant::now();
    // The same user's requests pass while the limit cannot be decided; once it can again,
    // their allowance starts afresh, and the fourth after that is refused.
    let probe = app.body_for("app", "auth0|probe");
    let mut passed = 0;
    loop {
        let sent = Instant::now();
        let response = app.post_json(&probe).await;
        let took = sent.elapsed();
        assert!(took < NO_HANG, "request {passed} took {took:?}");
        match response.status().as_u16() {
            200 => passed += 1,
            429 => break,
            other => panic!("{other} during the failover"),
        }
        assert!(
            started.elapsed() < ELECTION,
            "no primary again within {ELECTION:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        passed > 3,
        "only {passed} passed: the failover was not noticed"
    );
    set.until_primary_is(set.replica.port, Duration::from_secs(10))
        .await;
    assert_eq!(burst(&app, "auth0|after-open").await, 3);
    assert_eq!(app.sts.attempts(), 3, "one STS call per user");
}

#[tokio::test]
async fn a_primary_demoted_under_an_open_connection_answers_readonly_and_is_left() {
    let logs = crate::logs::captured_logs();
    let set = Sentinels::start().await;
    let app = app_through(&set, LIMITED, "").await;
    assert_eq!(burst(&app, "auth0|on-the-first").await, 3);
    // The sentinels promote the replica; before they get round to the old primary (they
    // wait some seconds, then drop its clients), it is made a replica by hand, so the
    // server's connection to it stays open and its writes are refused with READONLY.
    set.force_failover();
    set.until_primary_is(set.replica.port, ELECTION).await;
    let replica_of = set
        .primary
        .command(&["REPLICAOF", "127.0.0.1", &set.replica.port.to_string()])
        .unwrap();
    assert!(replica_of.starts_with("+OK"), "{replica_of}");
    let started = Instant::now();
    for n in 0.. {
        if one_fresh(&app, n).await.status() == 200 {
            break;
        }
        assert!(
            started.elapsed() < NO_HANG,
            "still refused after {n} requests"
        );
    }
    assert_eq!(burst(&app, "auth0|on-the-second").await, 3);
    let logs = String::from_utf8_lossy(&logs.lock().unwrap()).into_owned();
    assert!(
        logs.contains("asking the sentinels for the primary again error=redis: ReadOnly"),
        "the demoted primary's answer was not what sent the server back to the sentinels"
    );
}
