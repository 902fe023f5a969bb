//! Unit tests of `cache::key`.

use super::*;

fn attribute(name: &str, values: &[&str]) -> SamlAttribute {
    SamlAttribute {
        name: name.into(),
        values: values.iter().map(|v| (*v).to_owned()).collect(),
    }
}

fn parts(attributes: &[SamlAttribute]) -> KeyParts<'_> {
    KeyParts {
        backend: Backend::Saml,
        token_issuer: "https://issuer.example/",
        caller: "app",
        target: "app",
        saml_issuer: "urn:delegation",
        subject: "auth0|1",
        audience: "urn:amazon:webservices",
        recipient: "https://signin.aws.amazon.com/saml",
        attributes,
        role: "arn:aws:iam::123456789012:role/r",
        principal: "arn:aws:iam::123456789012:saml-provider/p",
        region: "us-east-1",
        duration_seconds: 3600,
        policy: None,
        policy_arns: &[],
        session_name: "",
        token_claims: "",
    }
}

#[test]
fn every_field_changes_the_key() {
    let attrs = [attribute("a", &["1", "2"])];
    let arns = ["arn:aws:iam::aws:policy/ReadOnlyAccess".to_owned()];
    let base = parts(&attrs).digest();
    assert_eq!(base, parts(&attrs).digest(), "the key is deterministic");
    let changed: Vec<KeyParts<'_>> = vec![
        KeyParts {
            token_issuer: "https://other.example/",
            ..parts(&attrs)
        },
        KeyParts {
            caller: "other",
            ..parts(&attrs)
        },
        KeyParts {
            target: "other",
            ..parts(&attrs)
        },
        KeyParts {
            saml_issuer: "urn:other",
            ..parts(&attrs)
        },
        KeyParts {
            subject: "auth0|2",
            ..parts(&attrs)
        },
        KeyParts {
            audience: "urn:other",
            ..parts(&attrs)
        },
        KeyParts {
            recipient: "https://other/saml",
            ..parts(&attrs)
        },
        KeyParts {
            role: "arn:aws:iam::123456789012:role/s",
            ..parts(&attrs)
        },
        KeyParts {
            principal: "arn:aws:iam::123456789012:saml-provider/q",
            ..parts(&attrs)
        },
        KeyParts {
            region: "eu-west-1",
            ..parts(&attrs)
        },
        KeyParts {
            duration_seconds: 3601,
            ..parts(&attrs)
        },
        KeyParts {
            policy: Some("{}"),
            ..parts(&attrs)
        },
        KeyParts {
            policy_arns: &arns,
            ..parts(&attrs)
        },
        KeyParts {
            backend: Backend::WebIdentity,
            ..parts(&attrs)
        },
        KeyParts {
            session_name: "jane",
            ..parts(&attrs)
        },
        KeyParts {
            token_claims: "{}",
            ..parts(&attrs)
        },
        parts(&[]),
    ];
    for (i, parts) in changed.iter().enumerate() {
        assert_ne!(parts.digest(), base, "field change {i} kept the key");
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
    let keys = [&a[..], &b, &c, &d].map(|attrs| parts(attrs).digest());
    for i in 0..keys.len() {
        for j in i + 1..keys.len() {
            assert_ne!(keys[i], keys[j], "{i} and {j} share a key");
        }
    }
    // An empty policy is not the same as none.
    let attrs = [];
    let none = parts(&attrs);
    let empty = KeyParts {
        policy: Some(""),
        ..none
    };
    assert_ne!(none.digest(), empty.digest());
}
