//! Unit tests of `limit`.

use super::*;

#[test]
fn a_user_gets_the_burst_then_the_rate() {
    let limiter = RateLimiter::new(60, 3).unwrap();
    let start = Instant::now();
    for _ in 0..3 {
        assert!(limiter.check("a", start).is_ok());
    }
    let wait = limiter.check("a", start).unwrap_err();
    assert!(wait > Duration::from_millis(900) && wait <= Duration::from_secs(1));
    // Others are not affected, and a second later one more request is allowed.
    assert!(limiter.check("b", start).is_ok());
    assert!(limiter.check("a", start + Duration::from_secs(1)).is_ok());
    assert!(limiter.check("a", start + Duration::from_secs(1)).is_err());
}

#[test]
fn zero_per_minute_means_no_limit() {
    assert!(RateLimiter::new(0, 10).is_none());
}
