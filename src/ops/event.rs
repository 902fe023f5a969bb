//! One finished delegation, as the flow saw it: what the request log line, the metrics and
//! the audit record are made from. It never holds a token, an assertion, a secret or a
//! credential; the credentials' expiry and STS's request ID are as far as it goes.

use std::time::Duration;

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// What the rules did for one delegation.
#[derive(Debug, Clone, Default)]
pub struct RulesReport {
    /// Time from handing the request to the engine to its answer.
    pub duration: Duration,
    /// The rule file that refused or failed, and how: `unauthorized`, `timeout`,
    /// `memory`, `error`, or `busy` (no worker free; the rule is then `-`).
    pub failure: Option<(String, &'static str)>,
}

/// A delegation's facts, filled in as the flow advances.
#[derive(Debug, Clone, Default)]
pub struct DelegationEvent {
    pub request_id: String,
    pub remote_addr: String,
    /// The `client_id` sent (shortened), and whether it is a configured client.
    pub client: Option<String>,
    pub client_known: bool,
    pub target: Option<String>,
    /// `aws`, `app` or `aws_console`, once the parameters are read.
    pub api_type: &'static str,
    /// The token issuer, once the token is verified.
    pub issuer: Option<String>,
    pub subject: Option<String>,
    pub role: Option<String>,
    pub principal: Option<String>,
    pub region: Option<String>,
    pub session_name: Option<String>,
    /// What chose the role: `configuration`, `request` (an allowlisted pair the request
    /// named), or `rule:<file>`; for a refusal, the refusing rule.
    pub decided_by: Option<String>,
    pub rules: Option<RulesReport>,
    pub sts_request_id: Option<String>,
    /// How the credential cache answered (`hit`, `shared`, `refused`, `miss`), when on.
    pub cache: Option<&'static str>,
    /// When the issued credentials expire, as STS said.
    pub expiration: Option<String>,
    pub status: u16,
    /// `ok`, or the OAuth error code of the answer.
    pub outcome: &'static str,
    pub latency: Duration,
    /// Set for records of other endpoints than `/delegation` (`explain`).
    pub endpoint: &'static str,
}

impl DelegationEvent {
    /// The client label of the metrics: a configured client ID, or `unknown`.
    pub fn metric_client(&self) -> &str {
        match (&self.client, self.client_known) {
            (Some(client), true) => client,
            _ => "unknown",
        }
    }

    /// The audit record: one JSON object, written as one line.
    pub fn audit_record(&self, at: OffsetDateTime) -> String {
        let time = at.format(&Rfc3339).unwrap_or_default();
        let record = json!({
            "time": time,
            "request_id": self.request_id,
            "remote_addr": self.remote_addr,
            "client": self.client,
            "target": self.target,
            "api_type": (!self.api_type.is_empty()).then_some(self.api_type),
            "issuer": self.issuer,
            "sub": self.subject,
            "role": self.role,
            "principal": self.principal,
            "region": self.region,
            "session_name": self.session_name,
            "decided_by": self.decided_by,
            "outcome": self.outcome,
            "status": self.status,
            "sts_request_id": self.sts_request_id,
            "cache": self.cache,
            "expiration": self.expiration,
            "latency_ms": u64::try_from(self.latency.as_millis()).unwrap_or(u64::MAX),
        });
        match record {
            Value::Object(mut fields) => {
                if !self.endpoint.is_empty() {
                    fields.insert("endpoint".into(), Value::from(self.endpoint));
                }
                Value::Object(fields).to_string()
            }
            _ => String::new(),
        }
    }
}
