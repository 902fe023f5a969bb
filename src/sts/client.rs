//! The pooled HTTP client and the bounded retry loop around one STS call.

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use super::classify::{Outcome, classify};
use super::retry;
use super::retry::is_throttling;
use super::transport::{Target, Transport, TransportError};
use super::wire::{form_body, web_identity_form_body};
use super::{
    AssumeRoleWithSaml, AssumeRoleWithWebIdentity, MAX_REPLY_BYTES, Observer, StsBuildError,
    StsError, StsResult, StsSettings,
};
use crate::domain::{Partition, Region};
use crate::roots::Roots;

/// An attempt needs at least this long to be worth starting; with less time left the call
/// gives up instead.
const MIN_ATTEMPT: Duration = Duration::from_millis(50);

/// Calls STS. Cheap to clone: clones share one connection pool.
#[derive(Debug, Clone)]
pub struct StsClient {
    pub(super) http: Arc<Transport>,
    observer: Option<Arc<dyn Observer>>,
    /// The configured override, and where it sends requests (worked out once).
    endpoint: Option<(Url, Target)>,
    timeout: Duration,
    retries: u32,
    /// Only used if a regional URL cannot be formed, which a parsed [`Region`] prevents.
    global: Url,
}

impl StsClient {
    /// Builds the client, trusting `roots` for HTTPS to STS (see [`crate::roots`];
    /// [`Roots::bundled`] needs no system store). The connection pool lives as long as the
    /// client and its clones.
    pub fn new(settings: &StsSettings, roots: &Roots) -> Result<Self, StsBuildError> {
        let endpoint = match &settings.endpoint {
            Some(url) => {
                let target = Target::of(url).map_err(StsBuildError::Endpoint)?;
                Some((url.clone(), target))
            }
            None => None,
        };
        let global_text = "https://sts.amazonaws.com/";
        let global =
            Url::parse(global_text).map_err(|_| StsBuildError::Endpoint(global_text.into()))?;
        let http = Transport::new(roots, settings.connect_timeout).map_err(StsBuildError::Tls)?;
        Ok(Self {
            http: Arc::new(http),
            observer: None,
            endpoint,
            timeout: settings.timeout,
            retries: settings.retries,
            global,
        })
    }

