//! Unit tests of `saml::session_name`.

use super::*;
use serde_json::json;

fn user(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test users are objects"),
    }
}

fn is_valid_for_aws(name: &str) -> bool {
    (MIN_LEN..=MAX_LEN).contains(&name.len()) && name.chars().all(is_session_name_char)
}

#[test]
fn valid_names_are_kept_as_they_are() {
    for name in ["jane", "jane.doe@example.com", "a_b+c=d,e.f@g-h", "AZaz09"] {
        assert_eq!(session_name(name), name);
    }
}

#[test]
fn each_disallowed_character_becomes_one_dash() {
    assert_eq!(session_name("Jane Doe"), "Jane-Doe");
    assert_eq!(session_name("Zoë 東京"), "Zo----");
    assert_eq!(session_name("auth0|123"), "auth0-123");
    assert_eq!(session_name("a<&\"'>\u{0}\tz"), "a-------z");
    assert_eq!(session_name("😀😀"), "--");
}

#[test]
fn short_names_are_padded_with_underscores() {
    assert_eq!(session_name(""), "__");
    assert_eq!(session_name("a"), "a_");
    assert_eq!(session_name("é"), "-_");
}

#[test]
fn long_names_are_cut_to_64_characters() {
    assert_eq!(session_name(&"x".repeat(65)), "x".repeat(64));
    assert_eq!(session_name(&"ü".repeat(100)), "-".repeat(64));
}

#[test]
fn session_names_are_always_valid_for_aws() {
    let long = "ä".repeat(200);
    for raw in ["", "a", " ", "\u{FFFF}", "a:b/c", long.as_str(), "aws:x"] {
        let name = session_name(raw);
        assert!(is_valid_for_aws(&name), "{raw:?} gave {name:?}");
    }
}

#[test]
fn default_prefers_nickname_then_name_then_email_then_user_id() {
    let all =
        json!({"nickname": "jd", "name": "Jane Doe", "email": "jane@x.io", "user_id": "auth0|1"});
    assert_eq!(default_session_name(&user(all)), "jd");
    let no_nick =
        json!({"nickname": " ", "name": "Jane Doe", "email": "jane@x.io", "user_id": "auth0|1"});
    assert_eq!(default_session_name(&user(no_nick)), "Jane-Doe");
    let email = json!({"name": "", "email": "jane.doe@x.io", "user_id": "auth0|1"});
    assert_eq!(default_session_name(&user(email)), "jane.doe");
    let only_id = json!({"nickname": 7, "email": "@x.io", "user_id": "auth0|1"});
    assert_eq!(default_session_name(&user(only_id)), "auth0-1");
}

#[test]
fn default_for_an_empty_user_is_still_valid() {
    assert_eq!(default_session_name(&Map::new()), "__");
}
