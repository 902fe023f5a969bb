//! Shared state in Redis: the per-user rate limit and the credential cache, held where
//! every replica sees them.
//!
//! - The rate limit is one atomic script per request ([`rate`]), clocked by Redis's own
//!   time, so replicas with skewed clocks still agree.
//! - Cache entries are sealed with AES-256-GCM ([`seal`]) under the cache key's digest,
//!   expire with Redis's own TTL, and a short lock lets one replica fetch while the others
//!   wait ([`store`]).
//! - Redis is one server, or the primary behind Redis Sentinel, which is followed through
//!   failovers ([`link`], [`primary`], [`sentinel_url`]).
//! - Each operation is bounded by `timeout`. When Redis fails, the failure is counted and
//!   logged once (and its recovery once); the connection comes back by itself.

mod link;
mod primary;
mod rate;
mod seal;
mod sentinel_url;
mod store;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use link::{Conn, Link};
pub use seal::{SealError, Sealer};
pub use sentinel_url::{SENTINEL_PORT, SentinelUrl, SentinelUrlError};
pub use store::StoreLock;

use crate::domain::Secret;

/// The pause between two tries of [`SharedState::connect_ahead`].
const RETRY_AHEAD: Duration = Duration::from_millis(50);

/// What a request does when Redis cannot decide its rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnError {
    /// Refuse with 503 and `Retry-After` (the default: no limit is never silently lifted).
    Closed,
    /// Let the request through.
    Open,
}

/// `[state]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct StateSettings {
    /// The connection URL; it may carry a password.
    pub url: Secret<String>,
    /// The URL without its password, for logs.
    pub display_url: String,
    /// Set when `url` is a `redis+sentinel://` or `rediss+sentinel://` URL: the sentinels
    /// are asked for the primary.
    pub sentinel: Option<SentinelUrl>,
    /// The state key (`encryption_key_file`): cache entries are sealed with it, and the
    /// names of Redis keys derived from users are HMACs under a key derived from it.
    /// Validation requires it with `redis_url`.
    pub encryption_key: Option<Secret<[u8; 32]>>,
    /// PEM certificates that alone are trusted for `rediss://` and `rediss+sentinel://`
    /// (sentinels and data nodes); `None`: the system's store.
    pub ca_pem: Option<Vec<u8>>,
    pub on_error: OnError,
    /// Put before every key, so one Redis can serve several deployments.
    pub key_prefix: String,
    /// Longest wait for one Redis operation.
    pub timeout: Duration,
    /// How long start-up may spend connecting to Redis before serving (`warm_up_ms`).
    pub warm_up: Duration,
}

/// Told about Redis's health, for metrics.
pub trait StateObserver: Send + Sync + std::fmt::Debug {
    /// One operation failed; `operation` is `rate_limit`, `cache_get`, `cache_put`, `lock`
    /// or `unlock`.
    fn failed(&self, operation: &'static str);
    /// Whether the last operation reached Redis.
    fn available(&self, up: bool);
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("redis did not answer within {0:?}")]
    Timeout(Duration),
    #[error("stored entry: {0}")]
    Entry(String),
}

pub struct SharedState {
    link: Link,
    settings: StateSettings,
    /// Makes the names of keys that come from users (see `key`).
    names: aws_lc_rs::hmac::Key,
    sealer: Option<Sealer>,
    observer: Option<Arc<dyn StateObserver>>,
    down: AtomicBool,
    scripts: rate::Scripts,
}

impl std::fmt::Debug for SharedState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedState")
            .field("url", &self.settings.display_url)
            .finish_non_exhaustive()
    }
}

/// The HMAC key Redis key names are made with, derived from the state key so that it
/// differs from the sealing key.
fn key_names(state_key: &[u8; 32]) -> aws_lc_rs::hmac::Key {
    let derive = aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, state_key);
    let derived = aws_lc_rs::hmac::sign(&derive, b"delegation-server redis key names v1");
    aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, derived.as_ref())
}

