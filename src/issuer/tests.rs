//! Unit tests for the issuer's keys and documents.

use jsonwebtoken::{DecodingKey, Validation, decode, decode_header};
use serde_json::{Value, json};

use super::*;
use crate::domain::Secret;
use base64::Engine as _;

fn settings(key: &str, next: Option<&str>) -> OidcIssuerSettings {
    OidcIssuerSettings {
        url: "https://delegation.example.com".into(),
        signing_key_pem: Secret::new(key.to_owned()),
        next_signing_key_pem: next.map(|n| Secret::new(n.to_owned())),
        retired_signing_key_pems: Vec::new(),
        revoked_kids: Vec::new(),
    }
}

fn published_kids(issuer: &OidcIssuer) -> Vec<String> {
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&issuer.jwks_json()).unwrap();
    jwks.keys
        .iter()
        .map(|k| k.common.key_id.clone().unwrap())
        .collect()
}

#[test]
fn a_key_rotated_out_by_a_reload_stays_published_until_its_tokens_expired() {
    let (old, new) = (ec_key(), ec_key());
    let before = OidcIssuer::new(&settings(&old, Some(&new))).unwrap();
    let token = before
        .sign(&json!({"sub": "u", "aud": "a", "exp": 4_000_000_000u64}))
        .unwrap();
    let old_kid = before.current_kid().to_owned();
    // The promotion: the next key signs, and the old one is no longer configured at all.
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let lifetime = std::time::Duration::from_secs(36_000);
    let after = OidcIssuer::after_reload(&settings(&new, None), &before, now, lifetime).unwrap();
    assert_ne!(after.current_kid(), old_kid);
    assert_eq!(after.retired_kids(), [old_kid.as_str()]);
    assert!(published_kids(&after).contains(&old_kid));
    // The old token still verifies against what is published.
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&after.jwks_json()).unwrap();
    let key = DecodingKey::from_jwk(jwks.find(&old_kid).unwrap()).unwrap();
    let mut validation = Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.set_audience(&["a"]);
    assert!(decode::<Value>(&token, &key, &validation).is_ok());
    // A reload before the tokens can have expired keeps it; one after drops it.
    let soon = now + time::Duration::hours(9);
    let kept = OidcIssuer::after_reload(&settings(&new, None), &after, soon, lifetime).unwrap();
    assert!(published_kids(&kept).contains(&old_kid));
    let late = now + time::Duration::hours(11);
    let dropped = OidcIssuer::after_reload(&settings(&new, None), &kept, late, lifetime).unwrap();
    assert!(
        !published_kids(&dropped).contains(&old_kid),
        "kept past its tokens' lifetime"
    );
}

#[test]
fn configured_retired_keys_are_published_and_never_sign() {
    let (current, retired) = (ec_key(), ec_key());
    let mut with_retired = settings(&current, None);
    with_retired.retired_signing_key_pems =
        vec![Secret::new(retired.clone()), Secret::new(current.clone())];
    let issuer = OidcIssuer::new(&with_retired).unwrap();
    let retired_kid = OidcIssuer::new(&settings(&retired, None))
        .unwrap()
        .current_kid()
        .to_owned();
    assert_eq!(
        published_kids(&issuer),
        [issuer.current_kid().to_owned(), retired_kid.clone()]
    );
    assert_eq!(issuer.retired_kids(), [retired_kid.as_str()]);
    let token = issuer.sign(&json!({"sub": "u"})).unwrap();
    assert_eq!(
        decode_header(&token).unwrap().kid.as_deref(),
        Some(issuer.current_kid())
    );
}

fn ec_key() -> String {
    rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
        .unwrap()
        .serialize_pem()
}

#[test]
fn tokens_verify_with_the_published_key_and_carry_its_thumbprint() {
    let issuer = OidcIssuer::new(&settings(&generate_rsa_key().unwrap(), None)).unwrap();
    let token = issuer
        .sign(&json!({"sub": "u", "aud": "a", "exp": 4_000_000_000u64}))
        .unwrap();
    let header = decode_header(&token).unwrap();
    assert_eq!(header.kid.as_deref(), Some(issuer.current_kid()));
    assert_eq!(header.typ.as_deref(), Some("JWT"));
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&issuer.jwks_json()).unwrap();
    assert_eq!(jwks.keys.len(), 1);
    let jwk = jwks.find(issuer.current_kid()).unwrap();
    assert_eq!(
        jwk.thumbprint(jsonwebtoken::jwk::ThumbprintHash::SHA256)
            .unwrap(),
        issuer.current_kid()
    );
    let mut validation = Validation::new(Algorithm::RS256);
    validation.set_audience(&["a"]);
    let claims =
        decode::<Value>(&token, &DecodingKey::from_jwk(jwk).unwrap(), &validation).unwrap();
    assert_eq!(claims.claims["sub"], "u");
}

