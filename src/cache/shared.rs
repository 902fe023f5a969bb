//! The shared tier: on an in-process miss, the entry another replica put in Redis, or —
//! when there is none — one replica fetches under a short lock while the others poll for
//! its result. When Redis fails, the request fetches for itself (the failure is counted).
//!
//! The lock is a lease its holder renews while it fetches: a lock nobody renews (its
//! holder stopped, or it was copied to a new primary in a failover after its holder gave
//! up on Redis) lapses within [`LOCK_LEASE`], and the next replica takes it and fetches.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use super::{CacheKey, FetchError, Lookup};
use crate::state::SharedState;
use crate::sts::StsResult;

/// How long a fetch lock holds without being renewed.
const LOCK_LEASE: Duration = Duration::from_secs(3);
/// The longest a replica waits for another's fetch: longer than any STS call with its
/// retries, so only a holder that keeps renewing and never finishes reaches it.
const WAIT_AT_MOST: Duration = Duration::from_secs(15);
/// How often a replica that waits for another's fetch looks for its result.
const POLL: Duration = Duration::from_millis(25);

pub(super) async fn through<F, Fut, E>(
    store: &Arc<SharedState>,
    key: &CacheKey,
    now: OffsetDateTime,
    min_remaining: Duration,
    fetch: F,
) -> (Result<StsResult, FetchError<E>>, Lookup)
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<StsResult, FetchError<E>>>,
{
    let serve_until = |r: &StsResult| r.expiration() - min_remaining;
    let started = Instant::now();
    loop {
        match store.cache_get(key).await {
            Ok(Some(result)) if now < serve_until(&result) => return (Ok(result), Lookup::Stored),
            Ok(_) => {}
            Err(_) => return (fetch().await, Lookup::Miss),
        }
        match store.lock(key, LOCK_LEASE).await {
            Err(_) => return (fetch().await, Lookup::Miss),
            Ok(Some(lock)) => {
                // The entry may have landed between the look and the lock.
                if let Ok(Some(result)) = store.cache_get(key).await
                    && now < serve_until(&result)
                {
                    lock.release().await;
                    return (Ok(result), Lookup::Stored);
                }
                let outcome = fetch().await;
                if let Ok(result) = &outcome
                    && let Ok(ttl) = Duration::try_from(serve_until(result) - now)
                    && !ttl.is_zero()
                {
                    // Not kept is only slower for the other replicas; the failure is counted.
                    let _ = store.cache_put(key, result, ttl).await;
                }
                lock.release().await;
                return (outcome, Lookup::Miss);
            }
            Ok(None) if started.elapsed() >= WAIT_AT_MOST => return (fetch().await, Lookup::Miss),
            Ok(None) => tokio::time::sleep(POLL).await,
        }
    }
}
