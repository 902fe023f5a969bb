//! Unit tests of `cache::key`. Each backend's tests check that every field of its call
//! changes the key (src/backend/).

use super::*;

fn key(write: impl FnOnce(&mut KeyWriter)) -> CacheKey {
    let mut w = KeyWriter::new();
    write(&mut w);
    w.finish()
}

#[test]
fn the_key_is_deterministic() {
    let a = key(|w| w.text("a"));
    assert_eq!(a, key(|w| w.text("a")));
    assert_ne!(a, key(|w| w.text("b")));
}

#[test]
fn field_boundaries_are_part_of_the_key() {
    // The same bytes split differently between fields are different keys.
    let keys = [
        key(|w| {
            w.text("ab");
            w.text("c");
        }),
        key(|w| {
            w.text("a");
            w.text("bc");
        }),
        key(|w| w.text("abc")),
        key(|w| w.list(&["ab".into(), "c".into()])),
        key(|w| w.list(&["abc".into()])),
    ];
    for i in 0..keys.len() {
        for j in i + 1..keys.len() {
            assert_ne!(keys[i], keys[j], "{i} and {j} share a key");
        }
    }
}

#[test]
fn an_empty_value_is_not_an_absent_one() {
    assert_ne!(key(|w| w.optional(None)), key(|w| w.optional(Some(""))));
    assert_ne!(key(|w| w.list(&[])), key(|w| w.list(&[String::new()])));
}