#[test]
fn during_a_rotation_both_keys_are_published_and_the_current_one_signs() {
    let (old, new) = (generate_rsa_key().unwrap(), ec_key());
    let rotating = OidcIssuer::new(&settings(&old, Some(&new))).unwrap();
    let jwks: Value = serde_json::from_str(&rotating.jwks_json()).unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids, [rotating.current_kid(), rotating.next_kid().unwrap()]);
    assert_eq!(jwks["keys"][1]["kty"], "EC");
    assert_eq!(jwks["keys"][1]["crv"], "P-256");
    let discovery: Value = serde_json::from_str(&rotating.discovery_json()).unwrap();
    assert_eq!(
        discovery["id_token_signing_alg_values_supported"],
        json!(["RS256", "ES256"])
    );
    assert_eq!(
        discovery["jwks_uri"],
        "https://delegation.example.com/.well-known/jwks.json"
    );
    // Promoted, the next key signs under the kid that was already published.
    let promoted = OidcIssuer::new(&settings(&new, None)).unwrap();
    assert_eq!(promoted.current_kid(), rotating.next_kid().unwrap());
    let token = promoted.sign(&json!({"sub": "u"})).unwrap();
    assert_eq!(decode_header(&token).unwrap().alg, Algorithm::ES256);
}

#[test]
fn weak_foreign_and_repeated_keys_are_refused_with_reasons() {
    // rcgen makes only 2048-bit RSA keys; the 1024-bit one is a fixture.
    let weak = include_str!("testdata/rsa1024.pem");
    assert_eq!(
        OidcIssuer::new(&settings(weak, None)).unwrap_err(),
        IssuerKeyError::Unsupported("signing_key")
    );
    let p384 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)
        .unwrap()
        .serialize_pem();
    assert_eq!(
        OidcIssuer::new(&settings(&p384, None)).unwrap_err(),
        IssuerKeyError::Unsupported("signing_key")
    );
    let cert = rcgen::generate_simple_self_signed(vec!["x".into()])
        .unwrap()
        .cert
        .pem();
    assert!(matches!(
        OidcIssuer::new(&settings(&cert, None)).unwrap_err(),
        IssuerKeyError::Format("signing_key", _)
    ));
    assert_eq!(
        OidcIssuer::new(&settings("not a key", None)).unwrap_err(),
        IssuerKeyError::NotPem("signing_key")
    );
    let key = generate_rsa_key().unwrap();
    assert_eq!(
        OidcIssuer::new(&settings(&key, Some(&key))).unwrap_err(),
        IssuerKeyError::SameKey
    );
}

#[test]
fn es256_tokens_verify_with_the_published_key() {
    let issuer = OidcIssuer::new(&settings(&ec_key(), None)).unwrap();
    let token = issuer
        .sign(&json!({"sub": "e", "aud": "a", "exp": 4_000_000_000u64}))
        .unwrap();
    let header = decode_header(&token).unwrap();
    assert_eq!(header.alg, Algorithm::ES256);
    let jwks: jsonwebtoken::jwk::JwkSet = serde_json::from_str(&issuer.jwks_json()).unwrap();
    let jwk = jwks.find(issuer.current_kid()).unwrap();
    let mut validation = Validation::new(Algorithm::ES256);
    validation.set_audience(&["a"]);
    let claims =
        decode::<Value>(&token, &DecodingKey::from_jwk(jwk).unwrap(), &validation).unwrap();
    assert_eq!(claims.claims["sub"], "e");
    // A changed signature does not verify.
    let (signed, signature) = token.rsplit_once('.').unwrap();
    let mut bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(signature)
        .unwrap();
    bytes[10] ^= 1;
    let forged = format!(
        "{signed}.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    );
    assert!(decode::<Value>(&forged, &DecodingKey::from_jwk(jwk).unwrap(), &validation).is_err());
}

#[test]
fn a_revoked_kid_is_withdrawn_at_once_even_when_a_reload_would_keep_it() {
    let (stolen, fresh) = (ec_key(), ec_key());
    let before = OidcIssuer::new(&settings(&stolen, None)).unwrap();
    let stolen_kid = before.current_kid().to_owned();
    let now = time::OffsetDateTime::from_unix_timestamp(1_800_000_000).unwrap();
    let lifetime = std::time::Duration::from_secs(36_000);
    // An emergency rotation: the new key signs, and the stolen one is revoked.
    let mut emergency = settings(&fresh, None);
    emergency.revoked_kids = vec![stolen_kid.clone()];
    emergency.retired_signing_key_pems = vec![Secret::new(stolen.clone())];
    let after = OidcIssuer::after_reload(&emergency, &before, now, lifetime).unwrap();
    assert_eq!(published_kids(&after), [after.current_kid().to_owned()]);
    assert!(after.retired_kids().is_empty());
    // Revoking the key that signs is refused: nothing would sign.
    let mut wrong = settings(&fresh, None);
    wrong.revoked_kids = vec![after.current_kid().to_owned()];
    assert!(matches!(
        OidcIssuer::new(&wrong),
        Err(IssuerKeyError::Revoked)
    ));
}
