//! One delegation, from checked parameters to STS credentials (DESIGN §1).

mod aws;
mod context;
mod limit;
mod request;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use aws::{AwsPrefill, ResolvedAws};
pub use limit::RateLimiter;
pub use request::{DelegationRequest, RequestInfo, truncate};

use crate::app::App;
use crate::config::Client;
use crate::error::ApiError;
use crate::saml::{self, ResponseParams, SamlAttribute};
use crate::sts::{AssumeRoleWithSaml, StsResult};
use crate::token::Expected;

/// What the request log line reports about a delegation, filled in as the flow advances.
#[derive(Debug, Default)]
pub struct Outcome {
    pub subject: Option<String>,
    pub role: Option<String>,
}

/// Everything decided before signing: the AWS settings, the user after rules, and the
/// SAML attributes.
#[derive(Debug)]
pub struct Prepared {
    pub user_id: String,
    pub aws: ResolvedAws,
    pub user: Map<String, Value>,
    pub attributes: Vec<SamlAttribute>,
}

/// Runs the whole flow for an already-parsed request.
pub async fn delegate(
    app: &Arc<App>,
    req: &DelegationRequest,
    outcome: &mut Outcome,
    deadline: tokio::time::Instant,
) -> Result<StsResult, ApiError> {
    let (caller, target) = req.resolve_clients(&app.settings.clients)?;
    let prefill = AwsPrefill::new(req.aws_defaults(target)?, req)?;

    let expected = Expected {
        issuer: &caller.issuer,
        client_id: &caller.client_id,
        client_secret: caller.secret.as_ref().map(|s| s.expose().as_slice()),
    };
    let now = app.clock.now();
    let claims = app
        .verifier
        .verify(&req.id_token, &expected, now.unix_timestamp())
        .await?;
    if let (Some(limiter), Some(Value::String(sub))) = (&app.limiter, claims.get("sub")) {
        let user = format!("{}\n{sub}", caller.issuer);
        limiter
            .check(&user, std::time::Instant::now())
            .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    }

    let prepared = prepare(app, req, caller, prefill, claims, outcome).await?;
    let partition = prepared.aws.role.partition();
    let aws = &prepared.aws;
    let params = ResponseParams {
        issuer: aws
            .saml_issuer
            .as_deref()
            .unwrap_or(&app.settings.saml.issuer),
        subject: &prepared.user_id,
        recipient: partition.saml_recipient(),
        audience: aws.audience.as_deref().unwrap_or(partition.saml_audience()),
        attributes: &prepared.attributes,
        issued_at: now,
        lifetime: app.settings.saml.lifetime,
    };
    let xml = saml::build_signed_response(&params, &app.signer)
        .map_err(|e| ApiError::Internal(format!("building the SAML response: {e}")))?;

    let call = AssumeRoleWithSaml {
        region: &aws.region,
        role: &aws.role,
        principal: &aws.principal,
        saml_response_xml: &xml,
        duration_seconds: aws.lifetime_in_seconds,
    };
    Ok(app.sts.assume_role_with_saml(&call, deadline).await?)
}

/// From verified claims to the final AWS settings and SAML attributes: builds `user` and
/// `context`, runs the rules, and applies what they set. Shared with `try-rule`.
pub async fn prepare(
    app: &App,
    req: &DelegationRequest,
    caller: &Client,
    prefill: AwsPrefill,
    claims: Map<String, Value>,
    outcome: &mut Outcome,
) -> Result<Prepared, ApiError> {
    let user_id = match claims.get("sub") {
        Some(Value::String(sub)) if !sub.is_empty() => sub.clone(),
        _ => return Err(ApiError::InvalidGrant("id_token has no `sub` claim".into())),
    };
    // `sub` is the NameID, `${saml:sub}` in IAM policies. Replacing characters XML cannot
    // carry would let two distinct subjects share one identity, so such a token is refused.
    if !saml::is_xml_text(&user_id) {
        return Err(ApiError::InvalidGrant(
            "id_token `sub` holds control characters that SAML cannot carry".into(),
        ));
    }
    outcome.subject = Some(user_id.clone());

    let user = context::user_from_claims(claims, &user_id);
    let rule_context = context::rule_context(req, caller, &prefill);
    let (mut user, rule_context) = context::run_rules(&app.rules, user, rule_context).await?;

    let aws = prefill.resolve(context::aws_from_context(&rule_context), &req.target)?;
    outcome.role = Some(aws.role.to_string());
    aws.fill_user_defaults(&mut user);
    let attributes = saml::compute_attributes(&user, &aws.mappings)
        .map_err(|e| ApiError::Internal(format!("SAML attributes: {e}")))?;
    Ok(Prepared {
        user_id,
        aws,
        user,
        attributes,
    })
}