impl SharedState {
    /// Connects lazily: a Redis that is down at start is retried at each request, like one
    /// that goes down later. Must run inside the Tokio runtime.
    pub fn new(settings: StateSettings) -> Result<Self, StateError> {
        let link = Link::new(&settings)?;
        let Some(key) = &settings.encryption_key else {
            return Err(StateError::Entry(
                "no [state] encryption_key_file: Redis key names are derived with it".into(),
            ));
        };
        let sealer = Some(Sealer::new(key.expose()).map_err(|e| StateError::Entry(e.to_string()))?);
        let names = key_names(key.expose());
        Ok(Self {
            link,
            settings,
            names,
            sealer,
            observer: None,
            down: AtomicBool::new(false),
            scripts: rate::Scripts::new(),
        })
    }

    pub fn with_observer(mut self, observer: Arc<dyn StateObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn settings(&self) -> &StateSettings {
        &self.settings
    }

    /// A Redis key under the configured prefix: `prefix` `kind` `:` and the hex HMAC of
    /// `kind` and `digest` (which comes from a user: issuer and `sub`, or a cache key).
    /// Without the state key, Redis's contents cannot be matched to users by hashing
    /// guessed identities.
    fn key(&self, kind: &str, digest: &[u8]) -> String {
        let mut mac = aws_lc_rs::hmac::Context::with_key(&self.names);
        mac.update(kind.as_bytes());
        mac.update(b":");
        mac.update(digest);
        let tag = mac.sign();
        let mut key = String::with_capacity(self.settings.key_prefix.len() + kind.len() + 65);
        key.push_str(&self.settings.key_prefix);
        key.push_str(kind);
        key.push(':');
        crate::domain::push_hex(&mut key, tag.as_ref());
        key
    }

    /// Connects to Redis (the primary, behind Sentinel) before the first request needs it,
    /// asking again until one `PING` is answered or `within` has passed: a name lookup or
    /// a connection that stalls once (a DNS server reloading, say) does not fall on the
    /// first request, whose wait is only `timeout`.
    pub async fn connect_ahead(&self, within: Duration) -> Result<(), StateError> {
        let mut last = StateError::Timeout(within);
        let tries = async {
            loop {
                let ping = |mut conn: Conn| async move {
                    redis::cmd("PING").query_async::<()>(&mut conn).await
                };
                match self.attempt(ping).await {
                    Ok(()) => return,
                    Err(error) => last = error,
                }
                tokio::time::sleep(RETRY_AHEAD).await;
            }
        };
        tokio::time::timeout(within, tries)
            .await
            .map_err(|_| last)?;
        if let Some(o) = &self.observer {
            o.available(true);
        }
        Ok(())
    }

    /// Runs one operation on a connection within the timeout (finding the primary
    /// included); a failure that says the primary is gone is reported to the link.
    async fn attempt<T, F, Fut>(&self, op: F) -> Result<T, StateError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let mut used = None;
        let attempt = async {
            let (conn, on) = self.link.connection().await?;
            used = Some(on);
            Ok(op(conn).await?)
        };
        let result = match tokio::time::timeout(self.settings.timeout, attempt).await {
            Ok(result) => result,
            Err(_) => Err(StateError::Timeout(self.settings.timeout)),
        };
        if let (Err(error), Some(used)) = (&result, used) {
            self.link.failed(used, error);
        }
        result
    }

    /// Runs one operation with [`Self::attempt`] and records whether Redis answered.
    async fn run<T, F, Fut>(&self, operation: &'static str, op: F) -> Result<T, StateError>
    where
        F: FnOnce(Conn) -> Fut,
        Fut: std::future::Future<Output = redis::RedisResult<T>>,
    {
        let result = self.attempt(op).await;
        match &result {
            Err(StateError::Redis(_) | StateError::Timeout(_)) => {
                if let Some(o) = &self.observer {
                    o.failed(operation);
                    o.available(false);
                }
                if !self.down.swap(true, Ordering::Relaxed)
                    && let Err(error) = &result
                {
                    tracing::warn!(
                        store = %self.settings.display_url,
                        operation,
                        %error,
                        "shared state store unavailable"
                    );
                }
            }
            _ => {
                if self.down.swap(false, Ordering::Relaxed) {
                    tracing::info!(store = %self.settings.display_url, "shared state store available again");
                }
                if let Some(o) = &self.observer {
                    o.available(true);
                }
            }
        }
        result
    }
}
