//! The credential cache: STS results kept in process, by a key over everything that shapes
//! them ([`KeyWriter`]), so a user who asks again for the same credentials gets them without
//! a signature or an STS call.
//!
//! - An entry serves while at least `min_remaining` of its lifetime is left; after that
//!   the next request fetches fresh credentials. The `Expiration` served is STS's own.
//! - Concurrent requests for the same key make one STS call (single-flight): the first
//!   fetches, the others wait for its result. If the first is cancelled (its client went
//!   away), one of the waiting requests fetches instead.
//! - STS's `AccessDenied` and `InvalidIdentityToken` are kept for a few seconds
//!   (`negative_ttl`), so a misconfigured role is not asked again at every request.
//! - At most `max_entries` entries; the least recently used goes first.
//! - With a shared store (`[state]`, Redis), an in-process miss looks there next, and one
//!   replica fetches while the others wait for its entry ([`shared`]).
//!
//! A cached credential outlives a revoked id_token by at most its remaining lifetime, as
//! the first credential did anyway: STS credentials cannot be recalled either way.

mod flight;
mod key;
mod shared;
#[cfg(test)]
mod tests;

use std::future::Future;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use lru::LruCache;
use time::OffsetDateTime;
use tokio::sync::watch;

pub use key::{CacheKey, KeyWriter};

use flight::Flight;

use crate::state::SharedState;
use crate::sts::{StsError, StsResult};

/// `[cache]`, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CacheSettings {
    /// Least lifetime an entry must have left to be served.
    pub min_remaining: Duration,
    pub max_entries: NonZeroUsize,
    /// How long STS's refusals are kept; zero: not at all.
    pub negative_ttl: Duration,
}

/// Told about cache lookups, for metrics.
pub trait CacheObserver: Send + Sync + std::fmt::Debug {
    fn lookup(&self, lookup: Lookup);
    fn evicted(&self);
}

/// How a request's credentials were found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lookup {
    /// Served from an entry.
    Hit,
    /// Served by another request's STS call, made while this one waited.
    Shared,
    /// A refusal STS gave moments ago for the same key, repeated.
    Refused,
    /// Served from the shared store: an entry another replica (or this one) put there.
    Stored,
    /// Fetched from STS.
    Miss,
}

impl Lookup {
    /// The word the audit log and metrics use.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Hit => "hit",
            Self::Shared => "shared",
            Self::Refused => "refused",
            Self::Stored => "stored",
            Self::Miss => "miss",
        }
    }
}

/// Why a fetch (or the cache) produced no credentials. `E` is the fetcher's own error.
#[derive(Debug)]
pub enum FetchError<E> {
    /// STS answered with an error: waiting requests get the same answer.
    Sts(StsError),
    /// Anything before STS (signing): waiting requests fetch for themselves.
    Other(E),
    /// The cache broke its own rule (a request asked to fetch twice): a bug, never a
    /// fetcher's answer.
    Internal(&'static str),
}

impl<E> From<StsError> for FetchError<E> {
    fn from(e: StsError) -> Self {
        Self::Sts(e)
    }
}

type Shared = Result<Arc<StsResult>, StsError>;

enum Slot {
    Ready {
        result: Arc<StsResult>,
        /// `Expiration` − `min_remaining`: the entry serves before this.
        serve_until: OffsetDateTime,
    },
    Refused {
        error: StsError,
        until: OffsetDateTime,
    },
    /// A fetch is under way; its result arrives here.
    Pending(watch::Receiver<Option<Shared>>),
}

#[derive(Debug)]
pub struct CredentialCache {
    settings: CacheSettings,
    entries: Mutex<LruCache<CacheKey, Slot>>,
    observer: Option<Arc<dyn CacheObserver>>,
    store: Option<Arc<SharedState>>,
}

impl std::fmt::Debug for Slot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Ready { .. } => "Ready",
            Self::Refused { .. } => "Refused",
            Self::Pending(_) => "Pending",
        })
    }
}

