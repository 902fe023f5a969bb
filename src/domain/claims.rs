//! Reading a user property (an id_token claim, or what a rule set) by name.

use serde_json::{Map, Value};

/// The property's value, or `None` if it is missing or `null`. The exact name is tried
/// first, then a dotted path into nested objects (`app_metadata.team`), as Auth0 allowed.
pub fn lookup<'a>(user: &'a Map<String, Value>, property: &str) -> Option<&'a Value> {
    let value = match user.get(property) {
        Some(value) => value,
        None => {
            let mut parts = property.split('.');
            let first = user.get(parts.next()?)?;
            parts.try_fold(first, |value, part| value.as_object()?.get(part))?
        }
    };
    (!value.is_null()).then_some(value)
}

/// The text of a scalar: strings as they are, numbers and booleans as JSON writes them.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        Value::Null | Value::Array(_) | Value::Object(_) => None,
    }
}

#[cfg(test)]
#[path = "claims_tests.rs"]
mod tests;
