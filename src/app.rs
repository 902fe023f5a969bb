//! The shared state of a running server: settings and the components built from them once.

use std::sync::Arc;

use time::OffsetDateTime;

use crate::config::{IssuerKeys, Settings};
use crate::limit::RateLimiter;
use crate::rules::{RuleSource, RulesEngine, RulesSettings};
use crate::saml::SamlSigner;
use crate::sts::{StsClient, StsSettings};
use crate::token::{IssuerConfig, KeySource, TokenVerifier};

/// The time source, passed in so tests can pin it.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// Why the server cannot start with these settings.
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("saml.signing_key / saml.signing_cert: {0}")]
    Signer(String),
    #[error("cannot build HTTP client: {0}")]
    Http(String),
    #[error("{0}")]
    Roots(#[from] crate::roots::RootsError),
    #[error("rules: {0}")]
    Rules(String),
}

pub struct App {
    pub settings: Settings,
    pub signer: SamlSigner,
    pub verifier: TokenVerifier,
    pub sts: StsClient,
    pub rules: RulesEngine,
    /// Per-user rate limit; `None` when turned off.
    pub limiter: Option<RateLimiter>,
    pub clock: Arc<dyn Clock>,
}

impl App {
    /// Loads keys and builds the HTTP clients once; nothing here is redone per request.
    pub fn build(settings: Settings, clock: Arc<dyn Clock>) -> Result<Arc<Self>, StartupError> {
        let saml = &settings.saml;
        let key_pem = String::from_utf8_lossy(saml.signing_key_pem.expose());
        let signer = SamlSigner::from_pem(
            &key_pem,
            &saml.signing_cert_pem,
            saml.next_signing_cert_pem.as_deref(),
        )
        .map_err(|e| StartupError::Signer(e.to_string()))?;
        let out = &settings.outbound;
        let roots = crate::roots::load(out.ca_roots, out.ca_file_pem.as_deref())?;
        // Redirects are refused: one could lead the JWKS fetch from https to http or to an
        // internal host, past the checks made on the configured jwks_uri.
        let http = reqwest::Client::builder()
            .tls_certs_only(roots.clone())
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(std::time::Duration::from_secs(5))
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|e| StartupError::Http(e.to_string()))?;
        let issuers = settings.issuers.iter().map(issuer_config).collect();
        let verifier = TokenVerifier::new(issuers, http, settings.server.max_token_bytes);
        let sts = StsClient::new(StsSettings {
            endpoint: settings.sts.endpoint.clone(),
            connect_timeout: settings.sts.connect_timeout,
            timeout: settings.sts.timeout,
            retries: settings.sts.retries,
            roots,
        })
        .map_err(|e| StartupError::Http(e.to_string()))?;
        let rules = RulesEngine::new(rule_sources(&settings), rules_settings(&settings))
            .map_err(|e| StartupError::Rules(e.to_string()))?;
        let limiter = RateLimiter::new(settings.per_user_per_minute, settings.per_user_burst);
        Ok(Arc::new(Self {
            limiter,
            settings,
            signer,
            verifier,
            sts,
            rules,
            clock,
        }))
    }
}

fn issuer_config(s: &crate::config::IssuerSettings) -> IssuerConfig {
    let keys = match &s.keys {
        IssuerKeys::Jwks {
            uri,
            min_refresh,
            cache_ttl,
        } => KeySource::Jwks {
            uri: uri.clone(),
            min_refresh: *min_refresh,
            default_ttl: *cache_ttl,
        },
        IssuerKeys::Static(set) => KeySource::Static(set.clone()),
    };
    IssuerConfig {
        issuer: s.issuer.clone(),
        keys,
        algorithms: s.algorithms.clone(),
        leeway_seconds: s.leeway_seconds,
    }
}

/// The configured rule files, in order.
pub fn rule_sources(settings: &Settings) -> Vec<RuleSource> {
    settings
        .rules
        .files
        .iter()
        .map(|(name, source)| RuleSource {
            name: name.clone(),
            source: source.clone(),
        })
        .collect()
}

fn rules_settings(settings: &Settings) -> RulesSettings {
    let r = &settings.rules;
    let workers = match r.workers {
        0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        n => n,
    };
    RulesSettings {
        timeout: r.timeout,
        memory_limit_bytes: r.memory_limit_bytes,
        configuration: r.configuration.expose().clone(),
        workers,
    }
}
