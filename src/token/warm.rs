//! Readiness of the issuers' keys, and the background warm-up of a JWKS that has never been
//! fetched: when the issuer is down at start, requests would otherwise fail until one of
//! them happened to retry. The task retries on the cache's cold-start backoff until a set
//! arrives, then ends; it also ends when the cache is dropped (a reload replaced the
//! verifier).

use std::sync::atomic::Ordering;
use std::sync::{Arc, Weak};
use std::time::Duration;

use super::TokenVerifier;
use super::jwks::JwksCache;
use super::verify::Keys;

impl TokenVerifier {
    /// For each issuer (sorted), whether keys are at hand now (nothing is fetched), or why
    /// not.
    pub fn key_status(&self) -> Vec<(String, Result<(), String>)> {
        let mut status: Vec<_> = self
            .issuers
            .iter()
            .map(|(name, issuer)| {
                let ready = match &issuer.keys {
                    Keys::Jwks(cache) => cache.status(),
                    Keys::Static(set) if set.signing_key_count() > 0 => Ok(()),
                    Keys::Static(_) => Err("no usable signing keys are configured".to_owned()),
                };
                (name.clone(), ready)
            })
            .collect();
        status.sort_by(|a, b| a.0.cmp(&b.0));
        status
    }

    /// Starts fetching, in the background, the JWKS of every issuer that has none yet,
    /// retrying with a short backoff until it succeeds (see `warm.rs`), so the first
    /// request after an issuer comes back finds its keys.
    pub fn warm_up(&self) {
        for issuer in self.issuers.values() {
            if let Keys::Jwks(cache) = &issuer.keys {
                start(cache);
            }
        }
    }
}

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
