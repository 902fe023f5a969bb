//! id_tokens shaped by the attacks of RFC 8725 and their neighbours.

use base64::Engine;
use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

use super::{Case, Send, run_table};
use crate::helpers::HS_SECRET;
use crate::test_app::TestApp;

const GRANT: Option<&str> = Some("invalid_grant");

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

#[tokio::test]
async fn hostile_tokens_are_refused_and_harmless_header_members_ignored() {
    let app = TestApp::spawn().await;
    let issuer = &app.issuer;
    let sub = "auth0|hostile-token";
    let claims = issuer.claims(sub, "app", json!({}));
    let claims_with = |extra: Value| issuer.claims(sub, "app", extra);
    let rs = |claims: &Value| issuer.sign(claims);
    let header = |extra: Value| {
        let mut h = json!({"alg": "RS256", "kid": issuer.kid});
        h.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        h
    };
    let signed = |h: Value, c: &Value| issuer.sign_with_header(&h, c);
    let rogue = |h: Header, c: &Value| jsonwebtoken::encode(&h, c, &issuer.rogue_key).unwrap();
    let hs = |secret: &[u8], c: &Value| {
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            c,
            &EncodingKey::from_secret(secret),
        )
        .unwrap()
    };
    let good = rs(&claims);
    let (head, rest) = good.split_once('.').unwrap();
    let (payload, signature) = rest.split_once('.').unwrap();
    let other = rs(&claims_with(json!({"sub": "auth0|someone-else"})));
    let other_signature = other.rsplit('.').next().unwrap().to_owned();
    let mut rogue_jku = Header::new(Algorithm::RS256);
    rogue_jku.kid = Some(issuer.kid.clone());
    rogue_jku.jku = Some("http://127.0.0.1:9/jwks.json".into());
    let mut rogue_x5u = rogue_jku.clone();
    rogue_x5u.jku = None;
    rogue_x5u.x5u = Some("http://127.0.0.1:9/cert.pem".into());
    let t = now();
    let tokens: Vec<(&str, String, u16, Option<&str>)> = vec![
        (
            "alg none",
            format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&claims)),
            401,
            GRANT,
        ),
        (
            "alg None",
            format!("{}.{}.", b64(&json!({"alg": "None"})), b64(&claims)),
            401,
            GRANT,
        ),
        (
            "alg NONE with a signature",
            format!(
                "{}.{}.{signature}",
                b64(&json!({"alg": "NONE"})),
                b64(&claims)
            ),
            401,
            GRANT,
        ),
        (
            "HS256 keyed with the public key",
            hs(issuer.public_pem.as_bytes(), &claims),
            401,
            GRANT,
        ),
        (
            "HS256 for a client without a secret",
            hs(HS_SECRET.as_bytes(), &claims),
            401,
            GRANT,
        ),
        (
            "ES256 not allowed",
            format!(
                "{}.{payload}.{signature}",
                b64(&json!({"alg": "ES256", "kid": issuer.kid}))
            ),
            401,
            GRANT,
        ),
        (
            "PS256 not allowed",
            format!(
                "{}.{payload}.{signature}",
                b64(&json!({"alg": "PS256", "kid": issuer.kid}))
            ),
            401,
            GRANT,
        ),
        ("empty signature", format!("{head}.{payload}."), 401, GRANT),
        (
            "another token's signature",
            format!("{head}.{payload}.{other_signature}"),
            401,
            GRANT,
        ),
        (
            "kid path traversal",
            signed(header(json!({"kid": "../../../../etc/passwd"})), &claims),
            401,
            GRANT,
        ),
        (
            "kid SQL injection",
            signed(header(json!({"kid": "' OR '1'='1"})), &claims),
            401,
            GRANT,
        ),
        (
            "kid of 10 kB",
            signed(header(json!({"kid": "k".repeat(10_000)})), &claims),
            401,
            GRANT,
        ),
        (
            "kid a number",
            signed(header(json!({"kid": 7})), &claims),
            401,
            GRANT,
        ),
        (
            "jku to an attacker, attacker's key",
            rogue(rogue_jku, &claims),
            401,
            GRANT,
        ),
        (
            "x5u to an attacker, attacker's key",
            rogue(rogue_x5u, &claims),
            401,
            GRANT,
        ),
        (
            "embedded jwk, attacker's key",
            format!(
                "{}.{payload}.{signature}",
                b64(&header(json!({"jwk": {"kty": "oct", "k": "AAAA"}})))
            ),
            401,
            GRANT,
        ),
        (
            "jku beside the real key is ignored",
            signed(header(json!({"jku": "http://127.0.0.1:9/x"})), &claims),
            200,
            None,
        ),
        (
            "crit with an unknown extension",
            signed(
                header(json!({"crit": ["http://example.com/ext"], "http://example.com/ext": true})),
                &claims,
            ),
            401,
            GRANT,
        ),
        (
            "nested JWT",
            signed(header(json!({"cty": "JWT"})), &json!(good)),
            401,
            GRANT,
        ),
        (
            "typ of an access token",
            signed(header(json!({"typ": "at+jwt"})), &claims),
            401,
            GRANT,
        ),
        (
            "header not an object",
            format!("{}.{payload}.{signature}", b64(&json!(["RS256"]))),
            401,
            GRANT,
        ),
        (
            "header not JSON",
            format!("{}.{payload}.{signature}", URL_SAFE_NO_PAD.encode("alg")),
            401,
            GRANT,
        ),
        (
            "padded base64",
            format!(
                "{}.{payload}.{signature}",
                URL_SAFE.encode(header(json!({})).to_string())
            ),
            401,
            GRANT,
        ),
        ("two parts", format!("{head}.{payload}"), 401, GRANT),
        (
            "five parts (JWE)",
            format!("{head}.{payload}.a.b.{signature}"),
            401,
            GRANT,
        ),
        ("spaces around", format!(" {good} "), 401, GRANT),
        (
            "huge token",
            format!("{head}.{}.{signature}", "A".repeat(20_000)),
            401,
            GRANT,
        ),
        (
            "expired one second past the leeway",
            rs(&claims_with(json!({"exp": t - 61}))),
            401,
            GRANT,
        ),
        (
            "expired within the leeway",
            rs(&claims_with(json!({"exp": t - 30}))),
            200,
            None,
        ),
        (
            "nbf past the leeway",
            rs(&claims_with(json!({"nbf": t + 120}))),
            401,
            GRANT,
        ),
        (
            "iat in the future",
            rs(&claims_with(json!({"iat": t + 3600}))),
            401,
            GRANT,
        ),
        (
            "no exp",
            rs(&{
                let mut c = claims.clone();
                c.as_object_mut().unwrap().remove("exp");
                c
            }),
            401,
            GRANT,
        ),
        (
            "exp a string",
            rs(&claims_with(json!({"exp": (t + 600).to_string()}))),
            401,
            GRANT,
        ),
        (
            "exp a huge number",
            rs(&claims_with(json!({"exp": 1e300}))),
            401,
            GRANT,
        ),
        (
            "aud without the client",
            rs(&claims_with(json!({"aud": ["other", "another"]}))),
            401,
            GRANT,
        ),
        (
            "aud with the client, azp another",
            rs(&claims_with(
                json!({"aud": ["app", "other"], "azp": "other"}),
            )),
            401,
            GRANT,
        ),
        (
            "iss with an extra slash",
            rs(&claims_with(json!({"iss": format!("{}/", issuer.issuer)}))),
            401,
            GRANT,
        ),
        (
            "iss in capitals",
            rs(&claims_with(json!({"iss": issuer.issuer.to_uppercase()}))),
            401,
            GRANT,
        ),
        (
            "no sub",
            rs(&{
                let mut c = claims.clone();
                c.as_object_mut().unwrap().remove("sub");
                c
            }),
            401,
            GRANT,
        ),
        (
            "empty sub",
            rs(&claims_with(json!({"sub": ""}))),
            401,
            GRANT,
        ),
        (
            "sub a number",
            rs(&claims_with(json!({"sub": 42}))),
            401,
            GRANT,
        ),
        (
            "sub with an inner newline, carried as it is",
            rs(&claims_with(json!({"sub": "auth0|1\nadmin"}))),
            200,
            None,
        ),
        (
            "sub with surrounding space",
            rs(&claims_with(json!({"sub": " auth0|1"}))),
            401,
            GRANT,
        ),
        (
            "payload not JSON",
            format!("{head}.{}.{signature}", URL_SAFE_NO_PAD.encode("{not json")),
            401,
            GRANT,
        ),
    ];
    let mut secrets = vec![good.clone(), signature.to_owned()];
    let mut cases = Vec::new();
    for (name, token, status, code) in tokens {
        secrets.push(token.clone());
        let mut body = app.body_for("app", sub);
        body["id_token"] = json!(token);
        cases.push(Case::new(name, Send::Json(body), status, code));
    }
    // Short tokens could match ordinary text; only scan for the long ones.
    secrets.retain(|s| s.len() > 40);
    run_table(&app, cases, &secrets).await;
}
