//! Unit tests of `issuer::token`.

use super::*;

#[test]
fn registered_and_aws_claims_are_reserved() {
    for name in ["iss", "sub", "aud", "exp", "jti", "azp", TAGS_CLAIM, " "] {
        assert!(reserved_claim_problem(name).is_some(), "{name}");
    }
    for name in ["email", "groups", "https://example.com/team"] {
        assert_eq!(reserved_claim_problem(name), None, "{name}");
    }
}

#[test]
fn tags_take_the_shape_sts_reads() {
    let mapped = Map::from_iter([
        ("email".to_owned(), json!("a@example.com")),
        ("sub".to_owned(), json!("forged")),
    ]);
    let tags = [("team".to_owned(), "blue".to_owned())];
    let transitive = ["team".to_owned()];
    let claims = WebIdentityClaims {
        issuer: "https://d.example.com",
        subject: "auth0|1",
        audience: "sts.amazonaws.com",
        issued_at: 1_000,
        jti: "j1",
        mapped: &mapped,
        tags: &tags,
        transitive_tag_keys: &transitive,
        source_identity: Some("alice"),
    }
    .to_json();
    assert_eq!(claims["sub"], "auth0|1");
    assert_eq!(claims["exp"], 1_300);
    assert_eq!(claims["email"], "a@example.com");
    assert_eq!(
        claims[TAGS_CLAIM],
        json!({"principal_tags": {"team": ["blue"]}, "transitive_tag_keys": ["team"]})
    );
    assert_eq!(claims[SOURCE_IDENTITY_CLAIM], "alice");
}

#[test]
fn an_app_token_keeps_the_user_and_replaces_what_the_server_sets() {
    let user = Map::from_iter([
        ("email".to_owned(), json!("a@example.com")),
        ("aud".to_owned(), json!("caller")),
        ("nonce".to_owned(), json!("n-0S6")),
        ("nbf".to_owned(), json!(5)),
        ("user_id".to_owned(), json!("auth0|1")),
        ("groups".to_owned(), json!(["a"])),
        (
            TAGS_CLAIM.to_owned(),
            json!({"principal_tags": {"admin": ["yes"]}}),
        ),
        (SOURCE_IDENTITY_CLAIM.to_owned(), json!("root")),
        ("sid".to_owned(), json!("s")),
    ]);
    let claims = AppTokenClaims {
        issuer: "https://d.example.com",
        subject: "auth0|1",
        audience: "target",
        authorized_party: "caller",
        issued_at: 100,
        lifetime_seconds: 36_000,
        jti: "j",
    }
    .to_json(user);
    assert_eq!(claims["aud"], "target");
    assert_eq!(claims["azp"], "caller");
    assert_eq!(claims["exp"], 36_100);
    assert_eq!(claims["groups"], json!(["a"]));
    for gone in [
        "nonce",
        "nbf",
        "user_id",
        "sid",
        TAGS_CLAIM,
        SOURCE_IDENTITY_CLAIM,
    ] {
        assert!(!claims.contains_key(gone), "{gone}");
    }
    assert_eq!(claims.len(), 9);
    assert_eq!(new_jti().unwrap().len(), 32);
    assert_ne!(new_jti(), new_jti());
}

#[test]
fn without_tags_there_is_no_tags_claim() {
    let mapped = Map::new();
    let claims = WebIdentityClaims {
        issuer: "https://d.example.com",
        subject: "s",
        audience: "a",
        issued_at: 0,
        jti: "j",
        mapped: &mapped,
        tags: &[],
        transitive_tag_keys: &[],
        source_identity: None,
    }
    .to_json();
    assert!(!claims.contains_key(TAGS_CLAIM));
    assert!(!claims.contains_key(SOURCE_IDENTITY_CLAIM));
    assert_eq!(claims.len(), 6);
}
