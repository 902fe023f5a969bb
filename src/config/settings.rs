//! Validated configuration: every value here has been checked and parsed.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::time::Duration;

use crate::domain::role_rule::RoleRule;
use crate::domain::session::PolicyTemplate;
use crate::domain::{PrincipalArn, Region, RoleArn, Secret};
use crate::ops::AuditTarget;

#[derive(Debug)]
pub struct Settings {
    pub server: ServerSettings,
    pub saml: SamlSettings,
    /// How the STS client reaches STS (`[sts]`).
    pub sts: crate::sts::StsSettings,
    /// What the token verifier is built from: `[[issuers]]` and `server.max_token_bytes`.
    pub verifier: crate::token::VerifierSettings,
    /// By `client_id`.
    pub clients: BTreeMap<String, Client>,
    pub rules: crate::rules::RulesConfig,
    pub limits: crate::limit::LimitSettings,
    /// The credential cache; `None`: off.
    pub cache: Option<crate::cache::CacheSettings>,
    /// Redis for the rate limit and the cache's shared tier; `None`: all in process.
    pub state: Option<crate::state::StateSettings>,
    /// The server's own OIDC provider (`[oidc_provider]`); `None`: not one.
    pub oidc_issuer: Option<crate::issuer::OidcIssuerSettings>,
    pub outbound: crate::roots::OutboundSettings,
    /// Where audit records go; `None`: no audit log.
    pub audit: Option<AuditTarget>,
    /// The bearer token of the admin endpoints (`POST /delegation/explain`); `None`: off.
    pub admin_token: Option<Secret>,
    /// Keys and sections written under an old name, as (old, new), for a warning.
    pub renamed: Vec<(&'static str, &'static str)>,
}

#[derive(Debug)]
pub struct ServerSettings {
    pub listen: SocketAddr,
    pub max_body_bytes: usize,
    /// Largest request head (request line and headers); larger ones get 431.
    pub max_header_bytes: usize,
    pub request_timeout: Duration,
    /// Longest wait for a `/delegation` body, before anything else is done for it.
    pub body_read_timeout: Duration,
    /// Origins allowed for every client, in addition to each client's own.
    pub cors_origins: Vec<String>,
    pub json_logs: bool,
    /// Trusted proxies in front of the server that append to `X-Forwarded-For`; the
    /// client's address is the entry this many places from the right. 0: the peer address.
    pub forwarded_hops: usize,
    /// Longest wait for a request's head, and for the next one on an idle connection.
    pub header_read_timeout: Duration,
    pub keep_alive: bool,
    /// Connections served at once; more wait in the listen queue.
    pub max_connections: usize,
    /// Connections one client address may hold open at once; 0: no limit.
    pub max_connections_per_address: usize,
    /// Delegations served at once, counted from the id_token's verification; more get 503.
    pub max_in_flight: usize,
    /// Whether `GET /metrics` is served (on the management listener).
    pub metrics: bool,
    /// The management listener: `/metrics` and `/delegation/explain`, never on `listen`.
    pub management_listen: SocketAddr,
    /// How long after start `/readyz` waits for every issuer's keys before it reports
    /// ready without them.
    pub readiness_grace: Duration,
    /// After SIGTERM, how long `/readyz` answers 503 while requests are still served,
    /// before the listener closes and in-flight requests drain.
    pub shutdown_delay: Duration,
    /// Serve HTTPS with this certificate chain and key; `None`: plain HTTP.
    pub tls: Option<crate::tls::TlsSettings>,
    /// Where `serve` writes its process ID (for `delegation-server reload`).
    pub pid_file: Option<std::path::PathBuf>,
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
    /// As the target: credentials and app tokens end no later than the caller's id_token.
    pub clamp_to_token_lifetime: bool,
    pub aws: Option<AwsDefaults>,
    /// `refresh_token` in place of `id_token` for this caller, when `[clients.refresh]
    /// enabled`: the client's secret at the issuer, if it has one.
    pub refresh: Option<RefreshSettings>,
    /// `api_type=aws_console` for this target, when `[clients.console] enabled`.
    pub console: Option<crate::console::ConsoleSettings>,
    /// `api_type=app` for this target, when `[clients.app] enabled`.
    pub app: Option<AppSettings>,
}

/// `[clients.refresh]`, when enabled.
#[derive(Debug, Clone, PartialEq)]
pub struct RefreshSettings {
    /// Sent as `client_secret` with the refresh grant; public clients have none.
    pub client_secret: Option<Secret<String>>,
}

/// `[clients.app]`, when enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppSettings {
    /// `exp` - `iat` of the id_tokens issued for this client.
    pub lifetime_in_seconds: u32,
}

/// The AWS settings of a target client, before rules change them.
#[derive(Debug, Clone)]
pub struct AwsDefaults {
    /// How credentials are obtained from STS (`clients.aws.backend`).
    pub backend: &'static dyn crate::backend::CredentialBackend,
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
    /// Declarative role rules, tried in order before the JavaScript rules.
    pub role_rules: Vec<RoleRule>,
    /// What happens when role rules exist and none matches.
    pub no_match: NoMatch,
    /// Session tag key → the claim its value comes from.
    pub session_tags: Vec<(String, String)>,
    pub transitive_tag_keys: Vec<String>,
    /// The claim `SourceIdentity` comes from.
    pub source_identity: Option<String>,
    pub session_policy: Option<PolicyTemplate>,
    /// Managed policies passed as `PolicyArns` (ARNs, checked).
    pub policy_arns: Vec<String>,
}

/// `clients.aws.no_match`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoMatch {
    /// 403 `unauthorized`.
    Deny,
    /// The client's configured role.
    Default,
}
