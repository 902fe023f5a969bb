//! Unit tests of `rules::numbers`.

use super::*;
use serde_json::json;

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

#[test]
fn only_integers_beyond_doubles_are_inexact() {
    assert!(!has_inexact(&object(
        json!({"a": 1, "b": 9007199254740992_u64, "c": 0.1})
    )));
    assert!(has_inexact(&object(json!({"a": 9007199254740993_u64}))));
    assert!(has_inexact(&object(
        json!({"a": [{"b": -9007199254740993_i64}]})
    )));
}

#[test]
fn unchanged_numbers_are_put_back_and_changed_ones_left() {
    let before = object(json!({
        "tenant": 9007199254740993_u64,
        "nested": {"ids": [9007199254740995_u64, 1]},
        "changed": 9007199254740993_u64,
    }));
    let mut after = object(json!({
        "tenant": 9007199254740992_u64,
        "nested": {"ids": [9007199254740996_u64, 1]},
        "changed": 5,
        "added": 9007199254740992_u64,
    }));
    restore_exact(&before, &mut after);
    assert_eq!(after["tenant"], json!(9007199254740993_u64));
    assert_eq!(after["nested"]["ids"][0], json!(9007199254740995_u64));
    assert_eq!(after["changed"], json!(5));
    assert_eq!(after["added"], json!(9007199254740992_u64));
}
