//! Numbers JavaScript cannot hold exactly. The rules see the user and context through
//! JSON and JavaScript numbers (doubles), so an integer claim beyond 2^53 comes back
//! rounded: tenants 9007199254740992 and 9007199254740993 would look the same afterwards.
//! A value no rule changed keeps its exact original: where the output holds exactly what
//! the engine makes of the input's number, the input's number is put back.

use serde_json::{Map, Number, Value};

/// Whether `value` holds a number that a JavaScript number cannot represent exactly, so
/// that the input must be kept to put it back afterwards.
pub(super) fn has_inexact(value: &Map<String, Value>) -> bool {
    value.values().any(inexact_within)
}

fn inexact_within(value: &Value) -> bool {
    match value {
        Value::Number(n) => as_engine_number(n).is_some_and(|seen| &seen != n),
        Value::Array(items) => items.iter().any(inexact_within),
        Value::Object(map) => map.values().any(inexact_within),
        _ => false,
    }
}

/// The number as it comes back from the engine: a double, printed by `JSON.stringify`
/// and read again.
fn as_engine_number(n: &Number) -> Option<Number> {
    let double = n.as_f64()?;
    let text = serde_json::to_string(&Value::from(double)).ok()?;
    // `JSON.stringify` writes integral doubles without a fraction.
    let text = text.strip_suffix(".0").unwrap_or(&text);
    serde_json::from_str::<Number>(text).ok()
}

/// Puts back every number of `before` that `after` holds, at the same place, exactly as
/// the engine made it: the value went through unchanged.
pub(super) fn restore_exact(before: &Map<String, Value>, after: &mut Map<String, Value>) {
    for (key, original) in before {
        if let Some(now) = after.get_mut(key) {
            restore_value(original, now);
        }
    }
}

fn restore_value(original: &Value, now: &mut Value) {
    match (original, now) {
        (Value::Number(exact), Value::Number(seen))
            if as_engine_number(exact).is_some_and(|rounded| &rounded == seen) =>
        {
            *seen = exact.clone();
        }
        (Value::Array(was), Value::Array(is)) if was.len() == is.len() => {
            for (a, b) in was.iter().zip(is.iter_mut()) {
                restore_value(a, b);
            }
        }
        (Value::Object(was), Value::Object(is)) => restore_exact(was, is),
        _ => {}
    }
}

#[cfg(test)]
#[path = "numbers_tests.rs"]
mod tests;
