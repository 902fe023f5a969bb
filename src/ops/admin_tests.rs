//! Unit tests of `ops::admin`.

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
