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
fn integers_of_any_size_are_put_back_however_the_engine_printed_them() {
    // Snowflake-sized IDs (around 1e18), the top of u64 and the bottom of i64: the engine
    // gives them back as doubles, printed in full below 1e21 and with an exponent above.
    for (exact, printed) in [
        (
            json!(12_345_678_901_234_567_891_u64),
            "12345678901234567000",
        ),
        (json!(1_234_567_890_123_456_789_u64), "1234567890123456800"),
        (json!(u64::MAX), "18446744073709552000"),
        (
            json!(-1_234_567_890_123_456_789_i64),
            "-1234567890123456800",
        ),
        (json!(i64::MIN + 1), "-9223372036854776000"),
        (
            json!(12_345_678_901_234_567_891_u64),
            "1.2345678901234567e19",
        ),
    ] {
        let before = object(json!({ "id": exact.clone() }));
        assert!(has_inexact(&before), "{exact}");
        let seen: Value = serde_json::from_str(printed).unwrap();
        let mut after = object(json!({ "id": seen }));
        restore_exact(&before, &mut after);
        assert_eq!(after["id"], exact, "{printed}");
    }
    assert!(!has_inexact(&object(
        json!({ "a": i64::MIN, "b": 1u64 << 63 })
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
