//! Fetching and caching one issuer's JWKS.
//!
//! - Freshness: `Cache-Control: max-age`, else the configured default TTL; either clamped
//!   to [`min_refresh`, 24 h].
//! - Unknown `kid`: one refetch, at most once per `min_refresh`, so made-up key ids cannot
//!   make us hammer the issuer.
//! - Single flight: fetches are serialised; requests that waited for a fetch use its result
//!   instead of fetching again.
//! - A failed fetch keeps the last good set (up to [`STALE_GRACE`] past its expiry): an
//!   issuer outage should not turn into ours while its keys are still the same.
//! - Cold start: while no set has ever been fetched, attempts are spaced by a short
//!   backoff (0.5 s, doubling up to `min_refresh`) instead of `min_refresh`, so keys
//!   arrive soon after the issuer does (`warm.rs` keeps trying in the background).
//!
//! [`min_refresh`]: super::KeySource::Jwks

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use super::keys::KeySet;
use super::{JwksObserver, TokenError};

mod fetch;

/// Upper bound for a JWKS response; real ones are a few KiB.
const MAX_JWKS_BYTES: usize = 256 * 1024;
/// Upper bound for one fetch, connection to last byte.
const FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest freshness we accept from `max-age`.
const MAX_TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// How long past its expiry a set is still used when refetching fails.
const STALE_GRACE: Duration = Duration::from_secs(24 * 60 * 60);

/// What the cache knows at one moment; replaced whole, never mutated.
#[derive(Debug, Default)]
struct Snapshot {
    /// The last good set and when it stops being fresh.
    keys: Option<(Arc<KeySet>, Instant)>,
    /// When the last fetch attempt ended, successful or not.
    last_attempt: Option<Instant>,
    /// Counts fetch attempts; lets a waiter see that someone else already fetched.
    generation: u64,
    /// Why the last attempt failed, if it did.
    last_error: Option<String>,
    /// Attempts that failed since the last success.
    failures: u32,
}

/// Keys handed to the verifier, with the generation they came from.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) keys: Arc<KeySet>,
    pub(crate) generation: u64,
}

/// The cached JWKS of one issuer.
#[derive(Debug)]
pub(crate) struct JwksCache {
    issuer: String,
    uri: Url,
    min_refresh: Duration,
    default_ttl: Duration,
    http: reqwest::Client,
    pub(crate) observer: Option<Arc<dyn JwksObserver>>,
    /// Set while a background warm-up runs for this cache.
    pub(crate) warming: std::sync::atomic::AtomicBool,
    state: Mutex<Arc<Snapshot>>,
    /// Held while fetching, so concurrent misses share one request.
    fetch_lock: tokio::sync::Mutex<()>,
}

impl JwksCache {
    pub(crate) fn new(
        issuer: String,
        uri: Url,
        min_refresh: Duration,
        default_ttl: Duration,
        http: reqwest::Client,
    ) -> Self {
        Self {
            issuer,
            uri,
            // A refresh interval longer than the longest freshness would be meaningless.
            min_refresh: min_refresh.min(MAX_TTL),
            default_ttl,
            http,
            observer: None,
            warming: std::sync::atomic::AtomicBool::new(false),
            state: Mutex::new(Arc::new(Snapshot::default())),
            fetch_lock: tokio::sync::Mutex::new(()),
        }
    }

    /// Fresh keys, fetching when there are none or they expired. Falls back to the last
    /// good set (within the grace period) when fetching fails.
    pub(crate) async fn keys(&self) -> Result<Loaded, TokenError> {
        let seen = self.snapshot();
        if let Some((keys, fresh_until)) = &seen.keys
            && Instant::now() < *fresh_until
        {
            return Ok(Loaded {
                keys: Arc::clone(keys),
                generation: seen.generation,
            });
        }
        let current = self.refresh(seen.generation).await;
        self.usable(&current)
    }

    /// Keys after a refetch caused by an unknown `kid` in a set of generation `seen`.
    /// Fetches only if nobody has since `seen` and the last attempt is `min_refresh` old.
    pub(crate) async fn refetch(&self, seen: u64) -> Result<Loaded, TokenError> {
        let current = self.refresh(seen).await;
        self.usable(&current)
    }

