//! Background warm-up of a JWKS that has never been fetched: when the issuer is down at
//! start, requests would otherwise fail until one of them happened to retry. The task
//! retries on the cache's cold-start backoff until a set arrives, then ends; it also
//! ends when the cache is dropped (a reload replaced the verifier).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::jwks::JwksCache;

/// Shortest pause between two looks, so a task never spins.
const MIN_PAUSE: Duration = Duration::from_millis(50);

/// Starts the warm-up of `cache` unless it has keys or one is already running.
pub(crate) fn start(cache: &Arc<JwksCache>) {
    if cache.status().is_ok() || cache.warming.swap(true, Ordering::AcqRel) {
        return;
    }
    let weak = Arc::downgrade(cache);
    tokio::spawn(run(weak));
}

async fn run(weak: Weak<JwksCache>) {
    loop {
        let Some(cache) = weak.upgrade() else {
            return;
        };
        // Respects the backoff: fetches only when an attempt is due.
        if cache.keys().await.is_ok() {
            cache.warming.store(false, Ordering::Release);
            return;
        }
        let pause = cache.next_attempt_in().max(MIN_PAUSE);
        drop(cache);
        tokio::time::sleep(pause).await;
    }
}
