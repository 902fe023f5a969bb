//! Unit tests of `domain::role_rule`.

use super::*;
use serde_json::json;

fn rule(test: ClaimTest) -> RoleRule {
    RoleRule {
        claim: "groups".into(),
        test,
        role: RoleArn::parse("arn:aws:iam::123456789012:role/r").unwrap(),
        principal: None,
    }
}

fn user(groups: Value) -> Map<String, Value> {
    let Value::Object(map) = json!({ "groups": groups }) else {
        unreachable!()
    };
    map
}

#[test]
fn contains_tests_array_items_exactly_and_strings_by_substring() {
    let r = rule(ClaimTest::Contains("admins".into()));
    assert!(r.matches(&user(json!(["staff", "admins"]))));
    assert!(
        !r.matches(&user(json!(["staff", "admins-old"]))),
        "items match whole"
    );
    assert!(r.matches(&user(json!("team-admins"))));
    assert!(!r.matches(&user(json!({"admins": true}))));
    assert!(!r.matches(&Map::new()));
}

#[test]
fn equals_and_matches_test_each_item() {
    let eq = rule(ClaimTest::Equals("eng".into()));
    assert!(eq.matches(&user(json!("eng"))));
    assert!(eq.matches(&user(json!(["x", "eng"]))));
    assert!(!eq.matches(&user(json!("engineering"))));
    let re = rule(ClaimTest::regex("^eng-.*$").unwrap());
    assert!(re.matches(&user(json!(["ops", "eng-backend"]))));
    assert!(!re.matches(&user(json!(["ops"]))));
    assert!(re.matches(&user(json!("eng-7"))));
}

#[test]
fn matches_is_a_full_match_of_each_item() {
    let re = rule(ClaimTest::regex("admin").unwrap());
    assert!(re.matches(&user(json!(["staff", "admin"]))));
    assert!(!re.matches(&user(json!(["not-admin"]))), "unanchored match");
    assert!(!re.matches(&user(json!("admins"))));
    assert!(!re.matches(&user(json!("team-admin-x"))));
    let alternatives = rule(ClaimTest::regex("eng|ops").unwrap());
    assert!(alternatives.matches(&user(json!("ops"))));
    assert!(
        !alternatives.matches(&user(json!("engops"))),
        "the anchors hold every branch"
    );
}

#[test]
fn huge_regexes_are_refused() {
    assert!(ClaimTest::regex(&"(a|b|c|d)".repeat(20_000)).is_err());
    assert!(ClaimTest::regex("(").is_err());
}
