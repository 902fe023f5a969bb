//! Unit tests of `token::header`.

use super::*;

fn encode(json: &str) -> String {
    URL_SAFE_NO_PAD.encode(json)
}

fn parse(json: &str) -> Result<JoseHeader, TokenError> {
    parse_header(&encode(json))
}

#[test]
fn an_ordinary_header_yields_alg_and_kid() {
    let header = parse(r#"{"alg":"RS256","typ":"JWT","kid":"k1"}"#);
    assert_eq!(
        header,
        Ok(JoseHeader {
            alg: Algorithm::RS256,
            kid: Some("k1".into())
        })
    );
}

#[test]
fn kid_and_typ_are_optional() {
    let header = parse(r#"{"alg":"ES256"}"#);
    assert_eq!(
        header,
        Ok(JoseHeader {
            alg: Algorithm::ES256,
            kid: None
        })
    );
}

#[test]
fn none_in_any_casing_is_a_refused_algorithm() {
    for alg in ["none", "None", "NONE", "nOnE"] {
        let result = parse(&format!(r#"{{"alg":"{alg}"}}"#));
        assert!(
            matches!(result, Err(TokenError::AlgorithmNotAllowed(_))),
            "{alg}: {result:?}"
        );
    }
}

#[test]
fn unknown_algorithms_are_refused_not_malformed() {
    for alg in ["HS1", "rs256", "ES512", "RSA-OAEP", ""] {
        let result = parse(&format!(r#"{{"alg":"{alg}"}}"#));
        assert!(
            matches!(result, Err(TokenError::AlgorithmNotAllowed(_))),
            "{alg}: {result:?}"
        );
    }
}

#[test]
fn key_pointing_headers_are_ignored() {
    let header = parse(
        r#"{"alg":"RS256","kid":"k","jku":"https://evil/jwks","x5u":"https://evil/c",
                "jwk":{"kty":"RSA","n":"AQAB","e":"AQAB"},"x5c":["AAAA"]}"#,
    );
    assert_eq!(
        header,
        Ok(JoseHeader {
            alg: Algorithm::RS256,
            kid: Some("k".into())
        })
    );
}

#[test]
fn broken_headers_are_malformed() {
    let cases = [
        "!!notbase64".to_owned(),
        encode("not json"),
        encode("[1,2]"),
        encode(r#"{"typ":"JWT"}"#),
        encode(r#"{"alg":256}"#),
        encode(r#"{"alg":"RS256","kid":7}"#),
        encode(&format!(r#"{{"alg":"RS256","kid":"{}"}}"#, "k".repeat(300))),
        encode(r#"{"alg":"RS256","crit":["b64"],"b64":false}"#),
        encode(r#"{"alg":"RS256","enc":"A256GCM"}"#),
        encode(r#"{"alg":"RS256","typ":"at+jwt"}"#),
        format!("{}=", encode(r#"{"alg":"RS256"}"#)),
    ];
    for case in cases {
        let result = parse_header(&case);
        assert!(
            matches!(result, Err(TokenError::Malformed(_))),
            "{case}: {result:?}"
        );
    }
}

#[test]
fn typ_jwt_is_accepted_in_any_casing() {
    for typ in ["JWT", "jwt", "application/jwt"] {
        let result = parse(&format!(r#"{{"alg":"RS256","typ":"{typ}"}}"#));
        assert!(result.is_ok(), "{typ}: {result:?}");
    }
}
