//! The server as an OIDC issuer (`[oidc_provider]`): its signing key (and the next one during a
//! rotation), the JWKS and discovery documents AWS IAM reads when an OIDC identity provider
//! is created, and the tokens it signs — for `AssumeRoleWithWebIdentity` and `api_type=app`.
//!
//! Keys are RSA (2048 bits or more, RS256) or EC P-256 (ES256), in PEM. Each key's `kid` is
//! its RFC 7638 thumbprint, so a key keeps its `kid` wherever it is loaded. Tokens are signed
//! with the current key; the JWKS publishes the next one as well, so tokens signed with it
//! verify everywhere as soon as it is promoted, and retired ones, so tokens signed before a
//! rotation verify until they expire.

mod keys;
mod token;

use std::sync::Arc;

use jsonwebtoken::Algorithm;
use serde::Serialize;
use serde_json::json;
use time::OffsetDateTime;

use keys::IssuerKey;
pub use keys::{IssuerKeyError, generate_ec_key, generate_rsa_key};
pub use token::{
    AppTokenClaims, MAX_WEB_IDENTITY_TOKEN_CHARS, SOURCE_IDENTITY_CLAIM, TAGS_CLAIM,
    WEB_IDENTITY_DEFAULT_AUDIENCE, WEB_IDENTITY_TOKEN_SECONDS, WebIdentityClaims, new_jti,
    reserved_claim_problem,
};

use crate::domain::Secret;

/// How long clients (and IAM) may keep the JWKS and discovery documents.
pub const DOCUMENT_MAX_AGE_SECONDS: u32 = 300;

/// `[oidc_provider]`, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct OidcIssuerSettings {
    /// The `iss` of every token: where this server's root is reachable, without a trailing `/`.
    pub url: String,
    pub signing_key_pem: Secret<String>,
    pub next_signing_key_pem: Option<Secret<String>>,
    /// Keys that signed tokens which may still be valid: published, never used to sign.
    pub retired_signing_key_pems: Vec<Secret<String>>,
    /// Key IDs withdrawn at once (a compromised key): never published, neither retired nor
    /// kept after a reload; the current and next key may not be among them.
    pub revoked_kids: Vec<String>,
}

pub struct OidcIssuer {
    url: String,
    current: Arc<IssuerKey>,
    next: Option<Arc<IssuerKey>>,
    /// Retired keys from the configuration.
    retired: Vec<Arc<IssuerKey>>,
    /// Keys a reload stopped signing with, published until the tokens they signed have
    /// expired (kept in memory: across a restart, list them in `retired_signing_keys`).
    kept: Vec<(Arc<IssuerKey>, OffsetDateTime)>,
    jwks: Arc<str>,
    discovery: Arc<str>,
}

impl std::fmt::Debug for OidcIssuer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OidcIssuer")
            .field("url", &self.url)
            .field("kid", &self.current.kid)
            .finish_non_exhaustive()
    }
}

impl OidcIssuer {
    pub fn new(settings: &OidcIssuerSettings) -> Result<Self, IssuerKeyError> {
        Self::build(settings, Vec::new())
    }

    /// The issuer a reload makes: as [`OidcIssuer::new`], and every key `previous` signed
    /// with (or kept) that the new settings no longer publish stays published until
    /// `longest_token` after `now`, so the tokens it signed keep verifying.
    pub fn after_reload(
        settings: &OidcIssuerSettings,
        previous: &OidcIssuer,
        now: OffsetDateTime,
        longest_token: std::time::Duration,
    ) -> Result<Self, IssuerKeyError> {
        let until = now + longest_token;
        let mut kept: Vec<(Arc<IssuerKey>, OffsetDateTime)> = previous
            .kept
            .iter()
            .filter(|(_, until)| *until > now)
            .cloned()
            .collect();
        kept.push((Arc::clone(&previous.current), until));
        Self::build(settings, kept)
    }

