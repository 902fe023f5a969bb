//! Credentials through `AssumeRoleWithSAML`: the signed SAML Response, the STS call, and
//! the cache key of both.

use time::OffsetDateTime;

use super::DelegationError;
use super::{Parties, Prepared, cached};
use crate::app::App;
use crate::cache::{FetchError, KeyParts};
use crate::config::Backend;
use crate::ops::DelegationEvent;
use crate::saml::{self, ResponseParams};
use crate::sts::{AssumeRoleWithSaml, StsResult};

pub(super) async fn issue(
    app: &App,
    parties: Parties<'_>,
    prepared: &Prepared,
    now: OffsetDateTime,
    deadline: tokio::time::Instant,
    event: &mut DelegationEvent,
) -> Result<StsResult, DelegationError> {
    let Parties { caller, target } = parties;
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
    let fetch = || async {
        let xml = saml::build_signed_response(&params, &app.signer).map_err(|e| {
            FetchError::Other(DelegationError::Internal(format!(
                "building the SAML response: {e}"
            )))
        })?;
        let call = AssumeRoleWithSaml {
            region: &aws.region,
            role: &aws.role,
            principal: &aws.principal,
            saml_response_xml: &xml,
            duration_seconds: aws.lifetime_in_seconds,
            policy: aws.session.policy.as_deref(),
            policy_arns: &aws.session.policy_arns,
        };
        Ok(app.sts.assume_role_with_saml(&call, deadline).await?)
    };
    let key = || {
        KeyParts {
            backend: Backend::Saml,
            token_issuer: &caller.issuer,
            caller: &caller.client_id,
            target: &target.client_id,
            saml_issuer: params.issuer,
            subject: params.subject,
            audience: params.audience,
            recipient: params.recipient,
            attributes: params.attributes,
            role: aws.role.as_str(),
            principal: aws.principal.as_str(),
            region: aws.region.as_str(),
            duration_seconds: aws.lifetime_in_seconds,
            policy: aws.session.policy.as_deref(),
            policy_arns: &aws.session.policy_arns,
            session_name: "",
            token_claims: "",
        }
        .digest()
    };
    cached(app, key, now, event, fetch).await
}
