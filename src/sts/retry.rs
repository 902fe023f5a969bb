//! When and how long to wait before trying STS again.

use std::time::Duration;

use reqwest::header::{HeaderMap, RETRY_AFTER};

/// First backoff ceiling; doubles per retry.
const BASE: Duration = Duration::from_millis(100);
/// Largest backoff ceiling.
const CAP: Duration = Duration::from_secs(2);
/// A `Retry-After` beyond this is treated as this; the caller's deadline bounds it anyway.
const MAX_RETRY_AFTER: Duration = Duration::from_secs(3600);

/// Error codes AWS uses for throttling (the AWS SDKs' list, trimmed to what a query-protocol
/// service such as STS sends).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
];

/// Whether an AWS error code means "slow down" (retried) rather than "no" (not retried).
pub(super) fn is_throttling(code: &str) -> bool {
    THROTTLING_CODES.contains(&code)
}

/// The "full jitter" delay before retry number `retry` (0 for the first retry): uniform in
/// `[0, min(CAP, BASE · 2^retry))`, `random` supplying the uniform draw. Full jitter spreads
/// out clients that failed together, so they do not come back together.
pub(super) fn backoff(retry: u32, random: u64) -> Duration {
    let ceiling = BASE
        .saturating_mul(1u32.checked_shl(retry).unwrap_or(u32::MAX))
        .min(CAP);
    let nanos = ceiling.as_nanos() * u128::from(random) / (u128::from(u64::MAX) + 1);
    Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
}

/// A uniform random draw for [`backoff`]. If the system source fails, jitter is lost but
/// retries still back off (the draw falls back to the middle of the range).
pub(super) fn draw() -> u64 {
    let mut bytes = [0u8; 8];
    match aws_lc_rs::rand::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => u64::MAX / 2,
    }
}

/// The server's `Retry-After`, when given as delta-seconds. The HTTP-date form is ignored:
/// AWS sends seconds, and honouring a date would make the wait depend on our clock.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds: u64 = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds).min(MAX_RETRY_AFTER))
}

#[cfg(test)]
#[path = "retry_tests.rs"]
mod tests;
