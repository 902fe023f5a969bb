//! Unit tests of `delegation::request`.

use super::*;
use serde_json::json;

fn params(value: Value) -> Params {
    match value {
        Value::Object(map) => Params(map),
        _ => Params::default(),
    }
}

#[test]
fn non_string_parameters_and_empty_strings_are_told_apart() {
    let p = params(json!({"client_id": 5, "target": ""}));
    assert!(p.string("client_id").is_err());
    assert_eq!(p.string("target").unwrap(), None);
    assert!(p.required("target").is_err());
}
