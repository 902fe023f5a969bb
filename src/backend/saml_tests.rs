//! Unit tests of the `saml` backend: its checks and its cache key.

use super::*;
use crate::backend::tests::{key_of, resolved, sts_target_variants};

fn attribute(name: &str, values: &[&str]) -> SamlAttribute {
    SamlAttribute {
        name: name.into(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn call(attributes: &[SamlAttribute]) -> SamlCall {
    SamlCall {
        issuer: "urn:delegation".into(),
        subject: "auth0|1".into(),
        recipient: "https://signin.aws.amazon.com/saml",
        audience: "urn:amazon:webservices".into(),
        attributes: attributes.to_vec(),
        aws: resolved(&Saml),
    }
}

#[test]
fn every_field_changes_the_key() {
    let attrs = [attribute("a", &["1", "2"])];
    let base = key_of(&call(&attrs));
    assert_eq!(base, key_of(&call(&attrs)), "the key is deterministic");
    let mut changed = vec![
        SamlCall {
            issuer: "urn:other".into(),
            ..call(&attrs)
        },
        SamlCall {
            subject: "auth0|2".into(),
            ..call(&attrs)
        },
        SamlCall {
            audience: "urn:other".into(),
            ..call(&attrs)
        },
        SamlCall {
            recipient: "https://other/saml",
            ..call(&attrs)
        },
        call(&[]),
    ];
    for aws in sts_target_variants(&call(&attrs).aws) {
        changed.push(SamlCall {
            aws,
            ..call(&attrs)
        });
    }
    for (i, call) in changed.iter().enumerate() {
        assert_ne!(key_of(call), base, "field change {i} kept the key");
    }
}

#[test]
fn attribute_boundaries_are_part_of_the_key() {
    // The same characters split differently between names and values, or between
    // values, are different assertions.
    let a = [attribute("a", &["1", "2"])];
    let b = [attribute("a", &["12"])];
    let c = [attribute("a", &["1"]), attribute("2", &[])];
    let d = [attribute("a1", &["2"])];
    let keys = [&a[..], &b, &c, &d].map(|attrs| key_of(&call(attrs)));
    for i in 0..keys.len() {
        for j in i + 1..keys.len() {
            assert_ne!(keys[i], keys[j], "{i} and {j} share a key");
        }
    }
}

#[test]
fn a_role_rule_needs_a_principal_when_the_client_has_none() {
    let section = Section {
        key: "clients[0].aws",
        role_rule_principals: vec![None, Some("arn:aws:iam::1:saml-provider/p")],
        ..Section::default()
    };
    assert_eq!(
        Saml.check_section(&section),
        [(
            "clients[0].aws.role_rules[0].principal".to_owned(),
            "is required: the client has no principal either".to_owned()
        )]
    );
    let with_principal = Section {
        principal: Some("arn:aws:iam::1:saml-provider/p"),
        ..section
    };
    assert!(Saml.check_section(&with_principal).is_empty());
}

#[test]
fn the_principal_is_the_configured_one_unless_rules_set_one() {
    let configured = PrincipalArn::parse("arn:aws:iam::123456789012:saml-provider/a").unwrap();
    let set = Ok(PrincipalArn::parse("arn:aws:iam::123456789012:saml-provider/b").unwrap());
    let input = PrincipalInput {
        from_rules: None,
        configured: Some(&configured),
        role: None,
        oidc_url: None,
    };
    assert_eq!(Saml.principal(input).unwrap(), Some(configured.clone()));
    let by_rules = PrincipalInput {
        from_rules: Some(&set),
        ..input
    };
    assert_eq!(Saml.principal(by_rules).unwrap(), set.ok());
}

#[test]
fn explain_and_preview_show_the_attributes_and_name_id() {
    let call = call(&[attribute("a", &["1", "2"])]);
    assert_eq!(
        call.explain(),
        ("saml_attributes", json!({"a": ["1", "2"]}))
    );
    let (name, shown) = call.preview();
    assert_eq!(name, "saml");
    assert_eq!(shown["name_id"], "auth0|1");
    assert_eq!(shown["attributes"]["a"], json!(["1", "2"]));
}