    /// Whether `other` shares this client's connection pool, as its clones do.
    #[cfg(test)]
    pub(crate) fn shares_pool_with(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.http, &other.http)
    }

    /// Reports every attempt to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn Observer>) -> Self {
        self.observer = Some(observer);
        self
    }

    /// The STS endpoint for `region`: `https://sts.<region>.amazonaws.com/` in the `aws` and
    /// `aws-us-gov` partitions, `https://sts.<region>.amazonaws.com.cn/` in `aws-cn`; or the
    /// configured override for every region.
    pub fn endpoint_for(&self, region: &Region) -> Url {
        if let Some((url, _)) = &self.endpoint {
            return url.clone();
        }
        let suffix = match region.partition() {
            Partition::Aws | Partition::AwsUsGov => "amazonaws.com",
            Partition::AwsCn => "amazonaws.com.cn",
        };
        Url::parse(&format!("https://sts.{region}.{suffix}/")).unwrap_or_else(|_| {
            tracing::error!(%region, "could not form the regional STS URL; using the global one");
            self.global.clone()
        })
    }

    /// Exchanges a signed SAML Response for temporary credentials, retrying throttling, 5xx
    /// and transport failures with jittered backoff while time remains before `deadline`.
    ///
    /// Neither the assertion nor the credentials are logged.
    #[tracing::instrument(
        name = "sts.assume_role_with_saml",
        skip_all,
        fields(region = %req.region, role = %req.role)
    )]
    pub async fn assume_role_with_saml(
        &self,
        req: &AssumeRoleWithSaml<'_>,
        deadline: Instant,
    ) -> Result<StsResult, StsError> {
        self.call(self.target_for(req.region)?, form_body(req), deadline)
            .await
    }

    /// Exchanges a token from the server's own issuer for temporary credentials, with the
    /// same retries and bounds as [`Self::assume_role_with_saml`].
    ///
    /// Neither the token nor the credentials are logged.
    #[tracing::instrument(
        name = "sts.assume_role_with_web_identity",
        skip_all,
        fields(region = %req.region, role = %req.role)
    )]
    pub async fn assume_role_with_web_identity(
        &self,
        req: &AssumeRoleWithWebIdentity<'_>,
        deadline: Instant,
    ) -> Result<StsResult, StsError> {
        let body = web_identity_form_body(req);
        self.call(self.target_for(req.region)?, body, deadline)
            .await
    }

    /// Where requests for `region` go: the override's target made at start, or the
    /// regional endpoint's.
    fn target_for(&self, region: &Region) -> Result<Cow<'_, Target>, StsError> {
        if let Some((_, target)) = &self.endpoint {
            return Ok(Cow::Borrowed(target));
        }
        Target::of(&self.endpoint_for(region))
            .map(Cow::Owned)
            .map_err(|reason| StsError::Unavailable {
                reason,
                retry_after: None,
            })
    }

    /// Sends `body`, retrying throttling, 5xx and transport failures while time remains.
    async fn call(
        &self,
        target: Cow<'_, Target>,
        body: bytes::Bytes,
        deadline: Instant,
    ) -> Result<StsResult, StsError> {
        let attempts = self.retries.saturating_add(1);
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let now = Instant::now();
            if deadline.saturating_duration_since(now) < MIN_ATTEMPT {
                return Err(StsError::Unavailable {
                    reason: "the request deadline left no time to call STS".into(),
                    retry_after: None,
                });
            }
            let until = (now + self.timeout).min(deadline);
            let outcome = self.attempt(&target, &body, until).await;
            if let Some(observer) = &self.observer {
                observer.attempt(label(&outcome), now.elapsed(), attempt > 1);
            }
            let (code, reason, retry_after) = match outcome {
                Outcome::Done(result) => {
                    if let Ok(ok) = &result {
                        tracing::debug!(
                            attempt,
                            request_id = ok.request_id(),
                            assumed_role = ok.assumed_role_arn(),
                            "STS issued credentials"
                        );
                    }
                    return result.map(|ok| *ok);
                }
                Outcome::Transient {
                    code,
                    reason,
                    retry_after,
                } => (code, reason, retry_after),
            };
            let give_up = |why: &str| {
                tracing::warn!(attempt, %code, %reason, "STS call failed; {why}");
                StsError::Unavailable {
                    reason: format!("{reason}; {why} after {attempt} attempt(s)"),
                    retry_after,
                }
            };
            if attempt >= attempts {
                return Err(give_up("no retries left"));
            }
            let delay = retry_after.unwrap_or_else(|| retry::backoff(attempt - 1, retry::draw()));
            let remaining = deadline.saturating_duration_since(Instant::now());
            if delay.saturating_add(MIN_ATTEMPT) > remaining {
                return Err(give_up("the deadline leaves no time to retry"));
            }
            tracing::warn!(
                attempt,
                %code,
                delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                "STS call failed; retrying"
            );
            tokio::time::sleep(delay).await;
        }
    }

    /// One POST, bounded by `until` from sending to the last byte of the reply.
    async fn attempt(&self, target: &Target, body: &bytes::Bytes, until: Instant) -> Outcome {
        let budget = until.saturating_duration_since(Instant::now());
        let call = self.http.post_form(target, body.clone(), MAX_REPLY_BYTES);
        match tokio::time::timeout_at(until, call).await {
            Err(_) => Outcome::transient(
                "timeout",
                format!(
                    "STS sent no complete reply within {} ms",
                    budget.as_millis()
                ),
            ),
            Ok(Err(TransportError::Connect(e))) => Outcome::transient("connect", e.to_string()),
            Ok(Err(TransportError::Failed(reason))) => Outcome::transient("transport", reason),
            Ok(Ok(reply)) => classify(
                reply.status,
                retry::retry_after(&reply.headers),
                reply.body.as_deref(),
            ),
        }
    }
}

/// The metric label of one attempt's outcome: a fixed word, never text from the reply.
fn label(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Done(Ok(_)) => "ok",
        Outcome::Done(Err(StsError::Denied { .. })) => "denied",
        Outcome::Done(Err(StsError::Rejected { .. })) => "rejected",
        Outcome::Done(Err(StsError::Malformed { .. })) => "malformed",
        Outcome::Done(Err(StsError::Unavailable { .. })) => "unavailable",
        Outcome::Transient { code, .. } => match code.as_str() {
            "timeout" => "timeout",
            "connect" | "transport" => "network",
            "HTTP 429" => "throttled",
            other if is_throttling(other) => "throttled",
            _ => "unavailable",
        },
    }
}

#[cfg(test)]
#[path = "client_tests.rs"]
mod tests;
