//! Explaining a delegation: the same steps as `/delegation`, recorded one by one (each token
//! check, each role rule, what each JavaScript rule changed, the final settings and the
//! SAML attributes), without signing anything or calling STS. For administrators only;
//! it never repeats the id_token.

use serde_json::{Map, Value, json};

use super::DelegationError;
use super::{AwsPrefill, DelegationRequest, Parties, VerifiedUser};
use crate::app::App;
use crate::config::Backend;
use crate::domain::Subject;
use crate::domain::role_rule::ClaimTest;
use crate::ops::DelegationEvent;
use crate::token::{Expected, TokenError};

/// The token checks in the order they run.
const CHECKS: [&str; 11] = [
    "size",
    "format",
    "algorithm",
    "issuer",
    "signing_key",
    "signature",
    "expiry",
    "not_before",
    "issued_at",
    "audience",
    "subject",
];

/// The report, step by step, and how the delegation would end. How an error reads as
/// HTTP (`error`, `status`) is added at the edge, by `crate::error::explanation`.
pub async fn explain(
    app: &App,
    req: &DelegationRequest,
) -> (Map<String, Value>, Result<(), DelegationError>) {
    let mut out = Map::new();
    out.insert("client".into(), json!(req.client_id));
    out.insert("target".into(), json!(req.target));
    let outcome = steps(app, req, &mut out).await;
    (out, outcome)
}

async fn steps(
    app: &App,
    req: &DelegationRequest,
    out: &mut Map<String, Value>,
) -> Result<(), DelegationError> {
    let clients = &app.settings.clients;
    let caller = req.caller(clients)?;
    let expected = Expected {
        issuer: &caller.issuer,
        client_id: &caller.client_id,
        client_secret: caller.secret.as_ref().map(|s| s.expose().as_slice()),
    };
    let (alg, kid) = crate::token::header_summary(&req.id_token).unwrap_or(("?", None));
    let verified = app
        .verifier
        .verify(&req.id_token, &expected, app.clock.now().unix_timestamp())
        .await;
    let subject = verified.as_ref().ok().map(Subject::from_claims);
    let failed = match (&verified, &subject) {
        (Err(e), _) => Some((failed_check(e), e.to_string())),
        (Ok(_), Some(Err(e))) => Some(("subject", e.to_string())),
        _ => None,
    };
    out.insert(
        "token".into(),
        json!({
            "issuer": caller.issuer,
            "alg": alg,
            "kid": kid,
            "checks": checks(failed.as_ref()),
        }),
    );
    let claims = verified?;
    let subject =
        Subject::from_claims(&claims).map_err(|e| DelegationError::InvalidGrant(e.to_string()))?;
    let claims = super::context::user_from_claims(claims, &subject.to_string());
    let target = req.target(caller, clients)?;
    if req.api_type == super::ApiType::App {
        return Err(DelegationError::InvalidRequest(
            "explain covers api_type aws; api_type app runs the rules and signs an id_token, with no role to choose".into(),
        ));
    }
    let defaults = req.aws_defaults(target)?;
    // Tried in order up to the first match, as the flow tries them; later ones: null.
    let mut found = false;
    let role_rules: Vec<Value> = defaults
        .role_rules
        .iter()
        .enumerate()
        .map(|(i, rule)| {
            let matched = (!found).then(|| rule.matches(&claims));
            found |= matched == Some(true);
            json!({
                "index": i,
                "claim": rule.claim,
                "test": describe(&rule.test),
                "role": rule.role.as_str(),
                "matched": matched,
            })
        })
        .collect();
    out.insert("role_rules".into(), Value::Array(role_rules));
    let prefill = AwsPrefill::new(defaults, req, &claims)?;
    out.insert(
        "starting_role".into(),
        json!({
            "role": prefill.choice.role.as_ref().map(|r| r.as_str()),
            "principal": prefill.choice.principal.as_ref().map(|p| p.as_str()),
            "chosen_by": prefill.choice.by.describe(),
        }),
    );
    let mut event = DelegationEvent::default();
    let parties = Parties { caller, target };
    let verified = VerifiedUser { subject, claims };
    let prepared = super::prepare(app, req, parties, prefill, verified, true, &mut event).await;
    if let Some(rules) = &event.rules {
        out.insert(
            "rules_ms".into(),
            json!(rules.duration.as_secs_f64() * 1000.0),
        );
    }
    let prepared = prepared?;
    let changes: Vec<Value> = prepared
        .rule_changes
        .iter()
        .map(|c| json!({"rule": c.rule, "changed_user": c.user, "changed_aws": c.aws}))
        .collect();
    out.insert("rules".into(), Value::Array(changes));
    let aws = &prepared.aws;
    let (output, shown) = match aws.backend {
        Backend::Saml => {
            let attributes: Map<String, Value> = prepared
                .attributes
                .iter()
                .map(|a| (a.name.clone(), json!(a.values)))
                .collect();
            ("saml_attributes", Value::Object(attributes))
        }
        Backend::WebIdentity => ("token_claims", json!(prepared.token_claims)),
    };
    out.insert(
        "result".into(),
        json!({
            "backend": aws.backend.as_str(),
            "decided_by": event.decided_by,
            "role": aws.role.as_str(),
            "principal": aws.principal.as_str(),
            "region": aws.region.as_str(),
            "lifetime_in_seconds": aws.lifetime_in_seconds,
            "session_name": event.session_name,
            "tags": aws.session.tags.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<Map<_, _>>(),
            "transitive_tag_keys": aws.session.transitive_tag_keys,
            "source_identity": aws.session.source_identity,
            "policy": aws.session.policy.as_deref().and_then(|p| serde_json::from_str::<Value>(p).ok()),
            "policy_arns": aws.session.policy_arns,
            "name_id": prepared.user_id,
            output: shown,
        }),
    );
    Ok(())
}

/// Which of [`CHECKS`] a token error is the failure of.
fn failed_check(error: &TokenError) -> &'static str {
    match error {
        TokenError::TooLarge { .. } => "size",
        TokenError::Malformed(_) => "format",
        TokenError::AlgorithmNotAllowed(_) => "algorithm",
        TokenError::Issuer(_) | TokenError::MissingClaim("iss") => "issuer",
        TokenError::UnknownKey(_) | TokenError::KeysUnavailable { .. } => "signing_key",
        TokenError::Signature => "signature",
        TokenError::Expired | TokenError::MissingClaim("exp") => "expiry",
        TokenError::NotYetValid => "not_before",
        TokenError::IssuedInFuture => "issued_at",
        TokenError::Audience(_) | TokenError::MissingClaim("aud") => "audience",
        TokenError::MissingClaim(_) => "subject",
    }
}

/// Each check `ok`, the failed one with its reason, later ones `not reached`.
fn checks(failed: Option<&(&'static str, String)>) -> Vec<Value> {
    let mut reached = true;
    CHECKS
        .iter()
        .map(|check| {
            if !reached {
                return json!({"check": check, "result": "not reached"});
            }
            match failed {
                Some((name, reason)) if name == check => {
                    reached = false;
                    json!({"check": check, "result": "failed", "reason": reason})
                }
                _ => json!({"check": check, "result": "ok"}),
            }
        })
        .collect()
}

fn describe(test: &ClaimTest) -> String {
    match test {
        ClaimTest::Equals(v) => format!("equals {v:?}"),
        ClaimTest::Contains(v) => format!("contains {v:?}"),
        ClaimTest::Matches(re) => format!("matches {:?}", re.as_str()),
    }
}
