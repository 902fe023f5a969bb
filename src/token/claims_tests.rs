//! Unit tests of `token::claims`.

use serde_json::json;

use super::*;

const NOW: i64 = 1_800_000_000;
const EXPECTED: Expected<'static> = Expected {
    issuer: "https://issuer.example/",
    client_id: "client-1",
    client_secret: None,
};

fn claims(value: serde_json::Value) -> Claims {
    match value {
        Value::Object(map) => map,
        _ => Claims::new(),
    }
}

fn check(value: serde_json::Value) -> Result<(), TokenError> {
    let mut base = claims(json!({"sub": "u", "exp": NOW + 60, "aud": "client-1"}));
    base.extend(claims(value));
    check_claims(&base, &EXPECTED, NOW, 60)
}

#[test]
fn time_claims_allow_the_leeway_and_no_more() {
    assert_eq!(check(json!({"exp": NOW - 59})), Ok(()));
    assert_eq!(check(json!({"exp": NOW - 60})), Err(TokenError::Expired));
    assert_eq!(check(json!({"nbf": NOW + 60, "iat": NOW + 60})), Ok(()));
    assert_eq!(
        check(json!({"nbf": NOW + 61})),
        Err(TokenError::NotYetValid)
    );
    assert_eq!(
        check(json!({"iat": NOW + 61})),
        Err(TokenError::IssuedInFuture)
    );
    assert_eq!(check(json!({"exp": NOW as f64 + 0.5})), Ok(()));
    for out_of_range in [
        json!(1e300),
        json!(253_402_300_800_u64),
        json!(-1),
        json!(u64::MAX),
    ] {
        for claim in ["exp", "nbf", "iat"] {
            assert!(
                matches!(
                    check(json!({ claim: out_of_range })),
                    Err(TokenError::Malformed(m)) if m.starts_with(claim)
                ),
                "{claim} {out_of_range}"
            );
        }
    }
    assert!(matches!(
        check(json!({"iat": "yesterday"})),
        Err(TokenError::Malformed(_))
    ));
}

#[test]
fn the_client_must_be_an_audience_exactly() {
    let mut without = claims(json!({"sub": "u", "exp": NOW + 60}));
    assert_eq!(
        check_claims(&without, &EXPECTED, NOW, 60),
        Err(TokenError::MissingClaim("aud"))
    );
    without.insert("aud".to_owned(), json!("client-1"));
    assert_eq!(check_claims(&without, &EXPECTED, NOW, 60), Ok(()));
    for other in [
        json!("client-"),
        json!("Client-1"),
        json!("client-1 "),
        json!([]),
    ] {
        assert!(
            matches!(check(json!({"aud": other})), Err(TokenError::Audience(_))),
            "{other}"
        );
    }
    for wrong_type in [json!(1), json!({"client-1": true}), json!(["client-1", 2])] {
        assert_eq!(
            check(json!({"aud": wrong_type})),
            Err(TokenError::Malformed(
                "aud is not a string or an array of strings"
            ))
        );
    }
    assert_eq!(
        check(json!({"aud": ["other", "client-1"], "azp": "client-1"})),
        Ok(())
    );
}

#[test]
fn several_audiences_need_azp_naming_the_client() {
    let two = json!(["client-1", "other"]);
    assert!(matches!(
        check(json!({"aud": two})),
        Err(TokenError::Audience(_))
    ));
    assert!(matches!(
        check(json!({"aud": two, "azp": "other"})),
        Err(TokenError::Audience(_))
    ));
    assert_eq!(check(json!({"aud": two, "azp": "client-1"})), Ok(()));
    assert_eq!(check(json!({"aud": ["client-1", "client-1"]})), Ok(()));
}

#[test]
fn an_azp_naming_another_party_is_refused_even_with_one_audience() {
    assert!(matches!(
        check(json!({"aud": "client-1", "azp": "other"})),
        Err(TokenError::Audience(_))
    ));
    assert_eq!(check(json!({"aud": "client-1", "azp": "client-1"})), Ok(()));
}

#[test]
fn sub_must_be_a_non_empty_string() {
    assert_eq!(
        check(json!({"sub": ""})),
        Err(TokenError::MissingClaim("sub"))
    );
    assert_eq!(
        check(json!({"sub": 42})),
        Err(TokenError::MissingClaim("sub"))
    );
}

#[test]
fn the_unverified_issuer_must_match_exactly() {
    let iss = |v| claims(json!({ "iss": v }));
    assert_eq!(
        check_unverified_issuer(&iss(json!("https://a/")), "https://a/"),
        Ok(())
    );
    for wrong in [
        json!("https://a"),
        json!(["https://a/"]),
        json!("HTTPS://A/"),
    ] {
        let result = check_unverified_issuer(&iss(wrong), "https://a/");
        assert!(matches!(result, Err(TokenError::Issuer(_))), "{result:?}");
    }
    assert_eq!(
        check_unverified_issuer(&Claims::new(), "https://a/"),
        Err(TokenError::MissingClaim("iss"))
    );
}
