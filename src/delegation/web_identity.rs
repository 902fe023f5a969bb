//! Credentials through `AssumeRoleWithWebIdentity`: a short-lived JWT signed by the
//! server's own issuer (`[oidc_provider]`), redeemed at once with STS. The role's trust policy
//! names the IAM OIDC provider for `[oidc_provider] url` and can require `<host>:aud` and
//! `<host>:sub`; session tags travel in AWS's `https://aws.amazon.com/tags` claim.

use serde_json::{Map, Value};
use time::OffsetDateTime;

use super::DelegationError;
use super::{Parties, Prepared, cached};
use crate::app::App;
use crate::cache::{FetchError, KeyParts};
use crate::config::Backend;
use crate::domain::claims::lookup;
use crate::issuer::{
    MAX_WEB_IDENTITY_TOKEN_CHARS, WEB_IDENTITY_DEFAULT_AUDIENCE, WebIdentityClaims, new_jti,
    reserved_claim_problem,
};
use crate::ops::DelegationEvent;
use crate::saml::{self, Mappings};
use crate::sts::{AssumeRoleWithWebIdentity, StsResult};

/// The claims each mapping names, read from `user` as SAML attributes are (exact name,
/// then a dotted path), kept as the JSON they are; a missing or `null` property sets none.
pub(super) fn mapped_claims(
    user: &Map<String, Value>,
    mappings: &Mappings,
) -> Result<Map<String, Value>, DelegationError> {
    let mut claims = Map::new();
    for (name, property) in mappings {
        if let Some(problem) = reserved_claim_problem(name) {
            return Err(DelegationError::Internal(format!(
                "mapped token claim `{name}` {problem}"
            )));
        }
        match lookup(user, property) {
            None | Some(Value::Null) => {}
            Some(value) => {
                claims.insert(name.clone(), value.clone());
            }
        }
    }
    Ok(claims)
}

pub(super) async fn issue(
    app: &App,
    parties: Parties<'_>,
    prepared: &Prepared,
    now: OffsetDateTime,
    deadline: tokio::time::Instant,
    event: &mut DelegationEvent,
) -> Result<StsResult, DelegationError> {
    let Parties { caller, target } = parties;
    let oidc = app.oidc.as_deref().ok_or_else(|| {
        DelegationError::Internal(
            "the web_identity backend needs [oidc_provider], which is not configured".into(),
        )
    })?;
    let aws = &prepared.aws;
    let audience = aws
        .audience
        .as_deref()
        .unwrap_or(WEB_IDENTITY_DEFAULT_AUDIENCE);
    let session_name = match prepared.user.get("rolesessionname") {
        Some(Value::String(name)) => saml::session_name(name),
        _ => saml::default_session_name(&prepared.user),
    };
    let claims_at = |issued_at: i64, jti: &str| {
        WebIdentityClaims {
            issuer: oidc.url(),
            subject: &prepared.user_id,
            audience,
            issued_at,
            jti,
            mapped: &prepared.token_claims,
            tags: &aws.session.tags,
            transitive_tag_keys: &aws.session.transitive_tag_keys,
            source_identity: aws.session.source_identity.as_deref(),
        }
        .to_json()
    };
    let fetch = || async {
        let jti = new_jti().ok_or_else(|| {
            FetchError::Other(DelegationError::Internal(
                "the system random source failed".into(),
            ))
        })?;
        let claims = claims_at(now.unix_timestamp(), &jti);
        let token = oidc.sign(&claims).map_err(|e| {
            FetchError::Other(DelegationError::Internal(format!(
                "signing the web identity token: {e}"
            )))
        })?;
        if token.len() > MAX_WEB_IDENTITY_TOKEN_CHARS {
            return Err(FetchError::Other(DelegationError::InvalidRequest(format!(
                "the user's claims cannot be sent to AWS: the web identity token would be {} characters, and STS accepts at most {MAX_WEB_IDENTITY_TOKEN_CHARS}",
                token.len()
            ))));
        }
        let call = AssumeRoleWithWebIdentity {
            region: &aws.region,
            role: &aws.role,
            role_session_name: &session_name,
            web_identity_token: &token,
            duration_seconds: aws.lifetime_in_seconds,
            policy: aws.session.policy.as_deref(),
            policy_arns: &aws.session.policy_arns,
        };
        let mut result = app
            .sts
            .assume_role_with_web_identity(&call, deadline)
            .await?;
        result.complete_web_identity(&prepared.user_id, aws.principal.as_str(), audience);
        Ok(result)
    };
    let key = || {
        // Everything the token says except when it was made and its id.
        let content = Value::Object(claims_at(0, "")).to_string();
        KeyParts {
            backend: Backend::WebIdentity,
            token_issuer: &caller.issuer,
            caller: &caller.client_id,
            target: &target.client_id,
            saml_issuer: oidc.url(),
            subject: &prepared.user_id,
            audience,
            recipient: "",
            attributes: &[],
            role: aws.role.as_str(),
            principal: aws.principal.as_str(),
            region: aws.region.as_str(),
            duration_seconds: aws.lifetime_in_seconds,
            policy: aws.session.policy.as_deref(),
            policy_arns: &aws.session.policy_arns,
            session_name: &session_name,
            token_claims: &content,
        }
        .digest()
    };
    cached(app, key, now, event, fetch).await
}
