//! Unit tests of `config::validate::state`.

use super::*;

#[test]
fn urls_are_checked_and_never_show_the_password() {
    assert_eq!(
        redis_url("redis://:hunter2@cache:6380/2").unwrap(),
        "redis://:redacted@cache:6380/2"
    );
    assert!(redis_url("rediss://cache.example.com").is_ok());
    let bad = redis_url("http://:hunter2@cache/").unwrap_err();
    assert!(bad.contains("http") && !bad.contains("hunter2"), "{bad}");
    assert!(redis_url("cache:6379").is_err());
    assert!(redis_url("rediss://cache/#insecure").is_err());
}

#[test]
fn keys_are_64_hex_digits_or_base64_of_32_bytes() {
    let hex = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n";
    assert_eq!(parse_key(hex).unwrap()[1], 0x11);
    let b64 = base64::engine::general_purpose::STANDARD.encode([9u8; 32]);
    assert_eq!(parse_key(&b64).unwrap(), [9u8; 32]);
    assert!(parse_key("too short").is_err());
    assert!(parse_key(&base64::engine::general_purpose::STANDARD.encode([9u8; 16])).is_err());
}
