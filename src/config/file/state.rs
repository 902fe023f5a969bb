//! `[state]` (Redis, shared by every replica) and `[oidc_provider]` (the server's own OIDC
//! provider).

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StateSection {
    pub redis_url: Option<String>,
    pub encryption_key_file: Option<PathBuf>,
    pub ca_file: Option<PathBuf>,
    pub on_error: String,
    pub key_prefix: String,
    pub timeout_ms: u64,
    pub warm_up_ms: u64,
}

impl Default for StateSection {
    fn default() -> Self {
        Self {
            redis_url: None,
            encryption_key_file: None,
            ca_file: None,
            on_error: "closed".into(),
            key_prefix: "delegation:".into(),
            timeout_ms: 250,
            warm_up_ms: 2_000,
        }
    }
}

/// The URL may carry a password: it is not shown.
impl std::fmt::Debug for StateSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateSection")
            .field("redis_url", &self.redis_url.as_ref().map(|_| "<set>"))
            .field("encryption_key_file", &self.encryption_key_file)
            .field("ca_file", &self.ca_file)
            .field("on_error", &self.on_error)
            .field("key_prefix", &self.key_prefix)
            .field("timeout_ms", &self.timeout_ms)
            .field("warm_up_ms", &self.warm_up_ms)
            .finish()
    }
}

/// `[oidc_provider]` (formerly `[issuer]`): the server as an OIDC provider.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcIssuerSection {
    pub url: String,
    pub signing_key: PathBuf,
    pub next_signing_key: Option<PathBuf>,
    /// Keys that signed tokens which may still be valid: published, never used to sign.
    #[serde(default)]
    pub retired_signing_keys: Vec<PathBuf>,
    /// Key IDs never to publish again (a compromised key), whatever else says so.
    #[serde(default)]
    pub revoked_kids: Vec<String>,
}
