//! Starting while an issuer is down: `/readyz` says which issuer has no keys, keys are
//! fetched in the background with a short backoff, and the first request after the issuer
//! is back succeeds instead of waiting out the refresh interval.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::*;
use crate::test_app::{TestApp, assert_error};

const CEILING: Duration = Duration::from_secs(30);

async fn readiness(app: &TestApp) -> (u16, Value) {
    let response = app.get("/readyz").await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn keys_arrive_soon_after_the_issuer_does() {
    let (issuer, jwks) = Issuer::down().await;
    let sts = StsFront::start().await;
    // The refresh interval is long: only the cold-start backoff can make this quick.
    let app = TestApp::spawn_refreshing(issuer, sts, "", "", None, &[], 30).await;
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["ready"], false);
    let state = body["issuers"][&app.issuer.issuer]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(state.starts_with("no keys"), "{state}");

    let refused = app.post_json(&app.body_for("app", "auth0|early")).await;
    assert_error(refused, 503, "temporarily_unavailable").await;

    jwks.come_up().await;
    let waited = Instant::now();
    loop {
        let (status, _) = readiness(&app).await;
        if status == 200 {
            break;
        }
        assert!(waited.elapsed() < CEILING, "keys never arrived");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Well before jwks_min_refresh_seconds (30) would have allowed a refetch.
    assert!(
        waited.elapsed() < Duration::from_secs(20),
        "{:?}",
        waited.elapsed()
    );
    let response = app.post_json(&app.body_for("app", "auth0|after")).await;
    assert_eq!(response.status(), 200);
    let (_, body) = readiness(&app).await;
    assert_eq!(body["issuers"][&app.issuer.issuer], "ok");
}

#[tokio::test]
async fn past_the_grace_a_missing_issuer_no_longer_holds_readiness_back() {
    let (issuer, _down_for_good) = Issuer::down().await;
    let sts = StsFront::start().await;
    let keys = "readiness_grace_seconds = 0\n";
    let app = TestApp::spawn_refreshing(issuer, sts, keys, "", None, &[], 30).await;
    let (status, body) = readiness(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["ready"], true);
    let state = body["issuers"][&app.issuer.issuer].as_str().unwrap();
    assert!(state.starts_with("no keys"), "still reported: {state}");
}