    fn build(
        settings: &OidcIssuerSettings,
        mut kept: Vec<(Arc<IssuerKey>, OffsetDateTime)>,
    ) -> Result<Self, IssuerKeyError> {
        let current = IssuerKey::from_pem(settings.signing_key_pem.expose(), "signing_key")?;
        let next = match &settings.next_signing_key_pem {
            Some(pem) => Some(IssuerKey::from_pem(pem.expose(), "next_signing_key")?),
            None => None,
        };
        if next.as_ref().is_some_and(|n| n.kid == current.kid) {
            return Err(IssuerKeyError::SameKey);
        }
        let revoked = |kid: &str| settings.revoked_kids.iter().any(|r| r == kid);
        if revoked(&current.kid) || next.as_ref().is_some_and(|n| revoked(&n.kid)) {
            return Err(IssuerKeyError::Revoked);
        }
        kept.retain(|(key, _)| !revoked(&key.kid));
        let mut retired: Vec<Arc<IssuerKey>> = Vec::new();
        for pem in &settings.retired_signing_key_pems {
            let key = IssuerKey::from_pem(pem.expose(), "retired_signing_keys")?;
            let known = std::iter::once(&current)
                .chain(next.as_ref())
                .chain(retired.iter().map(|k| k.as_ref()))
                .any(|k| k.kid == key.kid);
            if !known && !revoked(&key.kid) {
                retired.push(Arc::new(key));
            }
        }
        let (current, next) = (Arc::new(current), next.map(Arc::new));
        let listed = |kid: &str| {
            std::iter::once(&current)
                .chain(next.as_ref())
                .chain(&retired)
                .any(|k| k.kid == kid)
        };
        kept.retain(|(key, _)| !listed(&key.kid));
        kept.dedup_by(|a, b| a.0.kid == b.0.kid);
        let url = settings.url.clone();
        let keys: Vec<&IssuerKey> = std::iter::once(&current)
            .chain(next.as_ref())
            .chain(&retired)
            .chain(kept.iter().map(|(k, _)| k))
            .map(|k| k.as_ref())
            .collect();
        let jwks = json!({ "keys": keys.iter().map(|k| &k.public).collect::<Vec<_>>() });
        let mut algorithms: Vec<&str> = Vec::new();
        for alg in keys.iter().map(|k| k.alg_name()) {
            if !algorithms.contains(&alg) {
                algorithms.push(alg);
            }
        }
        let discovery = json!({
            "issuer": url,
            "jwks_uri": format!("{url}/.well-known/jwks.json"),
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": algorithms,
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "jti", "azp", "https://aws.amazon.com/tags"],
        });
        Ok(Self {
            url,
            current,
            next,
            retired,
            kept,
            jwks: Arc::from(jwks.to_string()),
            discovery: Arc::from(discovery.to_string()),
        })
    }

    /// The `iss` of the tokens this server signs.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The `kid` tokens are signed with now.
    pub fn current_kid(&self) -> &str {
        &self.current.kid
    }

    /// The `kid` of the key published for the next rotation, if any.
    pub fn next_kid(&self) -> Option<&str> {
        self.next.as_ref().map(|k| k.kid.as_str())
    }

    /// The `kid`s published for verification only: retired keys, configured or kept
    /// after a reload.
    pub fn retired_kids(&self) -> Vec<&str> {
        self.retired
            .iter()
            .chain(self.kept.iter().map(|(k, _)| k))
            .map(|k| k.kid.as_str())
            .collect()
    }

    /// `GET /.well-known/jwks.json`: the current key, the next one, then retired ones.
    pub fn jwks_json(&self) -> Arc<str> {
        Arc::clone(&self.jwks)
    }

    /// `GET /.well-known/openid-configuration`.
    pub fn discovery_json(&self) -> Arc<str> {
        Arc::clone(&self.discovery)
    }

    /// Signs `claims` as a JWT with the current key (`typ` JWT, `kid` its thumbprint).
    pub fn sign(&self, claims: &impl Serialize) -> Result<String, IssuerKeyError> {
        let payload =
            serde_json::to_vec(claims).map_err(|e| IssuerKeyError::Sign(e.to_string()))?;
        self.current.sign_jwt(&payload)
    }
}

impl IssuerKey {
    fn alg_name(&self) -> &'static str {
        match self.alg {
            Algorithm::ES256 => "ES256",
            _ => "RS256",
        }
    }
}

#[cfg(test)]
mod tests;
