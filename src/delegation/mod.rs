//! One delegation, from checked parameters to STS credentials (DESIGN §1).

mod aws;
mod choice;
mod context;
mod explain;
mod request;
mod session;

use std::sync::Arc;

use serde_json::{Map, Value};

pub use aws::{AwsPrefill, ResolvedAws};
pub use choice::{Choice, Chooser};
pub use explain::explain;
pub use request::{DelegationRequest, Params, RequestInfo};
pub use session::Session;

use crate::app::App;
use crate::cache::{FetchError, KeyParts};
use crate::config::Client;
use crate::domain::Subject;
use crate::error::ApiError;
use crate::ops::DelegationEvent;
use crate::saml::{self, ResponseParams, SamlAttribute};
use crate::sts::{AssumeRoleWithSaml, StsResult};
use crate::token::Expected;

/// The calling client and the target whose AWS settings apply.
#[derive(Debug, Clone, Copy)]
pub struct Parties<'a> {
    pub caller: &'a Client,
    pub target: &'a Client,
}

/// The user as the verified id_token describes them.
#[derive(Debug)]
pub struct VerifiedUser {
    pub subject: Subject,
    pub claims: Map<String, Value>,
}

/// Everything decided before signing: the AWS settings, the user after rules, and the
/// SAML attributes.
#[derive(Debug)]
pub struct Prepared {
    pub user_id: String,
    pub aws: ResolvedAws,
    pub user: Map<String, Value>,
    pub attributes: Vec<SamlAttribute>,
    /// What each rule changed, when traced.
    pub rule_changes: Vec<crate::rules::RuleChange>,
}

/// Runs the whole flow for an already-parsed request.
///
/// Only the calling client is looked up before the id_token is verified: until then every
/// refusal that depends on configuration (the target, its callers, its AWS settings, the
/// role allowlist, the browser origin) would tell an unauthenticated caller something
/// about it.
pub async fn delegate(
    app: &Arc<App>,
    req: &DelegationRequest,
    event: &mut DelegationEvent,
    deadline: tokio::time::Instant,
) -> Result<StsResult, ApiError> {
    let clients = &app.settings.clients;
    let caller = req.caller(clients)?;
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
    event.issuer = Some(caller.issuer.clone());
    let subject =
        Subject::from_claims(&claims).map_err(|e| ApiError::InvalidGrant(e.to_string()))?;
    event.subject = Some(subject.to_string());
    if let Some(limiter) = &app.limiter {
        limiter
            .check(&format!("{}\n{subject}", caller.issuer))
            .await?;
    }

    let target = req.target(caller, clients)?;
    req.check_origin(caller, &app.settings.server)?;
    let prefill = AwsPrefill::new(req.aws_defaults(target)?, req, &claims).inspect_err(|e| {
        if matches!(e, ApiError::Unauthorized(_)) {
            event.decided_by = Some("role_rules".to_owned());
        }
    })?;
    let parties = Parties { caller, target };
    let verified = VerifiedUser { subject, claims };
    let prepared = prepare(app, req, parties, prefill, verified, false, event).await?;
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
            FetchError::Other(ApiError::Internal(format!(
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
    let Some(cache) = &app.cache else {
        return fetch().await.map_err(|e| match e {
            FetchError::Sts(e) => e.into(),
            FetchError::Other(e) => e,
        });
    };
    let key = KeyParts {
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
    };
    let (result, lookup) = cache.get_or_fetch(key.digest(), now, fetch).await;
    event.cache = Some(lookup.as_str());
    result
}

/// From verified claims to the final AWS settings and SAML attributes: builds `user` and
/// `context`, runs the rules, and applies what they set. Shared with `try-rule`.
pub async fn prepare(
    app: &App,
    req: &DelegationRequest,
    parties: Parties<'_>,
    prefill: AwsPrefill<'_>,
    verified: VerifiedUser,
    trace: bool,
    event: &mut DelegationEvent,
) -> Result<Prepared, ApiError> {
    let user_id = verified.subject.to_string();
    let user = context::user_from_claims(verified.claims, &user_id);
    let rule_context = context::rule_context(req, parties, &prefill);
    let ran = context::run_rules(&app.rules, user, rule_context, trace, event).await?;
    let (mut user, rule_context) = (ran.user, ran.context);

    let chooser = prefill.choice.by;
    let aws = prefill.resolve(context::aws_from_context(&rule_context), &req.target, &user)?;
    event.role = Some(aws.role.to_string());
    event.principal = Some(aws.principal.to_string());
    event.region = Some(aws.region.to_string());
    event.decided_by = Some(match ran.decided_by {
        Some(rule) => format!("rule:{rule}"),
        None => chooser.describe(),
    });
    aws.fill_user_defaults(&mut user);
    event.session_name = user
        .get("rolesessionname")
        .and_then(Value::as_str)
        .map(saml::session_name);
    let mut attributes = saml::compute_attributes(&user, &aws.mappings).map_err(|e| {
        if e.is_user_data() {
            ApiError::InvalidRequest(format!("the user's claims cannot be sent to AWS: {e}"))
        } else {
            ApiError::Internal(format!("SAML attributes: {e}"))
        }
    })?;
    let session = &aws.session;
    attributes.extend(saml::session_attributes(
        &session.tags,
        &session.transitive_tag_keys,
        session.source_identity.as_deref(),
    ));
    saml::check_attribute_set(&attributes)
        .map_err(|e| ApiError::Internal(format!("SAML attributes: {e}")))?;
    Ok(Prepared {
        user_id,
        aws,
        user,
        attributes,
        rule_changes: ran.changes,
    })
}
