//! The admin bearer token of the management endpoints: compared in constant time over
//! SHA-256 digests (so neither its bytes nor its length leak through timing), and failed
//! attempts throttled per client address.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use aws_lc_rs::digest::{SHA256, digest};
use subtle::ConstantTimeEq;

/// Failed attempts an address may make within [`WINDOW`] before it is refused unheard.
pub const MAX_FAILURES: u32 = 5;
/// How long failed attempts are remembered.
pub const WINDOW: Duration = Duration::from_secs(60);
/// Addresses remembered at most; beyond it the expired ones are forgotten, and while it is
/// still full a failing address not yet remembered is refused unheard.
const MAX_TRACKED: usize = 10_000;

/// Why an admin request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A missing or wrong token.
    Wrong,
    /// Too many wrong tokens from this address lately; retry after this long.
    Throttled(Duration),
}

/// Failed attempts by client address. Lives as long as the server, across reloads.
#[derive(Debug, Default)]
pub struct AdminGuard {
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

/// Whether `presented` is `expected`, in time independent of both texts.
pub fn same_token(presented: &[u8], expected: &[u8]) -> bool {
    let (a, b) = (digest(&SHA256, presented), digest(&SHA256, expected));
    bool::from(a.as_ref().ct_eq(b.as_ref()))
}

impl AdminGuard {
    /// Checks `presented` from `peer` against `expected` at `now`.
    pub fn check(
        &self,
        expected: &[u8],
        presented: &[u8],
        peer: IpAddr,
        now: Instant,
    ) -> Result<(), Refusal> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(&(count, since)) = failures.get(&peer) {
            let elapsed = now.saturating_duration_since(since);
            if elapsed >= WINDOW {
                failures.remove(&peer);
            } else if count >= MAX_FAILURES {
                return Err(Refusal::Throttled(WINDOW - elapsed));
            }
        }
        if same_token(presented, expected) {
            return Ok(());
        }
        if failures.len() >= MAX_TRACKED && !failures.contains_key(&peer) {
            failures.retain(|_, (_, since)| now.saturating_duration_since(*since) < WINDOW);
            if failures.len() >= MAX_TRACKED {
                // So many addresses failing at once is an attack: a new one is refused
                // unheard rather than forgetting (and so unthrottling) the others.
                return Err(Refusal::Throttled(WINDOW));
            }
        }
        let entry = failures.entry(peer).or_insert((0, now));
        entry.0 += 1;
        Err(Refusal::Wrong)
    }
}

#[cfg(test)]
#[path = "admin_tests.rs"]
mod tests;
