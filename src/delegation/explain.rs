//! Explaining a delegation: the flow runs up to the backend's prepared call with a detailed
//! [`Trace`], and the report shows what each stage recorded (each token check, each role
//! rule, what each JavaScript rule changed, the final settings and what the backend would
//! send), without signing anything or calling STS. For administrators only; it never
//! repeats the id_token.

use serde_json::{Map, Value, json};

use super::trace::Trace;
use super::{ApiType, DelegationError, DelegationRequest, Prepared, dry_run};
use crate::app::App;

/// The report, step by step, and how the delegation would end. How an error reads as
/// HTTP (`error`, `status`) is added at the edge, by `crate::error::explanation`.
pub async fn explain(
    app: &App,
    req: &DelegationRequest,
) -> (Map<String, Value>, Result<(), DelegationError>) {
    let mut trace = Trace::detailed();
    let result = dry_run(app, req, &mut trace).await;
    let mut report = report(req, &trace, result.as_ref().ok());
    let console = app
        .settings
        .clients
        .get(&req.target)
        .and_then(|t| t.console.as_ref())
        .filter(|_| req.api_type == ApiType::AwsConsole);
    if let (Some(console), Ok(prepared), Some(Value::Object(result))) =
        (console, &result, report.get_mut("result"))
    {
        let partition = prepared.call.aws().role.partition();
        let session = console.session_for(trace.clamp.map(|(_, left)| left));
        result.insert(
            "console".into(),
            json!({
                "destination": console.destination.as_ref().map_or(
                    crate::console::default_destination(partition).to_owned(),
                    |d| d.to_string(),
                ),
                "issuer": console.issuer.as_str(),
                "session_duration_seconds": session,
            }),
        );
    }
    (report, result.map(|_| ()))
}

fn report(
    req: &DelegationRequest,
    trace: &Trace,
    prepared: Option<&Prepared>,
) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("client".into(), json!(req.client_id));
    out.insert("target".into(), json!(req.target));
    if let Some(token) = &trace.token {
        out.insert(
            "token".into(),
            json!({
                "issuer": token.issuer,
                "alg": token.alg,
                "kid": token.kid,
                "checks": token.checks(),
            }),
        );
    }
    if let Some(role_rules) = &trace.role_rules {
        out.insert("role_rules".into(), Value::Array(role_rules.clone()));
    }
    if let Some(choice) = &trace.choice {
        out.insert(
            "starting_role".into(),
            json!({
                "role": choice.role.as_ref().map(|r| r.as_str()),
                "principal": choice.principal.as_ref().map(|p| p.as_str()),
                "chosen_by": choice.by.describe(),
            }),
        );
    }
    if let Some(rules) = &trace.rules {
        out.insert(
            "rules_ms".into(),
            json!(rules.duration.as_secs_f64() * 1000.0),
        );
    }
    let Some(prepared) = prepared else {
        return out;
    };
    let changes: Vec<Value> = trace
        .rule_changes
        .iter()
        .map(|c| json!({"rule": c.rule, "changed_user": c.user, "changed_aws": c.aws}))
        .collect();
    out.insert("rules".into(), Value::Array(changes));
    let aws = prepared.call.aws();
    let (output, shown) = prepared.call.explain();
    let session = &aws.session;
    out.insert(
        "result".into(),
        json!({
            "backend": aws.backend.name(),
            "decided_by": trace.decided_by,
            "role": aws.role.as_str(),
            "principal": aws.principal.as_str(),
            "region": aws.region.as_str(),
            "lifetime_in_seconds": aws.lifetime_in_seconds,
            "lifetime_clamped": trace.clamp.map(|(configured, left)| json!({
                "configured": configured,
                "id_token_seconds_left": left,
            })),
            "session_name": trace.session_name,
            "tags": session.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<Map<_, _>>(),
            "transitive_tag_keys": session.transitive_tag_keys,
            "source_identity": session.source_identity,
            "policy": session.policy.as_deref().and_then(|p| serde_json::from_str::<Value>(p).ok()),
            "policy_arns": session.policy_arns,
            "name_id": prepared.user_id,
            output: shown,
        }),
    );
    out
}
