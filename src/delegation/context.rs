//! The `user` and `context` objects rules see (Auth0's shapes), and running the rules.

use serde_json::{Map, Value, json};

use super::DelegationError;
use super::aws::AwsPrefill;
use super::trace::Trace;
use super::{DelegationRequest, Parties};
use crate::config::Client;
use crate::ops::RulesReport;
use crate::rules::{RuleFailure, RulesEngine, RulesOutput};

/// Claims that only the server (or a rule) may set: a token cannot choose its own role,
/// session name or user id.
const SERVER_SET: [&str; 3] = ["user_id", "awsrole", "rolesessionname"];

/// Parameters kept out of `context.request.body`: rules get the verified claims in `user`,
/// and a token handed to rule code could end up in a log line.
const HIDDEN_PARAMS: [&str; 3] = ["id_token", "refresh_token", "client_secret"];

/// The id_token's claims plus `user_id` (= `sub`).
pub fn user_from_claims(mut claims: Map<String, Value>, user_id: &str) -> Map<String, Value> {
    for key in SERVER_SET {
        claims.remove(key);
    }
    claims.insert("user_id".into(), Value::String(user_id.to_owned()));
    claims
}

/// Auth0's rule `context` for a delegation. `clientID` is the caller, as in Auth0; a rule
/// guarding the application whose AWS settings apply reads `targetClientID`, which is the
/// same unless a caller named another client as `target`. `addonConfiguration.aws` is
/// there for `api_type=aws` only.
pub fn rule_context(
    req: &DelegationRequest,
    parties: Parties<'_>,
    aws: Option<&AwsPrefill>,
) -> Map<String, Value> {
    let Parties { caller, target } = parties;
    let mut body = req.body.clone();
    for key in HIDDEN_PARAMS {
        body.remove(key);
    }
    let context = json!({
        "clientID": caller.client_id,
        "clientName": display_name(caller),
        "targetClientID": target.client_id,
        "targetClientName": display_name(target),
        "protocol": "delegation",
        "request": {
            "body": body,
            "query": {},
            "ip": req.info.ip,
            "userAgent": req.info.user_agent,
            "hostname": req.info.hostname,
        },
        "addonConfiguration": match aws {
            Some(aws) => json!({ "aws": aws.to_json() }),
            None => json!({}),
        },
    });
    match context {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn display_name(client: &Client) -> String {
    client
        .name
        .clone()
        .unwrap_or_else(|| client.client_id.clone())
}

/// Runs the rules, reporting their time, any refusal or failure and (when detailed) what
/// each changed to `trace`; the result is the (user, context) the last rule passed on and
/// the rule that set the role, if one did.
pub async fn run_rules(
    rules: &RulesEngine,
    user: Map<String, Value>,
    context: Map<String, Value>,
    trace: &mut Trace,
) -> Result<RulesOutput, DelegationError> {
    if rules.is_empty() {
        return Ok(RulesOutput {
            user,
            context,
            decided_by: None,
            changes: Vec::new(),
        });
    }
    let started = std::time::Instant::now();
    let result = if trace.detailed {
        rules.run_traced(user, context).await
    } else {
        rules.run(user, context).await
    };
    let failure = result
        .as_ref()
        .err()
        .map(|f| (f.rule().to_owned(), f.kind()));
    trace.rules = Some(RulesReport {
        duration: started.elapsed(),
        failure,
    });
    match result {
        Ok(mut out) => {
            trace.rule_changes = std::mem::take(&mut out.changes);
            Ok(out)
        }
        Err(RuleFailure::Unauthorized { rule, message }) => {
            tracing::info!(rule, "a rule refused the request");
            trace.decided_by = Some(format!("rule:{rule}"));
            Err(DelegationError::Unauthorized(if message.is_empty() {
                "a rule refused the request".into()
            } else {
                message
            }))
        }
        Err(RuleFailure::Failed { rule, reason }) => Err(DelegationError::Internal(format!(
            "rule {rule} failed: {reason}"
        ))),
        Err(RuleFailure::Busy) => Err(DelegationError::Unavailable {
            description: "the server is busy running rules; retry".into(),
            retry_after: std::time::Duration::from_secs(1),
        }),
    }
}

/// `context.addonConfiguration.aws` after the rules, if they left an object there.
pub fn aws_from_context(context: &Map<String, Value>) -> Option<&Value> {
    context.get("addonConfiguration")?.get("aws")
}
