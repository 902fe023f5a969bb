//! The JOSE header, parsed by us before any key is looked up.
//!
//! jsonwebtoken's `Header` type cannot represent `alg: none` or an algorithm it does not
//! know, so those would surface as "malformed"; parsing here first reports them as what
//! they are (a refused algorithm, RFC 8725 §3.1) and refuses headers we do not understand
//! before any work is spent on keys.

use std::str::FromStr;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jsonwebtoken::Algorithm;
use serde_json::Value;

use super::TokenError;
use super::parts::{JsonFault, json_object};

/// Longest `kid` we look up; real key ids are short, long ones only cost us work.
const MAX_KID_LEN: usize = 256;

/// The header parameters we act on. `jku`, `x5u`, `jwk` and `x5c` are deliberately not
/// kept: keys come only from the issuer's configuration (RFC 8725 §3.10), so a token can
/// never point us at a key of its own choosing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct JoseHeader {
    /// The signing algorithm the token claims.
    pub(crate) alg: Algorithm,
    /// The key id, if the token names one.
    pub(crate) kid: Option<String>,
}

/// Parses the first (base64url) part of a compact JWS.
pub(crate) fn parse_header(encoded: &str) -> Result<JoseHeader, TokenError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(encoded)
        .map_err(|_| TokenError::Malformed("the header is not base64url"))?;
    let header = json_object(&bytes).map_err(|kind| match kind {
        JsonFault::Syntax => TokenError::Malformed("the header is not JSON"),
        JsonFault::Shape => {
            TokenError::Malformed("the header is not a JSON object with each member named once")
        }
    })?;

    let alg = match header.get("alg") {
        Some(Value::String(name)) => parse_alg(name)?,
        Some(_) => return Err(TokenError::Malformed("the header's alg is not a string")),
        None => return Err(TokenError::Malformed("the header has no alg")),
    };

    // RFC 7515 §4.1.11: a recipient must reject a token whose `crit` lists extensions it
    // does not understand; we implement none (e.g. RFC 7797 unencoded payloads).
    if header.contains_key("crit") {
        return Err(TokenError::Malformed(
            "the header lists critical extensions (crit), which are not supported",
        ));
    }
    // An encrypted token (JWE) is not an id_token we can verify.
    if header.contains_key("enc") {
        return Err(TokenError::Malformed(
            "encrypted tokens (JWE) are not supported",
        ));
    }
    // RFC 8725 §3.11 (explicit typing): refuse tokens that declare themselves to be some
    // other kind of JWT (an access token `at+jwt`, a logout token, ...), so a token minted
    // for another purpose cannot be replayed here. ID tokens carry `JWT` or nothing.
    match header.get("typ") {
        None => {}
        Some(Value::String(typ))
            if typ.eq_ignore_ascii_case("JWT") || typ.eq_ignore_ascii_case("application/jwt") => {}
        Some(_) => {
            return Err(TokenError::Malformed(
                "the header's typ is not JWT (not an ID token)",
            ));
        }
    }

    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) if kid.len() <= MAX_KID_LEN => Some(kid.clone()),
        Some(Value::String(_)) => {
            return Err(TokenError::Malformed("the header's kid is too long"));
        }
        Some(_) => return Err(TokenError::Malformed("the header's kid is not a string")),
    };

    Ok(JoseHeader { alg, kid })
}

/// Maps an `alg` name to an algorithm we implement. `none` and unknown names are refused
/// as algorithms, not as malformed input, so the description says what is wrong.
fn parse_alg(name: &str) -> Result<Algorithm, TokenError> {
    // RFC 8725 §3.1 / §2.1: unsecured tokens are never acceptable, whatever the casing.
    if name.eq_ignore_ascii_case("none") {
        return Err(TokenError::AlgorithmNotAllowed(
            "alg none (an unsigned token) is never accepted".to_owned(),
        ));
    }
    Algorithm::from_str(name)
        .map_err(|_| TokenError::AlgorithmNotAllowed("the alg is not a supported algorithm".into()))
}

/// The registered name of an algorithm, for error descriptions.
pub(crate) fn alg_name(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::HS256 => "HS256",
        Algorithm::HS384 => "HS384",
        Algorithm::HS512 => "HS512",
        Algorithm::ES256 => "ES256",
        Algorithm::ES384 => "ES384",
        Algorithm::RS256 => "RS256",
        Algorithm::RS384 => "RS384",
        Algorithm::RS512 => "RS512",
        Algorithm::PS256 => "PS256",
        Algorithm::PS384 => "PS384",
        Algorithm::PS512 => "PS512",
        Algorithm::EdDSA => "EdDSA",
        _ => "an algorithm",
    }
}

#[cfg(test)]
#[path = "header_tests.rs"]
mod tests;
