//! `web_identity`: a short-lived JWT signed by the server's own issuer (`[oidc_provider]`),
//! redeemed at once with STS `AssumeRoleWithWebIdentity`. The role's trust policy names the
//! IAM OIDC provider for `[oidc_provider] url` and can require `<host>:aud` and `<host>:sub`;
//! session tags travel in AWS's `https://aws.amazon.com/tags` claim, and other claims only
//! when mapped.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{
    BackendError, CallInput, CredentialBackend, IssuedBy, PreparedCall, PrincipalInput,
    ResolvedAws, Section, Sending, Services, rules_set_principal, write_sts_target,
};
use crate::cache::KeyWriter;
use crate::domain::PrincipalArn;
use crate::domain::claims::lookup;
use crate::issuer::{
    MAX_WEB_IDENTITY_TOKEN_CHARS, OidcIssuer, WEB_IDENTITY_DEFAULT_AUDIENCE, WebIdentityClaims,
    new_jti, reserved_claim_problem,
};
use crate::saml::{self, Mappings};
use crate::sts::AssumeRoleWithWebIdentity;

/// The `web_identity` backend.
#[derive(Debug)]
pub struct WebIdentity;

const NEEDS_OIDC_PROVIDER: &str =
    "the web_identity backend needs [oidc_provider], which is not configured";

impl CredentialBackend for WebIdentity {
    fn name(&self) -> &'static str {
        "web_identity"
    }

    /// A web identity target has no SAML provider, SAML issuer or request-chosen role
    /// pairs, and its mapped claims must not replace the ones the token's meaning rests on.
    fn check_section(&self, section: &Section<'_>) -> Vec<(String, String)> {
        let key = section.key;
        let mut problems = Vec::new();
        let mut add = |k: String, why: &str| problems.push((k, why.to_owned()));
        let why = "is for the saml backend; with web_identity the IAM OIDC provider is derived from [oidc_provider] url and the role's account";
        if section.principal.is_some() {
            add(format!("{key}.principal"), why);
        }
        for (i, principal) in section.role_rule_principals.iter().enumerate() {
            if principal.is_some() {
                add(format!("{key}.role_rules[{i}].principal"), why);
            }
        }
        if section.saml_issuer.is_some() {
            add(
                format!("{key}.saml_issuer"),
                "is for the saml backend; web identity tokens are issued by [oidc_provider] url",
            );
        }
        if section.allow_request_roles > 0 {
            add(
                format!("{key}.allow_request_roles"),
                "is for the saml backend (its entries are role and SAML provider pairs); with web_identity use role_rules or rules to choose the role",
            );
        }
        for name in &section.mapping_names {
            if let Some(problem) = reserved_claim_problem(name) {
                add(format!("{key}.mappings.{name}"), problem);
            }
        }
        problems
    }

    fn issued_by<'a>(&self, _: Option<&'a str>, audience: Option<&'a str>) -> IssuedBy<'a> {
        IssuedBy::OidcProvider {
            audience: audience.unwrap_or(WEB_IDENTITY_DEFAULT_AUDIENCE),
        }
    }

    /// The registered claims and the session's tags only; other claims when mapped.
    fn default_mappings(&self) -> Mappings {
        Mappings::new()
    }

    /// The IAM OIDC provider for `[oidc_provider] url` in the role's account: rules choose
    /// the role, not the provider.
    fn principal(&self, input: PrincipalInput<'_>) -> Result<Option<PrincipalArn>, BackendError> {
        if input.from_rules.is_some() {
            return Err(rules_set_principal(
                "the client's backend is web_identity, whose principal is the IAM OIDC provider of [oidc_provider]; set only the role",
            ));
        }
        let Some(url) = input.oidc_url else {
            return Err(BackendError::Internal(NEEDS_OIDC_PROVIDER.into()));
        };
        Ok(input
            .role
            .map(|role| PrincipalArn::oidc_provider(role, url)))
    }

    fn prepare(&self, input: CallInput<'_>) -> Result<Box<dyn PreparedCall>, BackendError> {
        let CallInput {
            user_id,
            user,
            aws,
            services,
        } = input;
        let oidc = services
            .oidc
            .ok_or_else(|| BackendError::Internal(NEEDS_OIDC_PROVIDER.into()))?;
        let mapped = mapped_claims(user, &aws.mappings)?;
        let session_name = match user.get("rolesessionname") {
            Some(Value::String(name)) => saml::session_name(name),
            _ => saml::default_session_name(user),
        };
        Ok(Box::new(WebIdentityCall {
            issuer: oidc.url().to_owned(),
            subject: user_id.to_owned(),
            audience: aws
                .audience
                .clone()
                .unwrap_or_else(|| WEB_IDENTITY_DEFAULT_AUDIENCE.to_owned()),
            mapped,
            session_name,
            aws,
        }))
    }
}