    /// Whether usable keys are at hand now, or why not; fetches nothing.
    pub(crate) fn status(&self) -> Result<(), String> {
        self.usable(&self.snapshot())
            .map(|_| ())
            .map_err(|e| match e {
                TokenError::KeysUnavailable { reason, .. } => reason,
                other => other.to_string(),
            })
    }

    /// How long after the last attempt the next may be made: `min_refresh` once a set
    /// was fetched, a short doubling backoff before that.
    pub(crate) fn retry_interval(&self) -> Duration {
        let current = self.snapshot();
        if current.keys.is_some() {
            return self.min_refresh;
        }
        cold_backoff(current.failures, self.min_refresh)
    }

    /// How long until an attempt is allowed again (zero: now).
    pub(crate) fn next_attempt_in(&self) -> Duration {
        let interval = self.retry_interval();
        self.snapshot()
            .last_attempt
            .map_or(Duration::ZERO, |at| interval.saturating_sub(at.elapsed()))
    }

    fn snapshot(&self) -> Arc<Snapshot> {
        // A panic elsewhere cannot leave a half-written snapshot (it is replaced whole),
        // so a poisoned lock is safe to use.
        Arc::clone(&self.state.lock().unwrap_or_else(PoisonError::into_inner))
    }

    fn store(&self, next: Snapshot) -> Arc<Snapshot> {
        let next = Arc::new(next);
        *self.state.lock().unwrap_or_else(PoisonError::into_inner) = Arc::clone(&next);
        next
    }

    fn usable(&self, snapshot: &Snapshot) -> Result<Loaded, TokenError> {
        match &snapshot.keys {
            Some((keys, fresh_until))
                if fresh_until
                    .checked_add(STALE_GRACE)
                    .is_none_or(|until| Instant::now() < until) =>
            {
                Ok(Loaded {
                    keys: Arc::clone(keys),
                    generation: snapshot.generation,
                })
            }
            _ => Err(TokenError::KeysUnavailable {
                issuer: self.issuer.clone(),
                reason: snapshot
                    .last_error
                    .clone()
                    .unwrap_or_else(|| "the JWKS has not been fetched yet".to_owned()),
            }),
        }
    }

    /// Fetches once on behalf of everyone who saw generation `seen`.
    async fn refresh(&self, seen: u64) -> Arc<Snapshot> {
        let _fetching = self.fetch_lock.lock().await;
        let current = self.snapshot();
        // Someone fetched while we waited: their answer is as new as ours would be.
        if current.generation != seen {
            return current;
        }
        // Rate limit: whatever triggered this (a made-up kid, an expiry after a failure),
        // the issuer sees at most one request per min_refresh from us (per backoff step
        // while no set was ever fetched).
        let interval = match current.keys {
            Some(_) => self.min_refresh,
            None => cold_backoff(current.failures, self.min_refresh),
        };
        if current
            .last_attempt
            .is_some_and(|at| at.elapsed() < interval)
        {
            return current;
        }
        let result = self.fetch().await;
        if let Some(observer) = &self.observer {
            observer.fetched(&self.issuer, result.is_ok());
        }
        let now = Instant::now();
        let next = match result {
            Ok((keys, ttl)) => Snapshot {
                // Clamped to 24 h, so this cannot overflow; if it did, the set is stale.
                keys: Some((Arc::new(keys), now.checked_add(ttl).unwrap_or(now))),
                last_attempt: Some(now),
                generation: current.generation.wrapping_add(1),
                last_error: None,
                failures: 0,
            },
            Err(reason) => {
                tracing::warn!(
                    issuer = %self.issuer,
                    jwks_uri = %self.uri,
                    error = %reason,
                    cause = %reason.detail(),
                    kept_cached_keys = current.keys.is_some(),
                    "JWKS fetch failed"
                );
                Snapshot {
                    keys: current.keys.clone(),
                    last_attempt: Some(now),
                    generation: current.generation.wrapping_add(1),
                    last_error: Some(reason.to_string()),
                    failures: current.failures.saturating_add(1),
                }
            }
        };
        self.store(next)
    }
}

/// The wait after `failures` failed attempts while no set was ever fetched: 0.5 s, doubling,
/// at most `cap`.
pub(crate) fn cold_backoff(failures: u32, cap: Duration) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let steps = (failures - 1).min(16);
    Duration::from_millis(500)
        .saturating_mul(1 << steps)
        .min(cap)
}

#[cfg(test)]
mod tests;
