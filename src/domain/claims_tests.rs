//! Unit tests of `domain::claims`.

use super::*;
use serde_json::json;

#[test]
fn exact_names_win_over_dotted_paths() {
    let Value::Object(user) = json!({"a.b": 1, "a": {"b": 2, "c": {"d": "x"}}, "n": null}) else {
        unreachable!()
    };
    assert_eq!(lookup(&user, "a.b"), Some(&json!(1)));
    assert_eq!(lookup(&user, "a.c.d"), Some(&json!("x")));
    assert_eq!(lookup(&user, "a.missing"), None);
    assert_eq!(lookup(&user, "n"), None);
}
