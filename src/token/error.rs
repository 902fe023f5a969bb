//! Why an id_token was refused.
//!
//! Every `Display` text is a safe `invalid_grant` description: it names the failed check
//! and what to fix, and never repeats the token. Claim values are only named when they are
//! configured values (the expected issuer, the client_id) or short and plain (see
//! [`describe_value`]).

/// An id_token was rejected, or the keys to check it could not be obtained.
///
/// All variants but [`TokenError::KeysUnavailable`] mean the token itself is unacceptable
/// (HTTP 401 `invalid_grant`); that one means we could not check it (HTTP 503).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    /// Longer than the configured bound; nothing else was looked at.
    #[error("id_token is too large (at most {max} bytes are accepted)")]
    TooLarge {
        /// The bound, in bytes.
        max: usize,
    },
    /// Not a compact JWS: not three base64url parts, bad JSON, or a header we refuse.
    #[error("id_token is malformed: {0}")]
    Malformed(&'static str),
    /// `none`, an unknown algorithm, one outside the issuer's allowlist, HMAC without a
    /// client secret, or a key that does not fit the algorithm.
    #[error("id_token algorithm is not allowed: {0}")]
    AlgorithmNotAllowed(String),
    /// No published key matches the token's `kid`, even after a refetch.
    #[error("id_token signing key is unknown: {0}")]
    UnknownKey(&'static str),
    /// The signature does not verify with the selected key.
    #[error("id_token signature is invalid")]
    Signature,
    /// `iss` is not exactly the expected issuer, or that issuer is not configured.
    #[error("id_token issuer is not accepted: {0}")]
    Issuer(String),
    /// `aud` does not contain the client_id, or several audiences without a matching `azp`.
    #[error("id_token audience is not accepted: {0}")]
    Audience(String),
    /// `exp` is in the past (beyond the leeway).
    #[error("id_token has expired (exp is in the past)")]
    Expired,
    /// `nbf` is in the future (beyond the leeway).
    #[error("id_token is not valid yet (nbf is in the future)")]
    NotYetValid,
    /// `iat` is in the future (beyond the leeway).
    #[error("id_token was issued in the future (iat is in the future)")]
    IssuedInFuture,
    /// A required claim (`exp`, `sub`, `iss`, `aud`) is absent, of the wrong type, or empty.
    #[error("id_token is missing the required claim `{0}`")]
    MissingClaim(&'static str),
    /// The issuer's keys could not be fetched or parsed and no usable cached set exists.
    #[error("signing keys of issuer {issuer} are unavailable: {reason}")]
    KeysUnavailable {
        /// The configured issuer.
        issuer: String,
        /// What failed, in words safe to show (no response bodies, no tokens).
        reason: String,
    },
}

impl TokenError {
    /// True when the token could not be checked because keys were unavailable (map to
    /// 503 `temporarily_unavailable`); false when the token itself was refused (401).
    pub fn is_key_fetch_failure(&self) -> bool {
        matches!(self, Self::KeysUnavailable { .. })
    }

    /// A short, stable name of the failed check, for logs and metrics.
    pub fn check(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "too_large",
            Self::Malformed(_) => "malformed",
            Self::AlgorithmNotAllowed(_) => "algorithm",
            Self::UnknownKey(_) => "unknown_key",
            Self::Signature => "signature",
            Self::Issuer(_) => "issuer",
            Self::Audience(_) => "audience",
            Self::Expired => "expired",
            Self::NotYetValid => "not_yet_valid",
            Self::IssuedInFuture => "issued_in_future",
            Self::MissingClaim(_) => "missing_claim",
            Self::KeysUnavailable { .. } => "keys_unavailable",
        }
    }
}

/// Longest claim value we are willing to repeat in an error description.
const MAX_NAMED_VALUE: usize = 100;

/// Quotes a token-supplied value for an error description if it is short and made of
/// printable ASCII without quotes or backslashes; otherwise says only that it differs.
/// Keeps descriptions useful ("iss \"https://a/\"") without echoing arbitrary input.
pub(crate) fn describe_value(value: &str) -> String {
    let plain = value.len() <= MAX_NAMED_VALUE
        && value
            .bytes()
            .all(|b| b.is_ascii_graphic() && b != b'"' && b != b'\\');
    if plain {
        format!("\"{value}\"")
    } else {
        "(value not shown)".to_owned()
    }
}

#[cfg(test)]
#[path = "error_tests.rs"]
mod tests;
