use serde_json::json;

use super::*;

const ROLE: &str = "https://aws.amazon.com/SAML/Attributes/Role";
const SESSION: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";
const DURATION: &str = "https://aws.amazon.com/SAML/Attributes/SessionDuration";
const SOURCE: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";
const TAG: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
const ROLE_ARN: &str = "arn:aws:iam::123456789012:role/auth0-role";
const PROVIDER_ARN: &str = "arn:aws:iam::123456789012:saml-provider/auth0";

fn user(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => unreachable!("test users are objects"),
    }
}

fn mappings(pairs: &[(&str, &str)]) -> Mappings {
    pairs
        .iter()
        .map(|(a, p)| ((*a).to_owned(), (*p).to_owned()))
        .collect()
}

/// The values computed for one attribute mapped from property `p` holding `value`.
fn one(attribute: &str, value: Value) -> Result<Vec<String>, AttributeError> {
    let attributes =
        compute_attributes(&user(json!({ "p": value })), &mappings(&[(attribute, "p")]))?;
    Ok(attributes.into_iter().flat_map(|a| a.values).collect())
}

fn attribute(name: &str, values: &[&str]) -> SamlAttribute {
    SamlAttribute {
        name: name.to_owned(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

#[test]
fn default_mappings_are_auth0s_three() {
    assert_eq!(
        default_mappings(),
        mappings(&[
            (
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
                "name"
            ),
            (ROLE, "awsrole"),
            (SESSION, "rolesessionname"),
        ])
    );
}

#[test]
fn default_mappings_produce_the_attributes_aws_needs_in_order() {
    let jane = user(json!({
        "name": "Jane Doe", "user_id": "auth0|1", "email": "jane@x.io",
        "awsrole": format!("{ROLE_ARN},{PROVIDER_ARN}"), "rolesessionname": "jane",
    }));
    assert_eq!(
        compute_attributes(&jane, &default_mappings()).unwrap(),
        vec![
            attribute(
                "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier",
                &["Jane Doe"]
            ),
            attribute(ROLE, &[&format!("{ROLE_ARN},{PROVIDER_ARN}")]),
            attribute(SESSION, &["jane"]),
        ]
    );
}

#[test]
fn strings_numbers_and_booleans_become_text() {
    assert_eq!(one("g", json!("Zoë <&\"'>")).unwrap(), ["Zoë <&\"'>"]);
    assert_eq!(one("g", json!(42)).unwrap(), ["42"]);
    assert_eq!(one("g", json!(-1.5)).unwrap(), ["-1.5"]);
    assert_eq!(one("g", json!(true)).unwrap(), ["true"]);
}

#[test]
fn empty_strings_are_omitted_outside_aws_attributes() {
    let u = user(json!({ "blank": "", "list": ["", "a", null] }));
    let m = mappings(&[("g", "blank"), ("h", "list"), (SESSION, "blank")]);
    assert_eq!(
        compute_attributes(&u, &m).unwrap(),
        vec![attribute("h", &["a"]), attribute(SESSION, &["__"])]
    );
}

#[test]
fn arrays_give_one_value_per_item_and_skip_nulls() {
    assert_eq!(
        one("groups", json!(["a", 1, false, null, "b"])).unwrap(),
        ["a", "1", "false", "b"]
    );
}

#[test]
fn missing_null_and_empty_array_properties_omit_the_attribute() {
    let u = user(json!({ "n": null, "e": [], "x": "kept" }));
    let m = mappings(&[
        ("missing", "nope"),
        ("null", "n"),
        ("empty", "e"),
        ("x", "x"),
    ]);
    assert_eq!(
        compute_attributes(&u, &m).unwrap(),
        vec![attribute("x", &["kept"])]
    );
}

#[test]
fn dotted_properties_reach_into_nested_objects_but_exact_names_win() {
    let u =
        user(json!({ "app_metadata": { "team": "blue" }, "a.b": "exact", "a": { "b": "nested" } }));
    let m = mappings(&[
        ("team", "app_metadata.team"),
        ("ab", "a.b"),
        ("none", "app_metadata.x.y"),
    ]);
    assert_eq!(
        compute_attributes(&u, &m).unwrap(),
        vec![attribute("team", &["blue"]), attribute("ab", &["exact"])]
    );
}

#[test]
fn objects_and_nested_arrays_are_refused_without_echoing_the_value() {
    for value in [
        json!({"secret": "s3cr3t"}),
        json!([["s3cr3t"]]),
        json!([{"k": "s3cr3t"}]),
    ] {
        let err = one("groups", value).unwrap_err();
        assert_eq!(
            err,
            AttributeError::NotText {
                attribute: "groups".to_owned(),
                property: "p".to_owned()
            }
        );
        assert!(!err.to_string().contains("s3cr3t"));
    }
}

#[test]
fn role_session_name_is_always_made_valid() {
    assert_eq!(one(SESSION, json!("Zoë 東京")).unwrap(), ["Zo----"]);
    assert_eq!(one(SESSION, json!("")).unwrap(), ["__"]);
    assert_eq!(
        one(SESSION, json!(["first one", "second"])).unwrap(),
        ["first-one"]
    );
    assert_eq!(
        one(SESSION, json!("x".repeat(99))).unwrap(),
        ["x".repeat(64)]
    );
}

#[test]
fn role_accepts_one_pair_in_either_order() {
    let pair = format!("{ROLE_ARN},{PROVIDER_ARN}");
    assert_eq!(one(ROLE, json!(pair)).unwrap(), [pair]);
    let reversed = format!("{PROVIDER_ARN},{ROLE_ARN}");
    assert_eq!(one(ROLE, json!(reversed)).unwrap(), [reversed]);
}

#[test]
fn role_refuses_malformed_or_mixed_partition_pairs() {
    for bad in [
        ROLE_ARN.to_owned(),
        format!("{ROLE_ARN},{ROLE_ARN}"),
        format!("{ROLE_ARN}, {PROVIDER_ARN}"),
        format!("{ROLE_ARN},{PROVIDER_ARN},x"),
        format!("{ROLE_ARN},arn:aws-cn:iam::123456789012:saml-provider/auth0"),
    ] {
        let err = one(ROLE, json!(bad)).unwrap_err();
        assert!(
            matches!(err, AttributeError::Invalid { .. }),
            "{bad}: {err:?}"
        );
        assert!(!err.to_string().contains("123456789012"), "{err}");
    }
}

#[test]
fn role_must_be_a_single_value() {
    let pair = format!("{ROLE_ARN},{PROVIDER_ARN}");
    assert_eq!(
        one(ROLE, json!([pair, pair])).unwrap_err(),
        AttributeError::NotSingleValued {
            attribute: ROLE.to_owned(),
            property: "p".to_owned(),
            count: 2
        }
    );
}

#[test]
fn session_duration_must_be_whole_seconds_from_900_to_43200() {
    assert_eq!(one(DURATION, json!(900)).unwrap(), ["900"]);
    assert_eq!(one(DURATION, json!("43200")).unwrap(), ["43200"]);
    for bad in [
        json!(899),
        json!(43201),
        json!("3600.0"),
        json!(3600.5),
        json!("+3600"),
        json!(" 3600"),
        json!(""),
    ] {
        let err = one(DURATION, bad.clone()).unwrap_err();
        assert!(
            matches!(err, AttributeError::InvalidValue { .. }),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn source_identity_follows_aws_rules() {
    assert_eq!(one(SOURCE, json!("jane@x.io")).unwrap(), ["jane@x.io"]);
    for bad in [
        "a",
        "aws:me",
        "AWS:me",
        "Aws:x",
        "has space",
        &"x".repeat(65),
        "zoë",
    ] {
        let err = one(SOURCE, json!(bad)).unwrap_err();
        assert!(
            matches!(err, AttributeError::InvalidValue { .. }),
            "{bad}: {err:?}"
        );
    }
}

#[test]
fn principal_tags_are_limited_in_key_value_and_count() {
    let key = |k: &str| format!("{TAG}{k}");
    assert_eq!(one(&key("team"), json!("blue")).unwrap(), ["blue"]);
    assert_eq!(
        one(&key(&"k".repeat(128)), json!("v".repeat(256))).unwrap(),
        ["v".repeat(256)]
    );
    assert!(matches!(
        one(&key(""), json!("v")),
        Err(AttributeError::Invalid { .. })
    ));
    assert!(matches!(
        one(&key(&"k".repeat(129)), json!("v")),
        Err(AttributeError::Invalid { .. })
    ));
    assert!(matches!(
        one(&key("t"), json!("v".repeat(257))),
        Err(AttributeError::InvalidValue { .. })
    ));
    assert!(matches!(
        one(&key("t"), json!(["a", "b"])),
        Err(AttributeError::NotSingleValued { .. })
    ));

    let u = user(json!({ "v": "x" }));
    let fifty: Vec<(String, String)> = (0..50)
        .map(|i| (key(&format!("t{i}")), "v".to_owned()))
        .collect();
    assert_eq!(compute_attributes(&u, &fifty).unwrap().len(), 50);
    let mut fifty_one = fifty;
    fifty_one.push((key("t50"), "v".to_owned()));
    assert_eq!(
        compute_attributes(&u, &fifty_one).unwrap_err(),
        AttributeError::TooManyPrincipalTags { count: 51 }
    );
}

#[test]
fn single_valued_aws_attributes_may_not_be_mapped_twice() {
    let u = user(json!({ "a": "900", "b": "1000" }));
    let err = compute_attributes(&u, &mappings(&[(DURATION, "a"), (DURATION, "b")])).unwrap_err();
    assert_eq!(
        err,
        AttributeError::Repeated {
            attribute: DURATION.to_owned()
        }
    );
}

#[test]
fn other_attributes_pass_through_unchecked() {
    let transitive = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";
    assert_eq!(one(transitive, json!(["a", "b"])).unwrap(), ["a", "b"]);
    assert_eq!(one("urn:custom", json!(["a", "b"])).unwrap(), ["a", "b"]);
}

#[test]
fn principal_tags_hold_only_the_characters_aws_allows() {
    let key = |k: &str| format!("{TAG}{k}");
    for good in [
        "Zoë 東京",
        "a_b.c:d/e=f+g-h@i",
        "٣ digits",
        "no\u{a0}break",
        "",
    ] {
        assert_eq!(one(&key("team"), json!(good)).unwrap(), [good], "{good:?}");
    }
    for bad in [
        "t\r\n\t",
        "\"<&>'",
        "😀",
        "a\u{0}",
        "semi;colon",
        "ab#c",
        "a\u{202e}b",
    ] {
        let err = one(&key("team"), json!(bad)).unwrap_err();
        assert!(
            matches!(&err, AttributeError::InvalidValue { property, .. } if property == "p"),
            "{bad:?}: {err:?}"
        );
        assert!(err.is_user_data(), "{err}");
        assert!(err.to_string().contains(&key("team")), "{err}");
    }
    for bad_key in ["te am\n", "dept!", "😀"] {
        let err = one(&key(bad_key), json!("v")).unwrap_err();
        assert!(
            matches!(err, AttributeError::Invalid { .. }),
            "{bad_key:?}: {err:?}"
        );
        assert!(!err.is_user_data());
    }
}

#[test]
fn problems_with_claim_values_are_told_from_problems_with_the_mapping() {
    let object = one("urn:x", json!({"x": "<y>"})).unwrap_err();
    assert!(object.is_user_data(), "{object}");
    assert!(object.to_string().contains("`p`"), "{object}");
    let many = one(DURATION, json!([900, 901])).unwrap_err();
    assert!(many.is_user_data(), "{many}");
    // The role pair comes from the server or a rule, never from a claim.
    let pair = format!("{ROLE_ARN},{PROVIDER_ARN}");
    assert!(!one(ROLE, json!([pair, pair])).unwrap_err().is_user_data());
    assert!(!one(ROLE, json!("not a pair")).unwrap_err().is_user_data());
    let u = user(json!({ "a": "900", "b": "1000" }));
    let twice = compute_attributes(&u, &mappings(&[(DURATION, "a"), (DURATION, "b")])).unwrap_err();
    assert!(!twice.is_user_data());
}
