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
        Value::Number(n) => !is_exact_double(n),
        Value::Array(items) => items.iter().any(inexact_within),
        Value::Object(map) => map.values().any(inexact_within),
        _ => false,
    }
}

/// Whether a double holds `n` exactly: every float does; an integer when converting it to
/// a double and back gives it again.
fn is_exact_double(n: &Number) -> bool {
    // 2^64 as a double: the first value no u64 reaches (and, halved and negated, the
    // first below every i64).
    const TWO_TO_64: f64 = 18_446_744_073_709_551_616.0;
    if let Some(u) = n.as_u64() {
        let double = u as f64;
        double < TWO_TO_64 && double as u64 == u
    } else if let Some(i) = n.as_i64() {
        let double = i as f64;
        double >= -TWO_TO_64 / 2.0 && double as i64 == i
    } else {
        true
    }
}

/// Puts back every number of `before` that `after` holds, at the same place, as the same
/// double: the value went through unchanged.
pub(super) fn restore_exact(before: &Map<String, Value>, after: &mut Map<String, Value>) {
    for (key, original) in before {
        if let Some(now) = after.get_mut(key) {
            restore_value(original, now);
        }
    }
}

fn restore_value(original: &Value, now: &mut Value) {
    match (original, now) {
        // The engine holds a double: the output is the input unchanged when it is the same
        // double, however it was printed (`JSON.stringify` writes 1e21 and up with an
        // exponent, smaller ones in full).
        (Value::Number(exact), Value::Number(seen))
            if !is_exact_double(exact) && exact.as_f64() == seen.as_f64() =>
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
