//! The Prometheus metrics: one registry for the process, updated from delegation events and
//! from the observers the token verifier and the STS client report to. Every label value
//! is bounded: configured client IDs, issuers and rule files, or a fixed set of words;
//! never a `sub` or free text.

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::metrics::info::Info;
use prometheus_client::registry::Registry;

use super::DelegationEvent;

mod observers;

/// The content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ClientOutcome {
    client: String,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ResultLabel {
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct IssuerResult {
    issuer: String,
    result: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleKind {
    rule: String,
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct KindLabel {
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OperationLabel {
    operation: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CertLabel {
    cert: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct VersionLabel {
    version: &'static str,
}

/// Every metric the server exports.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    delegations: Family<ClientOutcome, Counter>,
    delegation_seconds: Histogram,
    sts_requests: Family<ResultLabel, Counter>,
    sts_seconds: Histogram,
    sts_retries: Counter,
    jwks_fetches: Family<IssuerResult, Counter>,
    rules_seconds: Histogram,
    rules_failures: Family<RuleKind, Counter>,
    rate_limited: Counter,
    config_reloads: Family<ResultLabel, Counter>,
    explains: Family<ResultLabel, Counter>,
    cert_not_after: Family<CertLabel, Gauge>,
    audit_failures: Counter,
    cache_hits: Family<KindLabel, Counter>,
    cache_misses: Counter,
    cache_evictions: Counter,
    state_errors: Family<OperationLabel, Counter>,
    state_up: Gauge,
}

/// Latency buckets from 1 ms to about 16 s.
fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.001, 2.0, 15))
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let delegations = Family::<ClientOutcome, Counter>::default();
        registry.register(
            "delegation_requests",
            "Finished /delegation requests, by client and outcome (ok or the OAuth error code)",
            delegations.clone(),
        );
        let delegation_seconds = latency();
        registry.register(
            "delegation_request_duration_seconds",
            "Time from a /delegation request's arrival to its answer",
            delegation_seconds.clone(),
        );
        let sts_requests = Family::<ResultLabel, Counter>::default();
        registry.register(
            "sts_requests",
            "Calls to STS, each attempt counted, by result",
            sts_requests.clone(),
        );
        let sts_seconds = latency();
        registry.register(
            "sts_request_duration_seconds",
            "Time of one STS attempt",
            sts_seconds.clone(),
        );
        let sts_retries = Counter::default();
        registry.register(
            "sts_retries",
            "STS attempts made after a throttled, failed or timed-out one",
            sts_retries.clone(),
        );
        let jwks_fetches = Family::<IssuerResult, Counter>::default();
        registry.register(
            "jwks_fetches",
            "JWKS fetches, by issuer and result",
            jwks_fetches.clone(),
        );
        let rules_seconds = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "rules_duration_seconds",
            "Time the rules took for one delegation",
            rules_seconds.clone(),
        );
        let rules_failures = Family::<RuleKind, Counter>::default();
        registry.register(
            "rules_failures",
            "Rule runs that refused or failed, by rule file and kind",
            rules_failures.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited",
            "Delegations refused by the per-user rate limit",
            rate_limited.clone(),
        );
        let config_reloads = Family::<ResultLabel, Counter>::default();
        registry.register(
            "config_reloads",
            "Configuration reloads, by result",
            config_reloads.clone(),
        );
        let explains = Family::<ResultLabel, Counter>::default();
        registry.register(
            "explain_requests",
            "POST /delegation/explain calls on the management listener, by result (ok, refused: wrong or missing admin token, throttled, error)",
            explains.clone(),
        );
        let cert_not_after = Family::<CertLabel, Gauge>::default();
        registry.register(
            "signing_cert_not_after_seconds",
            "Expiry of the SAML signing certificates (current, next), as a Unix time",
            cert_not_after.clone(),
        );
        let audit_failures = Counter::default();
        registry.register(
            "audit_write_errors",
            "Audit records that could not be written",
            audit_failures.clone(),
        );
        let cache_hits = Family::<KindLabel, Counter>::default();
        registry.register(
            "credential_cache_hits",
            "Delegations answered without an STS call of their own, by kind (hit: from an entry, shared: from a concurrent request's call, refused: a kept STS refusal, stored: from the shared store)",
            cache_hits.clone(),
        );
        let cache_misses = Counter::default();
        registry.register(
            "credential_cache_misses",
            "Delegations that called STS because the credential cache had no usable entry",
            cache_misses.clone(),
        );
        let cache_evictions = Counter::default();
        registry.register(
            "credential_cache_evictions",
            "Credential cache entries pushed out by the max_entries bound",
            cache_evictions.clone(),
        );
        let state_errors = Family::<OperationLabel, Counter>::default();
        registry.register(
            "state_store_errors",
            "Redis operations ([state]) that failed or timed out, by operation",
            state_errors.clone(),
        );
        let state_up = Gauge::default();
        registry.register(
            "state_store_up",
            "1 when the last Redis operation ([state]) got an answer; 0 when it failed or no [state] is set",
            state_up.clone(),
        );
        registry.register(
            "build",
            "The server's version",
            Info::new(VersionLabel {
                version: env!("CARGO_PKG_VERSION"),
            }),
        );
        Self {
            registry,
            delegations,
            delegation_seconds,
            sts_requests,
            sts_seconds,
            sts_retries,
            jwks_fetches,
            rules_seconds,
            rules_failures,
            rate_limited,
            config_reloads,
            explains,
            cert_not_after,
            audit_failures,
            cache_hits,
            cache_misses,
            cache_evictions,
            state_errors,
            state_up,
        }
    }

    /// The registry in the OpenMetrics text format (which Prometheus reads).
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(8 * 1024);
        // Writing into a String cannot fail.
        let _ = encode(&mut out, &self.registry);
        out
    }

    /// Counts one finished delegation.
    pub fn delegation(&self, event: &DelegationEvent) {
        let labels = ClientOutcome {
            client: event.metric_client().to_owned(),
            outcome: event.outcome,
        };
        self.delegations.get_or_create(&labels).inc();
        self.delegation_seconds.observe(event.latency.as_secs_f64());
        if let Some(rules) = &event.rules {
            self.rules_seconds.observe(rules.duration.as_secs_f64());
            if let Some((rule, kind)) = &rules.failure {
                let labels = RuleKind {
                    rule: rule.clone(),
                    kind,
                };
                self.rules_failures.get_or_create(&labels).inc();
            }
        }
        if event.outcome == "too_many_requests" {
            self.rate_limited.inc();
        }
    }

    pub fn config_reload(&self, ok: bool) {
        let result = if ok { "ok" } else { "error" };
        self.config_reloads
            .get_or_create(&ResultLabel { result })
            .inc();
    }

    /// Counts one explain call: `ok`, `refused`, `throttled` or `error`.
    pub fn explain(&self, result: &'static str) {
        self.explains.get_or_create(&ResultLabel { result }).inc();
    }

    /// Sets the expiry of the `current` or `next` signing certificate.
    pub fn signing_cert(&self, cert: &'static str, not_after_unix: Option<i64>) {
        let gauge = self.cert_not_after.get_or_create(&CertLabel { cert });
        gauge.set(not_after_unix.unwrap_or(0));
    }

    pub fn audit_failed(&self) {
        self.audit_failures.inc();
    }
}