/// The claims each mapping names, read from `user` as SAML attributes are (exact name,
/// then a dotted path), kept as the JSON they are; a missing or `null` property sets none.
fn mapped_claims(
    user: &Map<String, Value>,
    mappings: &Mappings,
) -> Result<Map<String, Value>, BackendError> {
    let mut claims = Map::new();
    for (name, property) in mappings {
        if let Some(problem) = reserved_claim_problem(name) {
            return Err(BackendError::Internal(format!(
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

/// A token ready to be signed, and the call it goes with.
#[derive(Debug)]
struct WebIdentityCall {
    issuer: String,
    subject: String,
    audience: String,
    /// The claims the token carries besides the registered and AWS ones.
    mapped: Map<String, Value>,
    session_name: String,
    aws: ResolvedAws,
}

impl WebIdentityCall {
    fn claims(&self, issued_at: i64, jti: &str) -> Map<String, Value> {
        let session = &self.aws.session;
        WebIdentityClaims {
            issuer: &self.issuer,
            subject: &self.subject,
            audience: &self.audience,
            issued_at,
            jti,
            mapped: &self.mapped,
            tags: &session.tags,
            transitive_tag_keys: &session.transitive_tag_keys,
            source_identity: session.source_identity.as_deref(),
        }
        .to_json()
    }

    async fn call(
        &self,
        oidc: &OidcIssuer,
        services: &Services<'_>,
        now: OffsetDateTime,
        deadline: tokio::time::Instant,
    ) -> Result<crate::sts::StsResult, BackendError> {
        let jti = new_jti()
            .ok_or_else(|| BackendError::Internal("the system random source failed".into()))?;
        let token = oidc
            .sign(&self.claims(now.unix_timestamp(), &jti))
            .map_err(|e| BackendError::Internal(format!("signing the web identity token: {e}")))?;
        if token.len() > MAX_WEB_IDENTITY_TOKEN_CHARS {
            return Err(BackendError::UserData(format!(
                "the user's claims cannot be sent to AWS: the web identity token would be {} characters, and STS accepts at most {MAX_WEB_IDENTITY_TOKEN_CHARS}",
                token.len()
            )));
        }
        let aws = &self.aws;
        let call = AssumeRoleWithWebIdentity {
            region: &aws.region,
            role: &aws.role,
            role_session_name: &self.session_name,
            web_identity_token: &token,
            duration_seconds: aws.lifetime_in_seconds,
            policy: aws.session.policy.as_deref(),
            policy_arns: &aws.session.policy_arns,
        };
        let mut result = services
            .sts
            .assume_role_with_web_identity(&call, deadline)
            .await?;
        result.complete_web_identity(&self.subject, aws.principal.as_str(), &self.audience);
        Ok(result)
    }
}

impl PreparedCall for WebIdentityCall {
    fn aws(&self) -> &ResolvedAws {
        &self.aws
    }

    fn explain(&self) -> (&'static str, Value) {
        ("token_claims", Value::Object(self.mapped.clone()))
    }

    fn preview(&self) -> (&'static str, Value) {
        let shown = json!({ "sub": self.subject, "claims": self.mapped });
        ("web_identity", shown)
    }

    /// Everything the token says except when it was made and its ID, the session name,
    /// and the STS parameters.
    fn write_key(&self, key: &mut KeyWriter) {
        key.text(&Value::Object(self.claims(0, "")).to_string());
        key.text(&self.session_name);
        write_sts_target(&self.aws, key);
    }

    fn send<'a>(
        &'a self,
        services: &'a Services<'a>,
        now: OffsetDateTime,
        deadline: tokio::time::Instant,
    ) -> Sending<'a> {
        Box::pin(async move {
            let oidc = services
                .oidc
                .ok_or_else(|| BackendError::Internal(NEEDS_OIDC_PROVIDER.into()))?;
            self.call(oidc, services, now, deadline).await
        })
    }
}

#[cfg(test)]
#[path = "web_identity_tests.rs"]
mod tests;
