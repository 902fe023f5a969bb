//! Unit tests of `domain::json`.

use super::*;

#[test]
fn objects_with_a_repeated_key_are_refused() {
    let one = object_with_unique_keys(br#"{"a":1,"b":{"a":2}}"#);
    assert_eq!(one.ok().map(|m| m.len()), Some(2));
    for bad in [
        &br#"{"a":1,"a":1}"#[..],
        br#"{"aud":"x","b":0,"aud":"y"}"#,
        br#"[1]"#,
        br#"{"a":1} {}"#,
        b"",
    ] {
        assert!(object_with_unique_keys(bad).is_err(), "{bad:?}");
    }
    // Callers tell a repeated key or a non-object (data) from broken JSON (syntax).
    let kind = |bytes: &[u8]| object_with_unique_keys(bytes).err().map(|e| e.classify());
    assert_eq!(
        kind(br#"{"a":1,"a":2}"#),
        Some(serde_json::error::Category::Data)
    );
    assert_eq!(kind(b"[1]"), Some(serde_json::error::Category::Data));
    assert_eq!(kind(br#"{"a":"#), Some(serde_json::error::Category::Eof));
    assert_eq!(
        kind(br#"{"a" 1}"#),
        Some(serde_json::error::Category::Syntax)
    );
}

#[test]
fn a_key_repeated_in_a_nested_object_is_refused_at_any_depth() {
    for bad in [
        &br#"{"org":{"id":"a","id":"b"}}"#[..],
        br#"{"groups":[{"name":"x"},{"name":"y","name":"admins"}]}"#,
        br#"{"a":[[{"b":{"c":1,"c":2}}]]}"#,
    ] {
        let error = object_with_unique_keys(bad).expect_err("refused");
        assert_eq!(error.classify(), serde_json::error::Category::Data);
        assert!(error.to_string().contains("more than once"), "{error}");
    }
}

#[test]
fn every_json_value_reads_as_serde_json_reads_it() {
    let text = br#"{"s":"\u00e9\n","n":[1,-2,3.5,1e300,18446744073709551615,-9223372036854775808],"b":[true,false,null],"o":{"x":{}},"e":[]}"#;
    let ours = object_with_unique_keys(text).unwrap();
    let theirs: Map<String, Value> = serde_json::from_slice(text).unwrap();
    assert_eq!(ours, theirs);
    // Nesting is bounded as for any serde_json parse.
    let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    assert!(object_with_unique_keys(deep.as_bytes()).is_err());
}
