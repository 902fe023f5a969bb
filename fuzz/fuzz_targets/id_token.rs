//! id_token decoding before and after the signature check.
//!
//! Selector byte even: the input is the token as sent, so header, payload and signature
//! parsing run on arbitrary text. Odd: the input is a header and a claims document
//! (split at the first newline), which the target signs with the client's HS256 secret,
//! so the claim checks after a valid signature see arbitrary JSON.
//! Property: never panics, and a token that verifies has exactly the expected `iss`,
//! the client among its audiences, and a `sub`.
#![no_main]

use std::sync::OnceLock;

use aws_lc_rs::hmac;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use delegation_server::fuzzing;
use delegation_server::token::{Expected, IssuerConfig, KeySource, TokenVerifier};
use jsonwebtoken::Algorithm;
use jsonwebtoken::jwk::JwkSet;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

const ISSUER: &str = "https://tenant.example.com/";
const CLIENT: &str = "fuzz-client";
const SECRET: &[u8] = b"fuzz-client-secret-of-32-bytes!!";
const NOW: i64 = 1_800_000_000;

struct Harness {
    runtime: tokio::runtime::Runtime,
    verifier: TokenVerifier,
}

fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| {
        let issuer = IssuerConfig {
            issuer: ISSUER.to_owned(),
            keys: KeySource::Static(JwkSet { keys: Vec::new() }),
            algorithms: vec![Algorithm::RS256, Algorithm::HS256],
            leeway_seconds: 60,
        };
        Harness {
            runtime: tokio::runtime::Builder::new_current_thread()
                .build()
                .expect("runtime"),
            verifier: TokenVerifier::new(vec![issuer], reqwest::Client::new(), 16 * 1024),
        }
    })
}

fn signed(header: &[u8], claims: &[u8]) -> String {
    let input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let key = hmac::Key::new(hmac::HMAC_SHA256, SECRET);
    let tag = hmac::sign(&key, input.as_bytes());
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let token = if selector % 2 == 0 {
        let text = String::from_utf8_lossy(rest).into_owned();
        if let Some(first) = text.split('.').next() {
            let _ = fuzzing::jwt_header(first);
        }
        text
    } else {
        let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let (header, claims) = rest.split_at(split);
        signed(header, claims.get(1..).unwrap_or_default())
    };
    let harness = harness();
    let expected = Expected {
        issuer: ISSUER,
        client_id: CLIENT,
        client_secret: Some(SECRET),
    };
    let verified = harness
        .runtime
        .block_on(harness.verifier.verify(&token, &expected, NOW));
    if let Ok(claims) = verified {
        assert_eq!(claims.get("iss").and_then(Value::as_str), Some(ISSUER));
        let audience_ok = match claims.get("aud") {
            Some(Value::String(aud)) => aud == CLIENT,
            Some(Value::Array(auds)) => auds.iter().any(|a| a.as_str() == Some(CLIENT)),
            _ => false,
        };
        assert!(audience_ok, "verified a token for another audience");
        assert!(
            claims
                .get("sub")
                .and_then(Value::as_str)
                .is_some_and(|s| !s.is_empty())
        );
    }
});
