//! A replica killed while it fetches credentials under the shared lock holds the others up
//! only for the lock's short lifetime: its holder renews it while alive, so once it is gone
//! the next replica takes the lock and fetches within the request's deadline.

use std::time::{Duration, Instant};

use super::{access_key, post_to, two_processes};
use crate::helpers::StsMode;

#[tokio::test]
async fn a_lock_left_by_a_killed_replica_expires_soon_and_the_next_request_fetches() {
    let (_redis, app, replica) =
        two_processes("[cache]\nenabled = true\n[limits]\nper_user_per_minute = 0\n").await;
    let body = app.body_for("app", "auth0|orphaned");

    // The replica takes the lock and waits on STS, which does not answer.
    app.sts.set_mode(StsMode::Hang);
    let address = replica.address.clone();
    let stuck_body = body.clone();
    let stuck = tokio::spawn(async move { post_to(&address, &stuck_body).await.status() });
    let waited = Instant::now();
    while app.sts.attempts() == 0 {
        assert!(
            waited.elapsed() < Duration::from_secs(5),
            "the replica never called STS"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Long enough for the lock to have been renewed at least once.
    tokio::time::sleep(Duration::from_millis(1200)).await;
    drop(replica); // SIGKILL: the lock stays in Redis, unreleased.
    let _ = stuck.await;

    app.sts.set_mode(StsMode::Forward);
    let asked = Instant::now();
    access_key(post_to(&app.address, &body).await).await;
    // Well within the request deadline (4 s), which a lock kept for the longest fetch would
    // have used up.
    assert!(
        asked.elapsed() < Duration::from_millis(3800),
        "{:?}",
        asked.elapsed()
    );
}
