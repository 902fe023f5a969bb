//! Unit tests of `token::keys`.

use super::*;

// A real 2048-bit modulus is not needed to exercise selection; verification is not run.
const RSA: &str = r#""kty":"RSA","n":"sXch","e":"AQAB""#;
const EC: &str = r#""kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0""#;

fn set(keys: &[String]) -> KeySet {
    let doc = format!(r#"{{"keys":[{}]}}"#, keys.join(","));
    KeySet::from_json(doc.as_bytes()).unwrap_or_default()
}

fn key(fields: &str, extra: &str) -> String {
    format!("{{{fields}{extra}}}")
}

#[test]
fn a_key_is_found_by_kid_when_it_fits_the_algorithm() {
    let keys = set(&[key(RSA, r#","kid":"a""#), key(RSA, r#","kid":"b""#)]);
    assert!(matches!(
        keys.select(Some("b"), Algorithm::RS256),
        Selection::Found(_)
    ));
    assert!(matches!(
        keys.select(Some("c"), Algorithm::RS256),
        Selection::NotFound
    ));
}

#[test]
fn keys_of_another_family_use_or_alg_are_not_usable() {
    let keys = set(&[
        key(EC, r#","kid":"ec""#),
        key(RSA, r#","kid":"enc","use":"enc""#),
        key(RSA, r#","kid":"rs512","alg":"RS512""#),
        key(RSA, r#","kid":"ops","key_ops":["encrypt"]"#),
    ]);
    for kid in ["ec", "enc", "rs512", "ops"] {
        let found = keys.select(Some(kid), Algorithm::RS256);
        assert!(matches!(found, Selection::NotUsable), "{kid}: {found:?}");
    }
    assert!(matches!(
        keys.select(Some("ec"), Algorithm::ES256),
        Selection::Found(_)
    ));
    assert!(matches!(
        keys.select(Some("ec"), Algorithm::ES384),
        Selection::NotUsable
    ));
}

#[test]
fn hmac_never_selects_a_key_and_oct_keys_are_dropped() {
    let keys = set(&[
        key(RSA, r#","kid":"a""#),
        r#"{"kty":"oct","k":"c2VjcmV0","kid":"s"}"#.to_owned(),
    ]);
    assert_eq!(keys.signing_key_count(), 1);
    assert!(matches!(
        keys.select(Some("a"), Algorithm::HS256),
        Selection::NotUsable
    ));
    assert!(matches!(
        keys.select(Some("s"), Algorithm::HS256),
        Selection::NotFound
    ));
    assert!(matches!(
        keys.select(None, Algorithm::HS256),
        Selection::NotFound
    ));
}

#[test]
fn without_kid_exactly_one_fitting_key_is_required() {
    let one = set(&[key(RSA, ""), key(EC, "")]);
    assert!(matches!(
        one.select(None, Algorithm::RS256),
        Selection::Found(_)
    ));
    let two = set(&[key(RSA, r#","kid":"a""#), key(RSA, r#","kid":"b""#)]);
    assert!(matches!(
        two.select(None, Algorithm::RS256),
        Selection::Ambiguous
    ));
}

#[test]
fn unknown_key_types_are_skipped_and_non_jwks_refused() {
    let keys = set(&[
        r#"{"kty":"XYZ","kid":"x"}"#.to_owned(),
        r#"{"kty":"EC","crv":"P-521","x":"AA","y":"AA"}"#.to_owned(),
        r#"{"kty":"RSA","alg":"RSA-OAEP","use":"enc","n":"sXch","e":"AQAB"}"#.to_owned(),
        key(RSA, ""),
    ]);
    assert_eq!(keys.signing_key_count(), 1);
    assert!(KeySet::from_json(b"[]").is_err());
    assert!(KeySet::from_json(b"not json").is_err());
    assert!(KeySet::from_json(br#"{"keys":{}}"#).is_err());
}
