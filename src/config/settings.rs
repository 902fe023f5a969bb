//! Validated configuration: every value here has been checked and parsed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use url::Url;

use crate::domain::{PrincipalArn, Region, RoleArn};
use crate::roots::CaRoots;

#[derive(Debug)]
pub struct Settings {
    pub server: ServerSettings,
    pub saml: SamlSettings,
    pub sts: StsSettings,
    pub issuers: Vec<IssuerSettings>,
    /// By `client_id`.
    pub clients: BTreeMap<String, Client>,
    pub rules: RulesConfig,
    /// Delegations per user (issuer and `sub`) per minute, and the burst; 0: no limit.
    pub per_user_per_minute: u32,
    pub per_user_burst: u32,
    pub outbound: OutboundSettings,
}

/// Trust for outbound HTTPS (JWKS and STS).
#[derive(Debug)]
pub struct OutboundSettings {
    pub ca_roots: CaRoots,
    /// Extra CA certificates (PEM), e.g. a private CA or an intercepting proxy's.
    pub ca_file_pem: Option<Vec<u8>>,
}

/// Rule files, read at start, in the order they run.
#[derive(Debug)]
pub struct RulesConfig {
    /// (file name, source text).
    pub files: Vec<(String, String)>,
    pub timeout: Duration,
    pub memory_limit_bytes: usize,
    /// Worker threads running rules; 0 means one per CPU.
    pub workers: usize,
    /// The rules' global `configuration` object. Often holds secrets: never logged.
    pub configuration: Secret<serde_json::Map<String, serde_json::Value>>,
}

#[derive(Debug)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    pub max_body_bytes: usize,
    /// Largest request head (request line and headers); larger ones get 431.
    pub max_header_bytes: usize,
    pub max_token_bytes: usize,
    pub request_timeout: Duration,
    /// Origins allowed for every client, in addition to each client's own.
    pub cors_origins: Vec<String>,
    pub json_logs: bool,
    /// Trusted proxies in front of the server that append to `X-Forwarded-For`; the
    /// client's address is the entry this many places from the right. 0: the peer address.
    pub forwarded_hops: usize,
}

#[derive(Debug)]
pub struct SamlSettings {
    pub issuer: String,
    pub signing_key_pem: Secret,
    pub signing_cert_pem: String,
    pub next_signing_cert_pem: Option<String>,
    pub lifetime: Duration,
    pub sso_url: String,
}

#[derive(Debug)]
pub struct StsSettings {
    pub endpoint: Option<Url>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub retries: u32,
}

#[derive(Debug)]
pub struct IssuerSettings {
    pub issuer: String,
    pub keys: IssuerKeys,
    pub algorithms: Vec<jsonwebtoken::Algorithm>,
    pub leeway_seconds: u64,
}

#[derive(Debug)]
pub enum IssuerKeys {
    Jwks {
        uri: Url,
        min_refresh: Duration,
        cache_ttl: Duration,
    },
    Static(jsonwebtoken::jwk::JwkSet),
}

#[derive(Debug)]
pub struct Client {
    pub client_id: String,
    pub name: Option<String>,
    /// The only issuer whose tokens this client accepts.
    pub issuer: String,
    /// Shared secret for HS256 id_tokens (Auth0's legacy clients).
    pub secret: Option<Secret>,
    /// Clients that may name this one as `target`.
    pub allowed_callers: BTreeSet<String>,
    pub cors_origins: Vec<String>,
    pub aws: Option<AwsDefaults>,
}

/// The AWS settings of a target client, before rules change them.
#[derive(Debug, Clone)]
pub struct AwsDefaults {
    pub role: Option<RoleArn>,
    pub principal: Option<PrincipalArn>,
    pub region: Option<Region>,
    pub lifetime_in_seconds: u32,
    /// SAML attribute name → user property; `None` means Auth0's defaults.
    pub mappings: Option<Vec<(String, String)>>,
    /// Role/principal pairs a request may choose with its `role` and `principal` parameters.
    pub allowed_request_roles: Vec<(RoleArn, PrincipalArn)>,
    pub saml_issuer: Option<String>,
    pub audience: Option<String>,
}

/// A secret (bytes by default) that never shows in `Debug` output or logs.
#[derive(Clone)]
pub struct Secret<T = Vec<u8>>(T);

impl<T> Secret<T> {
    pub fn new(value: T) -> Self {
        Self(value)
    }

    pub fn expose(&self) -> &T {
        &self.0
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}
