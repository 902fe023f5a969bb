//! The user's identity as AWS sees it: the id_token's `sub`, which becomes the SAML
//! `NameID` and `${saml:sub}` in IAM policies.

use std::fmt;

use super::is_xml_text;

/// Why a `sub` cannot be an AWS identity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SubjectError {
    #[error("id_token has no `sub` claim, or it is not a non-empty string")]
    Missing,
    /// Replacing the characters would let two distinct subjects share one identity.
    #[error("id_token `sub` holds control characters that SAML cannot carry")]
    NotXmlText,
    /// SAML consumers may trim element text, so `" alice"` could become `alice`.
    #[error("id_token `sub` has leading or trailing whitespace")]
    Padded,
}

/// A `sub` that stays one identity end to end: non-empty, only characters XML 1.0 can
/// carry unchanged, and no leading or trailing whitespace that a consumer could trim
/// away. Anything else is refused rather than repaired: a repaired `sub` could equal
/// another user's.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Subject(String);

impl Subject {
    pub fn parse(sub: &str) -> Result<Self, SubjectError> {
        if sub.is_empty() {
            return Err(SubjectError::Missing);
        }
        if !is_xml_text(sub) {
            return Err(SubjectError::NotXmlText);
        }
        if sub.trim() != sub {
            return Err(SubjectError::Padded);
        }
        Ok(Self(sub.to_owned()))
    }

    /// The `sub` of verified claims.
    pub fn from_claims(
        claims: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Self, SubjectError> {
        match claims.get("sub") {
            Some(serde_json::Value::String(sub)) => Self::parse(sub),
            _ => Err(SubjectError::Missing),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Subject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[path = "subject_tests.rs"]
mod tests;
