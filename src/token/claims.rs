//! Claim checks, the same for every algorithm, run on the caller's clock.
//!
//! Every claim is checked here; jsonwebtoken checks only the signatures of tokens that are
//! not RSA-signed. Its `exp`/`nbf` checks would read the system clock; ours take `now` as
//! a parameter so the time is the caller's and tests can pin it (docs/architecture.md,
//! "Time, randomness and remote endpoints").

use serde_json::Value;

use super::checks::Check;
use super::error::describe_value;
use super::{Claims, Expected, TokenError};

/// The token's `iss`, read before the signature is checked.
///
/// Done early so a token from another issuer is refused as such instead of sending us to
/// look its `kid` up (and refetch) in the wrong issuer's keys. Reading an unverified claim
/// is safe here because it can only lead to a rejection; `iss` is checked again after the
/// signature.
pub(crate) fn check_unverified_issuer(claims: &Claims, expected: &str) -> Result<(), TokenError> {
    match claims.get("iss") {
        // OIDC Core §3.1.3.7 step 2: exact match, no normalisation.
        Some(Value::String(iss)) if iss == expected => Ok(()),
        Some(Value::String(iss)) => Err(TokenError::Issuer(format!(
            "iss {} is not {}",
            describe_value(iss),
            describe_value(expected)
        ))),
        Some(_) => Err(TokenError::Issuer("iss is not a string".to_owned())),
        None => Err(TokenError::MissingClaim("iss")),
    }
}

/// Time, audience and subject checks on verified claims.
#[cfg(test)]
pub(crate) fn check_claims(
    claims: &Claims,
    expected: &Expected<'_>,
    now_unix: i64,
    leeway_seconds: u64,
) -> Result<(), TokenError> {
    check_claims_reporting(claims, expected, now_unix, leeway_seconds, &mut |_| {})
}

/// The time, audience and subject checks, naming each to `enter` as it starts.
pub(crate) fn check_claims_reporting(
    claims: &Claims,
    expected: &Expected<'_>,
    now_unix: i64,
    leeway_seconds: u64,
    enter: &mut (dyn FnMut(Check) + Send),
) -> Result<(), TokenError> {
    // Seconds are exact in f64 far beyond any date we will see; NumericDate may be
    // fractional (RFC 7519 §2).
    let now = now_unix as f64;
    let leeway = leeway_seconds as f64;

    enter(Check::Expiry);
    // RFC 7519 §4.1.4: the token must not be accepted on or after `exp`.
    let exp = numeric_date(claims, "exp")?.ok_or(TokenError::MissingClaim("exp"))?;
    if now >= exp + leeway {
        return Err(TokenError::Expired);
    }
    enter(Check::NotBefore);
    // RFC 7519 §4.1.5: nor before `nbf`.
    if numeric_date(claims, "nbf")?.is_some_and(|nbf| nbf > now + leeway) {
        return Err(TokenError::NotYetValid);
    }
    enter(Check::IssuedAt);
    // A token issued in the future was minted by a badly skewed or forged clock; OIDC
    // Core §3.1.3.7 step 10 lets the client bound `iat`, we refuse the future.
    if numeric_date(claims, "iat")?.is_some_and(|iat| iat > now + leeway) {
        return Err(TokenError::IssuedInFuture);
    }

    enter(Check::Audience);
    check_audience(claims, expected.client_id)?;
    check_authorized_party(claims, expected.client_id)?;

    enter(Check::Subject);
    // `sub` becomes the SAML NameID and `${saml:sub}` in IAM policies: it must be there.
    match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => Ok(()),
        _ => Err(TokenError::MissingClaim("sub")),
    }
}

/// OIDC Core §3.1.3.7 step 3: this client must be one of the audiences, compared exactly.
/// RFC 7519 §4.1.3: `aud` is one string or an array of strings.
fn check_audience(claims: &Claims, client_id: &str) -> Result<(), TokenError> {
    const NOT_STRINGS: &str = "aud is not a string or an array of strings";
    let listed = match claims.get("aud") {
        None => return Err(TokenError::MissingClaim("aud")),
        Some(Value::String(aud)) => aud == client_id,
        Some(Value::Array(list)) => {
            if !list.iter().all(Value::is_string) {
                return Err(TokenError::Malformed(NOT_STRINGS));
            }
            list.iter().any(|aud| aud.as_str() == Some(client_id))
        }
        Some(_) => return Err(TokenError::Malformed(NOT_STRINGS)),
    };
    if listed {
        Ok(())
    } else {
        Err(TokenError::Audience(format!(
            "aud does not contain the client_id {}",
            describe_value(client_id)
        )))
    }
}

/// OIDC Core §3.1.3.7 steps 4–5: with several audiences, `azp` must name this client, so
/// a token issued for another party cannot be passed on to us; and an `azp` that is
/// present must name this client whatever the audiences.
fn check_authorized_party(claims: &Claims, client_id: &str) -> Result<(), TokenError> {
    let audiences = match claims.get("aud") {
        Some(Value::Array(list)) => {
            let mut names: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
            names.sort_unstable();
            names.dedup();
            names.len()
        }
        _ => 1,
    };
    if audiences <= 1 {
        return match claims.get("azp") {
            None => Ok(()),
            Some(Value::String(azp)) if azp == client_id => Ok(()),
            Some(_) => Err(TokenError::Audience(format!(
                "the token's azp is not {}",
                describe_value(client_id)
            ))),
        };
    }
    match claims.get("azp") {
        Some(Value::String(azp)) if azp == client_id => Ok(()),
        Some(_) => Err(TokenError::Audience(format!(
            "the token has several audiences and its azp is not {}",
            describe_value(client_id)
        ))),
        None => Err(TokenError::Audience(
            "the token has several audiences and no azp".to_owned(),
        )),
    }
}

/// 9999-12-31T23:59:59Z: a SAML instant has four year digits, and nothing real lies beyond.
const LATEST_NUMERIC_DATE: f64 = 253_402_300_799.0;

/// A NumericDate claim if present (RFC 7519 §2: seconds since 1970, possibly fractional).
/// Present but not a number, or outside 1970 to 9999, is malformed: an `exp` of `1e300`
/// would otherwise make a token valid for ever.
fn numeric_date(claims: &Claims, name: &'static str) -> Result<Option<f64>, TokenError> {
    match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_f64()
            .filter(|n| (0.0..=LATEST_NUMERIC_DATE).contains(n))
            .map(Some)
            .ok_or(TokenError::Malformed(match name {
                "exp" => "exp is not a number of seconds between 1970 and 9999",
                "nbf" => "nbf is not a number of seconds between 1970 and 9999",
                _ => "iat is not a number of seconds between 1970 and 9999",
            })),
    }
}

#[cfg(test)]
#[path = "claims_tests.rs"]
mod tests;
