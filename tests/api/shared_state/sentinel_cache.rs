//! The credential cache's shared tier through a failover: an entry copied to the replica
//! before the primary died is served by the new primary to the same user only, and a
//! fetch lock copied over while its holder was fetching neither hands out another user's
//! credentials nor keeps anyone waiting for long.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::post_to;
use super::sentinel::app_through;
use super::sentinels::Sentinels;
use super::support::{Replica, eventually};
use crate::helpers::StsMode;
use crate::test_app::TestApp;

/// A body for `sub` whose session name (and so AssumedRoleUser) is `name`.
fn body_named(app: &TestApp, sub: &str, name: &str) -> Value {
    let mut body = app.body_for("app", sub);
    let claims = app.issuer.claims(sub, "app", json!({ "nickname": name }));
    body["id_token"] = json!(app.issuer.sign(&claims));
    body
}

/// The access key id of a 200 answer, after checking whose credentials they are.
async fn credentials_of(response: reqwest::Response, name: &str) -> String {
    assert_eq!(response.status(), 200, "for {name}");
    let json: Value = response.json().await.unwrap();
    let arn = json["AssumedRoleUser"]["Arn"].as_str().unwrap();
    assert!(arn.ends_with(&format!("/{name}")), "{name} got {arn}");
    json["Credentials"]["AccessKeyId"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn after_a_failover_copied_entries_and_locks_serve_each_user_their_own_credentials() {
    let mut set = Sentinels::start().await;
    let app = app_through(
        &set,
        "[cache]\nenabled = true\n[limits]\nper_user_per_minute = 0\n",
        "",
    )
    .await;
    let other = Replica::start(&app).await;

    // An entry, copied to the replica.
    let cached = credentials_of(
        app.post_json(&body_named(&app, "auth0|entry", "entry-user"))
            .await,
        "entry-user",
    )
    .await;
    let has = |kind: &str| set.replica.keys().iter().any(|k| k.contains(kind));
    eventually(
        "the replica has the entry",
        Duration::from_secs(5),
        async || has(":cred:"),
    )
    .await;

    // A fetch in flight (STS answers after 2 s) whose lock reached the replica: the
    // primary dies under it.
    app.sts.set_mode(StsMode::Delay(Duration::from_secs(2)));
    let locked_body = body_named(&app, "auth0|locked", "locked-user");
    let holder = {
        let (address, body) = (app.address.clone(), locked_body.clone());
        tokio::spawn(async move { post_to(&address, &body).await })
    };
    eventually(
        "the replica has the lock",
        Duration::from_secs(5),
        async || has(":lock:"),
    )
    .await;
    set.primary.kill();
    app.sts.set_mode(StsMode::Forward);
    // The holder still answers its own user, whether or not it could keep the entry.
    credentials_of(holder.await.unwrap(), "locked-user").await;
    set.until_primary_is(set.replica.port, Duration::from_secs(30))
        .await;

    // The other process has neither user in memory: what it serves comes from the new
    // primary or from STS. Waiting on the copied lock is bounded by its lease (3 s), far
    // below the 15 s a fetch may take.
    let sent = Instant::now();
    credentials_of(post_to(&other.address, &locked_body).await, "locked-user").await;
    let took = sent.elapsed();
    assert!(
        took < Duration::from_secs(5),
        "waited {took:?} on a copied lock"
    );
    let calls = app.sts.attempts();
    let served = credentials_of(
        post_to(
            &other.address,
            &body_named(&app, "auth0|entry", "entry-user"),
        )
        .await,
        "entry-user",
    )
    .await;
    assert_eq!(served, cached, "the copied entry was not served");
    assert_eq!(
        app.sts.attempts(),
        calls,
        "STS was asked for a cached entry"
    );

    // The old primary, back as a replica of the new one, refuses writes and changes
    // nothing for either process.
    set.rejoin_old_primary_as_replica().await;
    credentials_of(
        post_to(
            &other.address,
            &body_named(&app, "auth0|fresh", "fresh-user"),
        )
        .await,
        "fresh-user",
    )
    .await;
    let again = credentials_of(
        app.post_json(&body_named(&app, "auth0|entry", "entry-user"))
            .await,
        "entry-user",
    )
    .await;
    assert_eq!(again, cached);
}
