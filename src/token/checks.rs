//! The verifier's checks by name, so a caller can be told how far a token got.
//!
//! [`TokenVerifier::verify_reporting`](super::TokenVerifier::verify_reporting) names each
//! check as it starts; when verification fails, the last one named is the one that failed.

/// One check of an id_token, as `explain` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Check {
    /// At most `server.max_token_bytes`.
    Size,
    /// Three base64url parts, a JOSE header and a JSON payload, each claim named once.
    Format,
    /// The caller's issuer is configured, and `iss` names it.
    Issuer,
    /// `alg` is allowed for the issuer (and HS* only with a client secret).
    Algorithm,
    /// A published key (or the client's secret) fits the header.
    SigningKey,
    Signature,
    /// `exp`, with the issuer's leeway.
    Expiry,
    /// `nbf`.
    NotBefore,
    /// `iat` not in the future.
    IssuedAt,
    /// `aud` lists the client, and `azp` names it when there are several audiences.
    Audience,
    /// `sub` is a non-empty string.
    Subject,
}

impl Check {
    /// Every check, in the order a token that passes them all meets them
    /// (`every_check_is_named_in_order` in the verifier's tests holds it to that).
    pub const ALL: [Check; 11] = [
        Check::Size,
        Check::Format,
        Check::Issuer,
        Check::Algorithm,
        Check::SigningKey,
        Check::Signature,
        Check::Expiry,
        Check::NotBefore,
        Check::IssuedAt,
        Check::Audience,
        Check::Subject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::Size => "size",
            Check::Format => "format",
            Check::Issuer => "issuer",
            Check::Algorithm => "algorithm",
            Check::SigningKey => "signing_key",
            Check::Signature => "signature",
            Check::Expiry => "expiry",
            Check::NotBefore => "not_before",
            Check::IssuedAt => "issued_at",
            Check::Audience => "audience",
            Check::Subject => "subject",
        }
    }
}
