//! One delegation, from checked parameters to STS credentials (DESIGN §1).

mod aws;
mod request;

use std::sync::Arc;

use serde_json::Value;

pub use aws::ResolvedAws;
pub use request::{DelegationRequest, RequestInfo, truncate};

use crate::app::App;
use crate::error::ApiError;
use crate::saml::{self, ResponseParams};
use crate::sts::{AssumeRoleWithSaml, StsResult};
use crate::token::Expected;

/// What the request log line reports about a delegation, filled in as the flow advances.
#[derive(Debug, Default)]
pub struct Outcome {
    pub subject: Option<String>,
    pub role: Option<String>,
}

/// Runs the whole flow for an already-parsed request.
pub async fn delegate(
    app: &Arc<App>,
    req: &DelegationRequest,
    outcome: &mut Outcome,
    deadline: tokio::time::Instant,
) -> Result<StsResult, ApiError> {
    let (caller, target) = req.resolve_clients(&app.settings.clients)?;
    let defaults = req.aws_defaults(target)?;

    let secret = caller.secret.as_ref().map(|s| s.expose());
    let expected = Expected {
        issuer: &caller.issuer,
        client_id: &caller.client_id,
        client_secret: secret,
    };
    let now = app.clock.now();
    let claims = app
        .verifier
        .verify(&req.id_token, &expected, now.unix_timestamp())
        .await?;

    let mut user = claims;
    let user_id = match user.get("sub") {
        Some(Value::String(sub)) => sub.clone(),
        _ => return Err(ApiError::InvalidGrant("id_token has no `sub` claim".into())),
    };
    // `sub` is the NameID, `${saml:sub}` in IAM policies. Replacing characters XML cannot
    // carry would let two distinct subjects share one identity, so such a token is refused.
    if !saml::is_xml_text(&user_id) {
        return Err(ApiError::InvalidGrant(
            "id_token `sub` holds control characters that SAML cannot carry".into(),
        ));
    }
    user.insert("user_id".into(), Value::String(user_id.clone()));
    outcome.subject = Some(user_id.clone());

    let aws = ResolvedAws::resolve(defaults, req)?;
    outcome.role = Some(aws.role.to_string());
    aws.fill_user_defaults(&mut user);

    let attributes = saml::compute_attributes(&user, &aws.mappings)
        .map_err(|e| ApiError::Internal(format!("SAML attributes: {e}")))?;
    let partition = aws.role.partition();
    let issuer = aws
        .saml_issuer
        .as_deref()
        .unwrap_or(&app.settings.saml.issuer);
    let params = ResponseParams {
        issuer,
        subject: &user_id,
        recipient: partition.saml_recipient(),
        audience: aws.audience.as_deref().unwrap_or(partition.saml_audience()),
        attributes: &attributes,
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
