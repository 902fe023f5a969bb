//! `try-rule`: runs the rules for a given user, as `/delegation` would, and prints the
//! resulting AWS settings and SAML attributes, without calling STS — what Auth0's "Try this
//! rule" was for.

use std::path::Path;

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::config::Backend;
use crate::delegation::{
    self, ApiType, AwsPrefill, DelegationRequest, Parties, RequestInfo, VerifiedUser,
};
use crate::domain::Subject;

pub async fn try_rule(
    app: &App,
    user_file: &Path,
    client: Option<&str>,
    target: Option<&str>,
) -> Result<String, String> {
    let text = std::fs::read_to_string(user_file)
        .map_err(|e| format!("cannot read {}: {e}", user_file.display()))?;
    // Read as a token's payload is: a member named twice, at any depth, is refused.
    let claims: Map<String, Value> = crate::domain::json::object_with_unique_keys(text.as_bytes())
        .map_err(|e| {
            format!(
                "{} is not a JSON object with each member named once: {e}",
                user_file.display()
            )
        })?;
    let clients = &app.settings.clients;
    let client_id = match client {
        Some(id) => id.to_owned(),
        None if clients.len() == 1 => clients.keys().next().cloned().unwrap_or_default(),
        None => return Err("several clients are configured: name one with --client".into()),
    };
    let target = target.unwrap_or(&client_id).to_owned();
    let mut body = Map::new();
    body.insert("client_id".into(), json!(client_id));
    body.insert("target".into(), json!(target));
    body.insert("api_type".into(), json!("aws"));
    let req = DelegationRequest {
        client_id,
        api_type: ApiType::Aws,
        target,
        id_token: String::new(),
        role: None,
        principal: None,
        body,
        info: RequestInfo {
            ip: "127.0.0.1".into(),
            user_agent: Some("delegation-server try-rule".into()),
            hostname: None,
            origin: None,
        },
    };
    let fail = |e: delegation::DelegationError| match e {
        delegation::DelegationError::Internal(detail) => detail,
        other => {
            let code = crate::error::ApiError::from(other);
            format!("{code} ({})", code.code())
        }
    };
    let caller = req.caller(clients).map_err(fail)?;
    let target = req.target(caller, clients).map_err(fail)?;
    let subject =
        Subject::from_claims(&claims).map_err(|e| format!("{}: {e}", user_file.display()))?;
    let claims = delegation::user_from_claims(claims, &subject.to_string());
    let prefill =
        AwsPrefill::new(req.aws_defaults(target).map_err(fail)?, &req, &claims).map_err(fail)?;
    let parties = Parties { caller, target };
    let verified = VerifiedUser { subject, claims };
    let mut event = crate::ops::DelegationEvent::default();
    let prepared = delegation::prepare(app, &req, parties, prefill, verified, false, &mut event)
        .await
        .map_err(fail)?;
    let aws = &prepared.aws;
    let attributes: Map<String, Value> = prepared
        .attributes
        .iter()
        .map(|a| (a.name.clone(), json!(a.values)))
        .collect();
    let mappings: Map<String, Value> = aws
        .mappings
        .iter()
        .map(|(k, v)| (k.clone(), json!(v)))
        .collect();
    let (output, shown) = match aws.backend {
        Backend::Saml => (
            "saml",
            json!({ "name_id": prepared.user_id, "attributes": attributes }),
        ),
        Backend::WebIdentity => (
            "web_identity",
            json!({ "sub": prepared.user_id, "claims": prepared.token_claims }),
        ),
    };
    let report = json!({
        "rules": app.rules.rule_names(),
        "aws": {
            "backend": aws.backend.as_str(),
            "role": aws.role.as_str(),
            "principal": aws.principal.as_str(),
            "region": aws.region.as_str(),
            "lifetime_in_seconds": aws.lifetime_in_seconds,
            "mappings": mappings,
        },
        output: shown,
        "user": prepared.user,
    });
    serde_json::to_string_pretty(&report).map_err(|e| e.to_string())
}
