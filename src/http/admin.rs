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
/// Addresses remembered at most; beyond it the expired ones are forgotten, then all.
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
        let Ok(mut failures) = self.failures.lock() else {
            return Err(Refusal::Throttled(WINDOW));
        };
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
        if failures.len() >= MAX_TRACKED {
            failures.retain(|_, (_, since)| now.saturating_duration_since(*since) < WINDOW);
            if failures.len() >= MAX_TRACKED {
                failures.clear();
            }
        }
        let entry = failures.entry(peer).or_insert((0, now));
        entry.0 += 1;
        Err(Refusal::Wrong)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TOKEN: &[u8] = b"0123456789abcdef0123456789abcdef";

    #[test]
    fn tokens_compare_equal_only_when_identical_whatever_their_length() {
        assert!(same_token(TOKEN, TOKEN));
        assert!(!same_token(b"", TOKEN));
        assert!(!same_token(&TOKEN[..31], TOKEN));
        assert!(!same_token(&[TOKEN, b"x"].concat(), TOKEN));
    }

    #[test]
    fn an_address_is_throttled_after_its_failures_until_the_window_passes() {
        let guard = AdminGuard::default();
        let (attacker, admin) = ("203.0.113.9".parse().unwrap(), "10.0.0.1".parse().unwrap());
        let start = Instant::now();
        for _ in 0..MAX_FAILURES {
            assert_eq!(
                guard.check(TOKEN, b"guess", attacker, start),
                Err(Refusal::Wrong)
            );
        }
        // Now even the right token is refused unheard from that address…
        let later = start + Duration::from_secs(10);
        assert_eq!(
            guard.check(TOKEN, TOKEN, attacker, later),
            Err(Refusal::Throttled(Duration::from_secs(50)))
        );
        // …but not from another one.
        assert_eq!(guard.check(TOKEN, TOKEN, admin, later), Ok(()));
        assert_eq!(guard.check(TOKEN, TOKEN, attacker, start + WINDOW), Ok(()));
    }
}
