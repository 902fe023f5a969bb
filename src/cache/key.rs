//! The cache key: a SHA-256 over everything that shapes one set of credentials.
//!
//! What STS hands out depends only on the signed assertion's content (its issuer,
//! `NameID`, audience and attributes — the role pair, session name, tags, source identity
//! and every mapped claim), on the role, principal and region the call names, on the
//! lifetime and on the session policies. The key covers all of them, plus the token's
//! issuer and the calling and target clients, so two requests share an entry only when
//! they would have produced equivalent credentials. Fields are length-prefixed, so no two
//! different field lists encode to the same bytes. The digest is all that is kept: a
//! shared store never sees a `sub` in clear.

use aws_lc_rs::digest;

use crate::config::Backend;
use crate::saml::SamlAttribute;

/// A cache key (SHA-256).
pub type CacheKey = [u8; 32];

/// The inputs of one STS call that decide its result. With web identity, `saml_issuer` is
/// the token's `iss`, `recipient` is empty, `attributes` are empty, and the token's
/// content (without `iat`, `exp` and `jti`) and the session name are in `token_claims`
/// and `session_name`.
#[derive(Debug, Clone, Copy)]
pub struct KeyParts<'a> {
    pub backend: Backend,
    /// The id_token's issuer.
    pub token_issuer: &'a str,
    pub caller: &'a str,
    pub target: &'a str,
    /// The assertion's `Issuer` and `NameID`.
    pub saml_issuer: &'a str,
    pub subject: &'a str,
    pub audience: &'a str,
    pub recipient: &'a str,
    pub attributes: &'a [SamlAttribute],
    pub role: &'a str,
    pub principal: &'a str,
    pub region: &'a str,
    pub duration_seconds: u32,
    pub policy: Option<&'a str>,
    pub policy_arns: &'a [String],
    /// Empty for SAML (the session name is an attribute there).
    pub session_name: &'a str,
    /// Canonical JSON of the token's claims; empty for SAML.
    pub token_claims: &'a str,
}

impl KeyParts<'_> {
    pub fn digest(&self) -> CacheKey {
        let mut w = Writer(digest::Context::new(&digest::SHA256));
        w.field(b"delegation-cache-v2");
        for text in [
            self.backend.as_str(),
            self.token_issuer,
            self.caller,
            self.target,
            self.saml_issuer,
            self.subject,
            self.audience,
            self.recipient,
            self.role,
            self.principal,
            self.region,
            self.session_name,
            self.token_claims,
        ] {
            w.field(text.as_bytes());
        }
        w.field(&self.duration_seconds.to_be_bytes());
        match self.policy {
            None => w.count(0),
            Some(policy) => {
                w.count(1);
                w.field(policy.as_bytes());
            }
        }
        w.count(self.policy_arns.len());
        for arn in self.policy_arns {
            w.field(arn.as_bytes());
        }
        w.count(self.attributes.len());
        for attribute in self.attributes {
            w.field(attribute.name.as_bytes());
            w.count(attribute.values.len());
            for value in &attribute.values {
                w.field(value.as_bytes());
            }
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(w.0.finish().as_ref());
        key
    }
}

struct Writer(digest::Context);

impl Writer {
    fn count(&mut self, n: usize) {
        self.0.update(&(n as u64).to_be_bytes());
    }

    fn field(&mut self, bytes: &[u8]) {
        self.count(bytes.len());
        self.0.update(bytes);
    }
}

#[cfg(test)]
#[path = "key_tests.rs"]
mod tests;
