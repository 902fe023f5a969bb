//! A per-user rate limit: each user (issuer and `sub`) has a token bucket, so one token
//! holder cannot spend the account's STS quota for everyone. In process by default; with
//! `[state]`, in Redis, so every replica counts against the same allowance.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::state::{OnError, SharedState};

/// How long a client refused because Redis is down is asked to wait.
const STORE_DOWN_RETRY: Duration = Duration::from_secs(1);

/// `[limits]`: delegations per user (issuer and `sub`) per minute, and the burst; 0 per
/// minute: no limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitSettings {
    pub per_minute: u32,
    pub burst: u32,
}

/// Why a request is not let through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitError {
    /// The user is over their rate; one more is allowed after this long.
    #[error("over the per-user rate; retry after {0:?}")]
    Over(Duration),
    /// Redis cannot decide and `on_error` is closed; retry after this long.
    #[error("the shared rate-limit store is unavailable")]
    StoreDown(Duration),
}

/// The per-user limit, wherever it is kept.
#[derive(Debug)]
pub enum UserLimit {
    Local(RateLimiter),
    Shared {
        store: Arc<SharedState>,
        per_minute: u32,
        burst: u32,
    },
}

impl UserLimit {
    /// `None` when `per_minute` is 0 (no limit).
    pub fn new(settings: &LimitSettings, store: Option<&Arc<SharedState>>) -> Option<Self> {
        let LimitSettings { per_minute, burst } = *settings;
        match store {
            _ if per_minute == 0 => None,
            Some(store) => Some(Self::Shared {
                store: Arc::clone(store),
                per_minute,
                burst,
            }),
            None => RateLimiter::new(per_minute, burst).map(Self::Local),
        }
    }

    /// Takes one request from `user`'s allowance. When Redis cannot answer, `on_error`
    /// decides: refuse with 503 (closed) or let the request through (open).
    pub async fn check(&self, user: &str) -> Result<(), LimitError> {
        let too_many = LimitError::Over;
        match self {
            Self::Local(limiter) => limiter.check(user, Instant::now()).map_err(too_many),
            Self::Shared {
                store,
                per_minute,
                burst,
            } => match store.take(user, *per_minute, *burst).await {
                Ok(allowed) => allowed.map_err(too_many),
                Err(_) if store.settings().on_error == OnError::Open => Ok(()),
                Err(_) => Err(LimitError::StoreDown(STORE_DOWN_RETRY)),
            },
        }
    }
}

/// Above this many tracked users, buckets that have refilled are forgotten.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug)]
pub struct RateLimiter {
    per_second: f64,
    burst: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

impl RateLimiter {
    /// `None` when `per_minute` is 0 (no limit).
    pub fn new(per_minute: u32, burst: u32) -> Option<Self> {
        (per_minute > 0).then(|| Self {
            per_second: f64::from(per_minute) / 60.0,
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        })
    }

    /// Takes one request from `key`'s bucket, or says how long until one is available.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        // A poisoned lock only means another request panicked mid-update; the map of
        // plain numbers is still usable.
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if buckets.len() > PRUNE_ABOVE {
            buckets.retain(|_, b| self.refilled(*b, now) < self.burst);
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.burst,
            updated: now,
        });
        let tokens = self.refilled(*bucket, now);
        if tokens >= 1.0 {
            *bucket = Bucket {
                tokens: tokens - 1.0,
                updated: now,
            };
            Ok(())
        } else {
            Err(Duration::from_secs_f64((1.0 - tokens) / self.per_second))
        }
    }

    fn refilled(&self, bucket: Bucket, now: Instant) -> f64 {
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        (bucket.tokens + elapsed * self.per_second).min(self.burst)
    }
}

#[cfg(test)]
#[path = "limit_tests.rs"]
mod tests;
