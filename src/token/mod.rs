//! id_token verification, following RFC 8725 (JWT Best Current Practices); the checks and
//! their order are listed in docs/tokens-saml-sts.md.
//!
//! The verifier trusts only what is configured: the exact issuer string, the issuer's
//! algorithm allowlist and the keys published at its `jwks_uri` (or given statically).
//! Everything the token says about how to verify it (`alg`, `kid`, `jku`, `jwk`, `x5u`) is
//! treated as a hint that must agree with that configuration, never as an instruction.
//!
//! Layout: `header` parses the JOSE header, `keys` decides which published key may verify
//! which algorithm, `jwks` fetches and caches key sets, `verify` runs the checks in order
//! and `claims` holds the checks jsonwebtoken does not do.

mod checks;
mod claims;
mod error;
mod header;
mod jwks;
mod keys;
mod parts;
mod refresh;
mod rsa;
mod verify;
mod warm;

use std::time::Duration;

pub use checks::Check;
pub use error::TokenError;
#[cfg(feature = "fuzzing")]
pub(crate) use header::parse_header;
pub use refresh::{Redeemed, RefreshError, TokenEndpoints};
pub use verify::TokenVerifier;

/// The verified claims of an id_token, as the token carried them.
pub type Claims = serde_json::Map<String, serde_json::Value>;

/// The algorithm and key ID a token's header names, when it can be read (for explaining
/// a verification; nothing is trusted from it).
pub fn header_summary(token: &str) -> Option<(&'static str, Option<String>)> {
    let header = header::parse_header(token.split('.').next()?).ok()?;
    Some((header::alg_name(header.alg), header.kid))
}

/// Told about every JWKS fetch, for metrics.
pub trait JwksObserver: Send + Sync + std::fmt::Debug {
    /// A fetch of `issuer`'s JWKS ended, with a usable key set or not.
    fn fetched(&self, issuer: &str, ok: bool);
}

/// What a [`TokenVerifier`] is built from: `[[issuers]]` and `server.max_token_bytes`. A
/// reload keeps the running verifier, with its JWKS caches, while these (and the outbound
/// trust its HTTP client uses) compare equal.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifierSettings {
    /// The trusted issuers, each `issuer` at most once.
    pub issuers: Vec<IssuerConfig>,
    /// Longest token accepted, in bytes; checked before any parsing.
    pub max_token_bytes: usize,
    /// Issuers whose refresh tokens can be redeemed, and where.
    pub token_endpoints: TokenEndpoints,
}

/// Where an issuer's signing keys come from.
#[derive(Debug, Clone, PartialEq)]
pub enum KeySource {
    /// Fetched over HTTP(S), cached; honours Cache-Control max-age, default_ttl otherwise
    /// (either clamped to [min_refresh, 24 h]); on an unknown `kid`, re-fetched at most
    /// once per `min_refresh`.
    Jwks {
        /// The issuer's `jwks_uri`.
        uri: url::Url,
        /// Shortest interval between two fetches; bounds refetches an attacker can cause
        /// with made-up `kid`s.
        min_refresh: Duration,
        /// How long a fetched set is fresh when the response has no `max-age` (at most 24 h).
        default_ttl: Duration,
    },
    /// Keys given in configuration (a JWKS JSON document), for offline use.
    Static(jsonwebtoken::jwk::JwkSet),
}

/// One trusted token issuer.
#[derive(Debug, Clone, PartialEq)]
pub struct IssuerConfig {
    /// The exact `iss` value; compared byte for byte, no normalisation.
    pub issuer: String,
    /// Where its signing keys come from.
    pub keys: KeySource,
    /// Algorithms accepted from this issuer (the config layer defaults to `RS256`).
    /// `HS256`/`HS384`/`HS512` listed here are still only verified with the calling
    /// client's own secret, never with a published key.
    pub algorithms: Vec<jsonwebtoken::Algorithm>,
    /// Allowed clock skew for `exp`, `nbf` and `iat`, in seconds.
    pub leeway_seconds: u64,
}

/// What the caller expects of the token.
#[derive(Clone, Copy)]
pub struct Expected<'a> {
    /// The issuer the calling client trusts; the token's `iss` must equal it exactly.
    pub issuer: &'a str,
    /// The calling client; must be among the token's audiences.
    pub client_id: &'a str,
    /// The client's shared secret, for Auth0's legacy HS256 clients; `None` otherwise.
    pub client_secret: Option<&'a [u8]>,
}

// Written by hand so the client secret never reaches a log line.
impl std::fmt::Debug for Expected<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Expected")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.map(|_| "[redacted]"))
            .finish()
    }
}
