//! Unit tests of `token::jwks`.

use super::{Duration, cold_backoff};

#[test]
fn the_cold_start_backoff_doubles_up_to_the_refresh_interval() {
    let cap = Duration::from_secs(30);
    let waits: Vec<u64> = (0..9)
        .map(|f| cold_backoff(f, cap).as_millis() as u64)
        .collect();
    assert_eq!(waits, [0, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    assert_eq!(cold_backoff(u32::MAX, cap), cap);
}
