use serde_json::json;

use super::*;

const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*",
  "Resource":"arn:aws:s3:::my-bucket/home/${claims.sub}/*"}]}"#;

fn user(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test users are objects"),
    }
}

#[test]
fn a_policy_is_rendered_with_claim_values_escaped() {
    let template = PolicyTemplate::parse(POLICY, "*?:/").unwrap();
    let out = template
        .render(&user(json!({"sub": "auth0|1\"x"})))
        .unwrap();
    let parsed: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        parsed["Statement"][0]["Resource"],
        "arn:aws:s3:::my-bucket/home/auth0|1\"x/*"
    );
    // The literal wildcard and IAM's own syntax in the template stay as written.
    assert_eq!(parsed["Statement"][0]["Action"], "s3:*");
}

#[test]
fn claim_values_that_could_widen_the_policy_are_refused() {
    let template = PolicyTemplate::parse(POLICY, "*?:/").unwrap();
    for bad in ["*", "a?b", "x/y", "arn:aws", "${aws:username}", "a}b"] {
        let err = template.render(&user(json!({ "sub": bad }))).unwrap_err();
        assert!(
            matches!(err, PolicyError::Forbidden { ref claim, .. } if claim == "sub"),
            "{bad}: {err}"
        );
    }
    // With `:` and `/` allowed, only the wildcards and policy-variable syntax stay refused.
    let lenient = PolicyTemplate::parse(POLICY, "*?").unwrap();
    assert!(lenient.render(&user(json!({ "sub": "a:b/c" }))).is_ok());
    assert!(lenient.render(&user(json!({ "sub": "a*" }))).is_err());
}

#[test]
fn missing_or_structured_claims_and_oversized_results_are_refused() {
    let template = PolicyTemplate::parse(POLICY, "*?:/").unwrap();
    assert_eq!(
        template.render(&Map::new()),
        Err(PolicyError::Missing("sub".into()))
    );
    assert_eq!(
        template.render(&user(json!({"sub": ["a"]}))),
        Err(PolicyError::NotText("sub".into()))
    );
    let long = "x".repeat(3000);
    assert!(matches!(
        template.render(&user(json!({ "sub": long }))),
        Err(PolicyError::TooLong(_))
    ));
}

#[test]
fn templates_are_checked_at_load() {
    assert!(PolicyTemplate::parse("not json", "*").is_err());
    assert!(PolicyTemplate::parse("[]", "*").is_err());
    assert!(PolicyTemplate::parse(r#"{"a":"${claims.sub"}"#, "*").is_err());
    assert!(PolicyTemplate::parse(r#"{"${claims.sub}":"x"}"#, "*").is_err());
    let huge = format!(r#"{{"a":"{}"}}"#, "x".repeat(2100));
    assert!(PolicyTemplate::parse(&huge, "*").is_err());
}

#[test]
fn tag_rules_follow_aws() {
    assert_eq!(tag_key_problem("department"), None);
    assert!(tag_key_problem("").is_some());
    assert!(tag_key_problem("aws:x").is_some());
    assert!(tag_key_problem("bad!").is_some());
    // Multi-byte characters within the first four bytes once panicked the `aws:` check.
    assert_eq!(tag_key_problem("abcé"), None);
    assert_eq!(tag_key_problem("é"), None);
    assert!(tag_key_problem("AWS:é").is_some());
    assert_eq!(tag_value_problem(""), None);
    assert!(tag_value_problem("a\nb").is_some());
    assert_eq!(tag_value_of(&json!(["a", "b", 3])), Some("a:b:3".into()));
    assert_eq!(tag_value_of(&json!({"a": 1})), None);
    assert_eq!(tag_value_of(&json!([["a"]])), None);
}
