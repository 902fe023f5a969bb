//! Unit tests of the `web_identity` backend: its checks, its principal and its cache key.

use super::*;
use crate::backend::tests::{key_of, resolved, sts_target_variants};
use crate::domain::RoleArn;

fn call() -> WebIdentityCall {
    let mut mapped = Map::new();
    mapped.insert("email".into(), json!("jane@example.com"));
    WebIdentityCall {
        issuer: "https://id.example".into(),
        subject: "auth0|1".into(),
        audience: "sts.amazonaws.com".into(),
        mapped,
        session_name: "jane".into(),
        aws: resolved(&WebIdentity),
    }
}

#[test]
fn every_field_changes_the_key() {
    let base = key_of(&call());
    assert_eq!(base, key_of(&call()), "the key is deterministic");
    let mut changed = vec![
        WebIdentityCall {
            issuer: "https://other.example".into(),
            ..call()
        },
        WebIdentityCall {
            subject: "auth0|2".into(),
            ..call()
        },
        WebIdentityCall {
            audience: "other".into(),
            ..call()
        },
        WebIdentityCall {
            mapped: Map::new(),
            ..call()
        },
        WebIdentityCall {
            session_name: "john".into(),
            ..call()
        },
    ];
    let mut tagged = call();
    tagged.aws.session.tags = vec![("team".into(), "a".into())];
    changed.push(tagged);
    let mut transitive = call();
    transitive.aws.session.transitive_tag_keys = vec!["team".into()];
    changed.push(transitive);
    let mut source = call();
    source.aws.session.source_identity = Some("jane".into());
    changed.push(source);
    for aws in sts_target_variants(&call().aws) {
        changed.push(WebIdentityCall { aws, ..call() });
    }
    for (i, call) in changed.iter().enumerate() {
        assert_ne!(key_of(call), base, "field change {i} kept the key");
    }
}

#[test]
fn the_key_leaves_out_when_the_token_was_made_and_its_id() {
    // The key is written from the claims with iat 0 and no jti; a token made later, with
    // another jti, is the same call.
    let call = call();
    let later = call.claims(1_700_000_000, "another-id");
    let keyed = call.claims(0, "");
    let strip = |mut c: Map<String, Value>| {
        for name in ["iat", "exp", "nbf", "jti"] {
            c.remove(name);
        }
        c
    };
    assert_eq!(strip(later), strip(keyed));
}

#[test]
fn saml_only_keys_and_reserved_claim_names_are_refused() {
    let section = Section {
        key: "clients[1].aws",
        principal: Some("p"),
        role_rule_principals: vec![None, Some("p")],
        saml_issuer: Some(""),
        allow_request_roles: 1,
        mapping_names: vec!["email", "sub"],
    };
    let keys: Vec<String> = WebIdentity
        .check_section(&section)
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(
        keys,
        [
            "clients[1].aws.principal",
            "clients[1].aws.role_rules[1].principal",
            "clients[1].aws.saml_issuer",
            "clients[1].aws.allow_request_roles",
            "clients[1].aws.mappings.sub",
        ]
    );
    assert!(WebIdentity.check_section(&Section::default()).is_empty());
}

#[test]
fn the_principal_is_the_oidc_provider_of_the_role_s_account() {
    let role = RoleArn::parse("arn:aws:iam::123456789012:role/r").unwrap();
    let input = PrincipalInput {
        from_rules: None,
        configured: None,
        role: Some(&role),
        oidc_url: Some("https://id.example/tenant"),
    };
    let principal = WebIdentity.principal(input).unwrap().unwrap();
    assert_eq!(
        principal.as_str(),
        "arn:aws:iam::123456789012:oidc-provider/id.example/tenant"
    );
    let set = Ok(principal.clone());
    let error = WebIdentity
        .principal(PrincipalInput {
            from_rules: Some(&set),
            ..input
        })
        .unwrap_err();
    assert!(error.to_string().contains("set only the role"), "{error}");
    let without = PrincipalInput {
        oidc_url: None,
        ..input
    };
    assert!(WebIdentity.principal(without).is_err());
}

#[test]
fn mapped_claims_keep_json_and_skip_missing_or_null() {
    let user = json!({"email": "j@x", "groups": ["a", "b"], "gone": null});
    let Value::Object(user) = user else { panic!() };
    let mappings: Mappings = [
        ("mail", "email"),
        ("groups", "groups"),
        ("g", "gone"),
        ("m", "missing"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let claims = mapped_claims(&user, &mappings).unwrap();
    assert_eq!(
        Value::Object(claims),
        json!({"mail": "j@x", "groups": ["a", "b"]})
    );
    let reserved: Mappings = vec![("sub".into(), "email".into())];
    assert!(mapped_claims(&user, &reserved).is_err());
}

#[test]
fn explain_and_preview_show_the_mapped_claims() {
    let call = call();
    assert_eq!(
        call.explain(),
        ("token_claims", json!({"email": "jane@example.com"}))
    );
    let (name, shown) = call.preview();
    assert_eq!(name, "web_identity");
    assert_eq!(
        shown,
        json!({"sub": "auth0|1", "claims": {"email": "jane@example.com"}})
    );
}
