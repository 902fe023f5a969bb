//! The observers the token verifier, the STS client, the credential cache and the shared
//! state store report to.

use std::time::Duration;

use super::{IssuerResult, KindLabel, Metrics, OperationLabel, ResultLabel};

impl crate::sts::Observer for Metrics {
    fn attempt(&self, result: &'static str, duration: Duration, retry: bool) {
        self.sts_requests
            .get_or_create(&ResultLabel { result })
            .inc();
        self.sts_seconds.observe(duration.as_secs_f64());
        if retry {
            self.sts_retries.inc();
        }
    }
}

impl crate::cache::CacheObserver for Metrics {
    fn lookup(&self, lookup: crate::cache::Lookup) {
        match lookup {
            crate::cache::Lookup::Miss => self.cache_misses.inc(),
            kind => self
                .cache_hits
                .get_or_create(&KindLabel {
                    kind: kind.as_str(),
                })
                .inc(),
        };
    }

    fn evicted(&self) {
        self.cache_evictions.inc();
    }
}

impl crate::token::JwksObserver for Metrics {
    fn fetched(&self, issuer: &str, ok: bool) {
        let labels = IssuerResult {
            issuer: issuer.to_owned(),
            result: if ok { "ok" } else { "error" },
        };
        self.jwks_fetches.get_or_create(&labels).inc();
    }
}

impl crate::state::StateObserver for Metrics {
    fn failed(&self, operation: &'static str) {
        self.state_errors
            .get_or_create(&OperationLabel { operation })
            .inc();
    }

    fn available(&self, up: bool) {
        self.state_up.set(i64::from(up));
    }
}
