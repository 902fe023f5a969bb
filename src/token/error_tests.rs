//! Unit tests of `token::error`.

use super::*;

#[test]
fn short_plain_values_are_quoted_and_others_hidden() {
    assert_eq!(
        describe_value("https://a.example/"),
        "\"https://a.example/\""
    );
    assert_eq!(describe_value("has space"), "(value not shown)");
    assert_eq!(describe_value("quo\"te"), "(value not shown)");
    assert_eq!(describe_value(&"x".repeat(101)), "(value not shown)");
}

#[test]
fn only_key_unavailability_is_a_fetch_failure() {
    let down = TokenError::KeysUnavailable {
        issuer: "https://a/".into(),
        reason: "x".into(),
    };
    assert!(down.is_key_fetch_failure());
    assert!(!TokenError::Signature.is_key_fetch_failure());
    assert_eq!(TokenError::Expired.check(), "expired");
}