impl CredentialCache {
    pub fn new(settings: CacheSettings) -> Self {
        Self {
            entries: Mutex::new(LruCache::new(settings.max_entries)),
            settings,
            observer: None,
            store: None,
        }
    }

    /// Adds the shared tier: entries in Redis, seen by every replica.
    pub fn with_store(mut self, store: Arc<SharedState>) -> Self {
        self.store = Some(store);
        self
    }

    pub fn with_observer(mut self, observer: Arc<dyn CacheObserver>) -> Self {
        self.observer = Some(observer);
        self
    }

    pub fn settings(&self) -> &CacheSettings {
        &self.settings
    }

    /// Entries held, pending fetches included.
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> MutexGuard<'_, LruCache<CacheKey, Slot>> {
        // A poisoned lock only means a panic mid-update; every slot is still whole.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The credentials for `key`: from an entry, from a fetch another request is making,
    /// or from `fetch`, whose result is then kept. `now` is the time entries are judged by.
    pub async fn get_or_fetch<F, Fut, E>(
        &self,
        key: CacheKey,
        now: OffsetDateTime,
        fetch: F,
    ) -> (Result<StsResult, FetchError<E>>, Lookup)
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<StsResult, FetchError<E>>>,
    {
        let mut fetch = Some(fetch);
        loop {
            let found = self.find(key, now);
            let lookup = match &found {
                Found::Ready(_) => Lookup::Hit,
                Found::Refused(_) => Lookup::Refused,
                Found::Wait(_) => Lookup::Shared,
                Found::Fetch(_) => Lookup::Miss,
            };
            let answer = match found {
                Found::Ready(result) => Ok(StsResult::clone(&result)),
                Found::Refused(error) => Err(FetchError::Sts(error)),
                Found::Wait(mut rx) => match rx.wait_for(Option::is_some).await {
                    Ok(shared) => match shared.as_ref() {
                        Some(Ok(result)) => Ok(StsResult::clone(result)),
                        Some(Err(error)) => Err(FetchError::Sts(error.clone())),
                        None => continue,
                    },
                    // The fetching request ended without a result: try again.
                    Err(_) => continue,
                },
                Found::Fetch(flight) => {
                    let Some(fetch) = fetch.take() else {
                        return (
                            Err(FetchError::Internal("credential cache fetched twice")),
                            Lookup::Miss,
                        );
                    };
                    let (outcome, lookup) = match &self.store {
                        None => (fetch().await, Lookup::Miss),
                        Some(store) => {
                            let min_remaining = self.settings.min_remaining;
                            shared::through(store, &key, now, min_remaining, fetch).await
                        }
                    };
                    self.observe(lookup);
                    return (flight.finish(outcome, now), lookup);
                }
            };
            self.observe(lookup);
            return (answer, lookup);
        }
    }

    fn observe(&self, lookup: Lookup) {
        if let Some(o) = &self.observer {
            o.lookup(lookup);
        }
    }

    fn find(&self, key: CacheKey, now: OffsetDateTime) -> Found<'_> {
        let mut entries = self.lock();
        match entries.get(&key) {
            Some(Slot::Ready {
                result,
                serve_until,
            }) if now < *serve_until => return Found::Ready(Arc::clone(result)),
            Some(Slot::Refused { error, until }) if now < *until => {
                return Found::Refused(error.clone());
            }
            Some(Slot::Pending(rx)) => return Found::Wait(rx.clone()),
            _ => {}
        }
        let (tx, rx) = watch::channel(None);
        self.put(&mut entries, key, Slot::Pending(rx));
        Found::Fetch(Flight {
            cache: self,
            key,
            tx: Some(tx),
        })
    }

    fn put(&self, entries: &mut LruCache<CacheKey, Slot>, key: CacheKey, slot: Slot) {
        if let Some((old, _)) = entries.push(key, slot)
            && old != key
            && let Some(o) = &self.observer
        {
            o.evicted();
        }
    }
}

enum Found<'a> {
    Ready(Arc<StsResult>),
    Refused(StsError),
    Wait(watch::Receiver<Option<Shared>>),
    Fetch(Flight<'a>),
}
