//! The configuration file as written by operators: serde shapes with their defaults.
//! `config/delegation.toml` documents every key; keep the two in step.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

mod server;
mod state;

pub use server::ServerSection;
pub use state::{OidcIssuerSection, StateSection};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    #[serde(default)]
    pub server: ServerSection,
    pub saml: SamlSection,
    #[serde(default)]
    pub sts: StsSection,
    #[serde(default)]
    pub issuers: Vec<IssuerSection>,
    #[serde(default)]
    pub clients: Vec<ClientSection>,
    #[serde(default)]
    pub rules: RulesSection,
    #[serde(default)]
    pub limits: LimitsSection,
    #[serde(default)]
    pub cache: CacheSection,
    #[serde(default)]
    pub state: StateSection,
    /// The server's own OIDC provider; absent: none.
    pub oidc_provider: Option<OidcIssuerSection>,
    /// The old name of `[oidc_provider]`, still read (with a warning).
    pub issuer: Option<OidcIssuerSection>,
    #[serde(default)]
    pub outbound: OutboundSection,
    #[serde(default)]
    pub audit: AuditSection,
    #[serde(default)]
    pub admin: AdminSection,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AdminSection {
    pub token_file: Option<PathBuf>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuditSection {
    pub path: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutboundSection {
    pub ca_roots: String,
    pub ca_file: Option<PathBuf>,
}

impl Default for OutboundSection {
    fn default() -> Self {
        Self {
            ca_roots: "system+bundled".into(),
            ca_file: None,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CacheSection {
    pub enabled: bool,
    pub min_remaining_seconds: u64,
    pub max_entries: u64,
    pub negative_ttl_seconds: u64,
}

impl Default for CacheSection {
    fn default() -> Self {
        Self {
            enabled: false,
            min_remaining_seconds: 900,
            max_entries: 100_000,
            negative_ttl_seconds: 10,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LimitsSection {
    pub per_user_per_minute: u32,
    pub per_user_burst: u32,
}

impl Default for LimitsSection {
    fn default() -> Self {
        Self {
            per_user_per_minute: 60,
            per_user_burst: 10,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RulesSection {
    pub files: Vec<PathBuf>,
    pub timeout_ms: u64,
    pub memory_limit_mb: u64,
    pub workers: usize,
    pub configuration: serde_json::Map<String, serde_json::Value>,
}

impl Default for RulesSection {
    fn default() -> Self {
        Self {
            files: Vec::new(),
            timeout_ms: 1_000,
            memory_limit_mb: 32,
            workers: 0,
            configuration: serde_json::Map::new(),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SamlSection {
    pub issuer: String,
    pub signing_key: PathBuf,
    pub signing_cert: PathBuf,
    #[serde(default)]
    pub next_signing_cert: Option<PathBuf>,
    #[serde(default = "default_saml_lifetime")]
    pub lifetime_seconds: u64,
    #[serde(default)]
    pub sso_url: Option<String>,
}

fn default_saml_lifetime() -> u64 {
    180
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StsSection {
    pub endpoint: Option<String>,
    pub allow_http_endpoint: bool,
    pub timeout_ms: u64,
    pub connect_timeout_ms: u64,
    pub retries: u32,
    pub warm_up_ms: u64,
}

impl Default for StsSection {
    fn default() -> Self {
        Self {
            endpoint: None,
            allow_http_endpoint: false,
            timeout_ms: 5_000,
            connect_timeout_ms: 2_000,
            retries: 2,
            warm_up_ms: 2_000,
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerSection {
    pub issuer: String,
    #[serde(default)]
    pub jwks_uri: Option<String>,
    #[serde(default)]
    pub keys_file: Option<PathBuf>,
    #[serde(default = "default_algorithms")]
    pub algorithms: Vec<String>,
    #[serde(default = "default_leeway")]
    pub leeway_seconds: u64,
    #[serde(default = "default_min_refresh")]
    pub jwks_min_refresh_seconds: u64,
    #[serde(default = "default_jwks_cache")]
    pub jwks_cache_seconds: u64,
    #[serde(default)]
    pub token_endpoint: Option<String>,
}

fn default_algorithms() -> Vec<String> {
    vec!["RS256".into()]
}
fn default_leeway() -> u64 {
    60
}
fn default_min_refresh() -> u64 {
    30
}
fn default_jwks_cache() -> u64 {
    600
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSection {
    pub client_id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub client_secret_base64: bool,
    #[serde(default)]
    pub allowed_callers: Vec<String>,
    #[serde(default)]
    pub cors_origins: Vec<String>,
    #[serde(default)]
    pub clamp_to_token_lifetime: bool,
    #[serde(default)]
    pub aws: Option<AwsSection>,
    #[serde(default)]
    pub app: Option<AppSection>,
    #[serde(default)]
    pub console: Option<ConsoleSection>,
    #[serde(default)]
    pub refresh: Option<RefreshSection>,
}

/// `[clients.refresh]`: `refresh_token` in place of `id_token`, redeemed at the issuer.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshSection {
    #[serde(default)]
    pub enabled: bool,
    /// The client's secret at the issuer; public clients have none.
    #[serde(default)]
    pub client_secret: Option<String>,
}

/// `[clients.console]`: `api_type=aws_console`, an AWS console sign-in URL.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSection {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default)]
    pub destination: Option<String>,
    #[serde(default)]
    pub issuer: Option<String>,
    #[serde(default)]
    pub session_duration_seconds: Option<u32>,
    #[serde(default)]
    pub federation_endpoint: Option<String>,
}

/// `[clients.app]`: `api_type=app`, a new id_token for this client.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSection {
    #[serde(default)]
    pub enabled: bool,
    #[serde(default = "default_app_lifetime")]
    pub lifetime_in_seconds: u32,
}

fn default_app_lifetime() -> u32 {
    36_000
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsSection {
    #[serde(default)]
    pub backend: Option<String>,
    #[serde(default)]
    pub role: Option<String>,
    #[serde(default)]
    pub principal: Option<String>,
    #[serde(default)]
    pub region: Option<String>,
    #[serde(default = "default_lifetime")]
    pub lifetime_in_seconds: u32,
    #[serde(default)]
    pub mappings: Option<BTreeMap<String, String>>,
    #[serde(default)]
    pub allow_request_roles: Vec<RolePair>,
    #[serde(default)]
    pub saml_issuer: Option<String>,
    #[serde(default)]
    pub audience: Option<String>,
    #[serde(default)]
    pub role_rules: Vec<RoleRuleSection>,
    #[serde(default)]
    pub no_match: Option<String>,
    #[serde(default)]
    pub session_tags: BTreeMap<String, String>,
    #[serde(default)]
    pub transitive_tag_keys: Vec<String>,
    #[serde(default)]
    pub source_identity: Option<String>,
    #[serde(default)]
    pub session_policy: Option<String>,
    #[serde(default = "default_policy_forbidden")]
    pub session_policy_forbidden: String,
    #[serde(default)]
    pub policy_arns: Vec<String>,
}

fn default_policy_forbidden() -> String {
    "*?:/".into()
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoleRuleSection {
    pub claim: String,
    #[serde(default)]
    pub equals: Option<String>,
    #[serde(default)]
    pub contains: Option<String>,
    #[serde(default)]
    pub matches: Option<String>,
    pub role: String,
    #[serde(default)]
    pub principal: Option<String>,
}

fn default_lifetime() -> u32 {
    3600
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolePair {
    pub role: String,
    pub principal: String,
}
