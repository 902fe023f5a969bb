//! Unit tests of `sts::retry`.

use reqwest::header::HeaderValue;

use super::*;

#[test]
fn backoff_ceiling_doubles_then_stops_at_the_cap() {
    let top = u64::MAX;
    assert!(backoff(0, top) < Duration::from_millis(100));
    assert!(backoff(0, top) > Duration::from_millis(99));
    assert!(backoff(1, top) > Duration::from_millis(199));
    assert!(backoff(4, top) > Duration::from_millis(1599));
    assert!(backoff(5, top) < CAP);
    assert!(backoff(5, top) > Duration::from_millis(1999));
    assert!(backoff(u32::MAX, top) < CAP);
}

#[test]
fn backoff_is_fully_jittered() {
    assert_eq!(backoff(3, 0), Duration::ZERO);
    assert_eq!(backoff(3, u64::MAX / 2 + 1), Duration::from_millis(400));
}

#[test]
fn retry_after_seconds_are_honoured_and_dates_ignored() {
    let mut headers = HeaderMap::new();
    assert_eq!(retry_after(&headers), None);
    headers.insert(RETRY_AFTER, HeaderValue::from_static("3"));
    assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
    headers.insert(RETRY_AFTER, HeaderValue::from_static("99999999"));
    assert_eq!(retry_after(&headers), Some(MAX_RETRY_AFTER));
    headers.insert(
        RETRY_AFTER,
        HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
    );
    assert_eq!(retry_after(&headers), None);
}

#[test]
fn only_throttling_codes_are_throttling() {
    assert!(is_throttling("Throttling"));
    assert!(is_throttling("ThrottlingException"));
    assert!(!is_throttling("AccessDenied"));
    assert!(!is_throttling("throttling"));
}
