//! Unit tests of `domain::text`.

use super::*;

#[test]
fn hex_is_lowercase_with_the_high_half_first() {
    assert_eq!(hex(&[0x00, 0x0f, 0xa5, 0xff, 0x10]), "000fa5ff10");
    assert_eq!(hex(&[]), "");
}

#[test]
fn push_hex_appends_to_what_is_there() {
    let mut key = String::from("lock:");
    push_hex(&mut key, &[0xde, 0xad, 0x01]);
    assert_eq!(key, "lock:dead01");
    // Every byte value, against the formatting machinery it replaces.
    let all: Vec<u8> = (0..=255).collect();
    let expected: String = all.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(hex(&all), expected);
}
