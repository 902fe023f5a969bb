//! The component snapshot: validated settings and the components built from them once
//! (signer, verifier, STS client, rules engine, cache, limits). An `App` never changes; a
//! reload builds a new one and keeps the components whose settings did not change (their
//! caches, workers and counters with them). [`crate::server`] swaps snapshots live;
//! [`crate::startup`] runs the accept loop.

mod reload;

use std::sync::Arc;

use time::OffsetDateTime;
use tokio::sync::Semaphore;

use crate::cache::CredentialCache;
use crate::config::Settings;
use crate::limit::UserLimit;
use crate::ops::{AuditSink, Metrics};
use crate::rules::RulesEngine;
use crate::saml::SamlSigner;
use crate::state::SharedState;
use crate::sts::StsClient;
use crate::token::TokenVerifier;

pub use reload::{Component, OnReload, on_reload};

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
    #[error("audit.path: {0}")]
    Audit(#[from] crate::ops::AuditError),
    #[error("{0}")]
    Tls(#[from] crate::tls::TlsError),
    #[error("oidc_provider.signing_key: {0}")]
    Issuer(#[from] crate::issuer::IssuerKeyError),
    #[error("state.redis_url: {0}")]
    State(#[from] crate::state::StateError),
}

pub struct App {
    pub settings: Settings,
    pub signer: SamlSigner,
    pub verifier: Arc<TokenVerifier>,
    pub sts: StsClient,
    pub rules: Arc<RulesEngine>,
    /// Per-user rate limit; `None` when turned off.
    pub limiter: Option<Arc<UserLimit>>,
    /// Redis, when `[state]` is set: the rate limit and the cache's shared tier live there.
    pub state: Option<Arc<SharedState>>,
    /// The server's own OIDC issuer (`[oidc_provider]`), when configured.
    pub oidc: Option<Arc<crate::issuer::OidcIssuer>>,
    /// The credential cache; `None` when turned off.
    pub cache: Option<Arc<CredentialCache>>,
    /// Delegations allowed at once (`server.max_in_flight`).
    pub in_flight: Arc<Semaphore>,
    pub audit: Option<Arc<AuditSink>>,
    /// The listener's TLS configuration (`[server.tls]`); `None`: plain HTTP.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// The AWS sign-in federation endpoint's client, for `api_type=aws_console`.
    pub federation: crate::console::Federation,
    pub clock: Arc<dyn Clock>,
}

impl App {
    /// Loads keys and builds the HTTP clients once; nothing here is redone per request.
    /// Metrics go to a registry of their own (for commands that do not serve).
    pub fn build(settings: Settings, clock: Arc<dyn Clock>) -> Result<Arc<Self>, StartupError> {
        Self::build_with(settings, clock, &Arc::new(Metrics::new()), None)
    }

    /// Builds the app reporting to `metrics`; components of `previous` (the app a reload
    /// replaces) whose settings are unchanged are kept. Each component's `same` check is
    /// one comparison of the settings values it is built from, as [`on_reload`] lists them.
    pub fn build_with(
        settings: Settings,
        clock: Arc<dyn Clock>,
        metrics: &Arc<Metrics>,
        previous: Option<&App>,
    ) -> Result<Arc<Self>, StartupError> {
        let saml = &settings.saml;
        let key_pem = String::from_utf8_lossy(saml.signing_key_pem.expose());
        let signer = SamlSigner::from_pem(
            &key_pem,
            &saml.signing_cert_pem,
            saml.next_signing_cert_pem.as_deref(),
        )
        .map_err(|e| StartupError::Signer(e.to_string()))?;
        let (current, next) = signer.certificates_not_after();
        metrics.signing_cert("current", current);
        metrics.signing_cert("next", next);

        let same = |check: fn(&Settings, &Settings) -> bool| {
            previous.filter(|p| check(&p.settings, &settings))
        };
        let out = &settings.outbound;
        let roots = crate::roots::load(out.ca_roots, out.ca_file_pem.as_deref())?;
        let verifier = match same(|a, b| a.verifier == b.verifier && a.outbound == b.outbound) {
            Some(p) => Arc::clone(&p.verifier),
            None => Arc::new(verifier(&settings, &roots, metrics)?),
        };
        let federation = match same(|a, b| a.outbound == b.outbound) {
            Some(p) => p.federation.clone(),
            None => crate::console::Federation::new(&roots)
                .map_err(|e| StartupError::Http(e.to_string()))?,
        };
        let sts = match same(|a, b| a.sts == b.sts && a.outbound == b.outbound) {
            Some(p) => p.sts.clone(),
            None => StsClient::new(&settings.sts, &roots)
                .map_err(|e| StartupError::Http(e.to_string()))?
                .with_observer(Arc::clone(metrics) as Arc<dyn crate::sts::Observer>),
        };
        let rules = match same(|a, b| a.rules == b.rules) {
            Some(p) => Arc::clone(&p.rules),
            None => Arc::new(
                RulesEngine::new(
                    settings.rules.sources.clone(),
                    settings.rules.settings.clone(),
                )
                .map_err(|e| StartupError::Rules(e.to_string()))?,
            ),
        };
        let state = match same(|a, b| a.state == b.state) {
            Some(p) => p.state.clone(),
            None => match &settings.state {
                Some(s) => Some(Arc::new(SharedState::new(s.clone())?.with_observer(
                    Arc::clone(metrics) as Arc<dyn crate::state::StateObserver>,
                ))),
                None => None,
            },
        };
        let oidc = match same(|a, b| a.oidc_issuer == b.oidc_issuer) {
            Some(p) => p.oidc.clone(),
            None => match (
                &settings.oidc_issuer,
                previous.and_then(|p| p.oidc.as_deref()),
            ) {
                (Some(s), Some(before)) => Some(Arc::new(crate::issuer::OidcIssuer::after_reload(
                    s,
                    before,
                    clock.now(),
                    longest_own_token(previous.map(|p| &p.settings)),
                )?)),
                (Some(s), None) => Some(Arc::new(crate::issuer::OidcIssuer::new(s)?)),
                (None, _) => None,
            },
        };
        let limiter = match same(|a, b| a.limits == b.limits && a.state == b.state) {
            Some(p) => p.limiter.clone(),
            None => UserLimit::new(&settings.limits, state.as_ref()).map(Arc::new),
        };
        let cache = match same(|a, b| a.cache == b.cache && a.sts == b.sts && a.state == b.state) {
            Some(p) => p.cache.clone(),
            None => settings.cache.clone().map(|c| {
                let cache = CredentialCache::new(c)
                    .with_observer(Arc::clone(metrics) as Arc<dyn crate::cache::CacheObserver>);
                Arc::new(match &state {
                    Some(store) => cache.with_store(Arc::clone(store)),
                    None => cache,
                })
            }),
        };
        let in_flight = match same(|a, b| a.server.max_in_flight == b.server.max_in_flight) {
            Some(p) => Arc::clone(&p.in_flight),
            None => Arc::new(Semaphore::new(settings.server.max_in_flight)),
        };
        let audit = match same(|a, b| a.audit == b.audit) {
            Some(p) => p.audit.clone(),
            None => match &settings.audit {
                Some(target) => Some(AuditSink::open(target.clone(), Arc::clone(metrics))?),
                None => None,
            },
        };
        let tls = match &settings.server.tls {
            Some(t) => Some(crate::tls::server_config(t)?),
            None => None,
        };
        Ok(Arc::new(Self {
            federation,
            tls,
            limiter,
            state,
            oidc,
            cache,
            in_flight,
            audit,
            settings,
            signer,
            verifier,
            sts,
            rules,
            clock,
        }))
    }
}

impl App {
    /// What credential backends sign and send with.
    pub fn services(&self) -> crate::backend::Services<'_> {
        crate::backend::Services {
            sts: &self.sts,
            signer: &self.signer,
            saml_issuer: &self.settings.saml.issuer,
            assertion_lifetime: self.settings.saml.lifetime,
            oidc: self.oidc.as_deref(),
        }
    }
}

/// The longest lifetime of a token the own issuer may have signed under `settings`: the
/// longest `[clients.app]` lifetime, or a web identity token's.
fn longest_own_token(settings: Option<&Settings>) -> std::time::Duration {
    let seconds = crate::issuer::WEB_IDENTITY_TOKEN_SECONDS.unsigned_abs();
    let web_identity = std::time::Duration::from_secs(seconds);
    let apps = settings
        .into_iter()
        .flat_map(|s| s.clients.values())
        .filter_map(|c| c.app.as_ref())
        .map(|app| std::time::Duration::from_secs(app.lifetime_in_seconds.into()));
    apps.fold(web_identity, std::time::Duration::max)
}

fn verifier(
    settings: &Settings,
    roots: &crate::roots::Roots,
    metrics: &Arc<Metrics>,
) -> Result<TokenVerifier, StartupError> {
    // Redirects are refused: one could lead the JWKS fetch from https to http or to an
    // internal host, past the checks made on the configured jwks_uri.
    let http = reqwest::Client::builder()
        .tls_certs_only(roots.to_reqwest())
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(std::time::Duration::from_secs(5))
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| StartupError::Http(e.to_string()))?;
    let v = &settings.verifier;
    Ok(
        TokenVerifier::new(v.issuers.clone(), http, v.max_token_bytes)
            .with_token_endpoints(v.token_endpoints.clone())
            .with_observer(Arc::clone(metrics) as Arc<dyn crate::token::JwksObserver>),
    )
}

#[cfg(test)]
#[path = "app_tests.rs"]
mod tests;
