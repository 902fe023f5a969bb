//! `saml`: a SAML 2.0 Response signed with `[saml]`'s key, exchanged with STS
//! `AssumeRoleWithSAML`. The role's trust policy names an IAM SAML provider that trusts the
//! signing certificate; the user is `${saml:sub}`, and mapped claims, the role pair, the
//! session name, tags and source identity travel as attributes.

use serde_json::{Map, Value, json};
use time::OffsetDateTime;

use super::{
    BackendError, CallInput, CredentialBackend, IssuedBy, PreparedCall, PrincipalInput,
    ResolvedAws, Section, Sending, Services, rules_set_principal, write_sts_target,
};
use crate::cache::KeyWriter;
use crate::domain::PrincipalArn;
use crate::saml::{self, Mappings, ResponseParams, SamlAttribute};
use crate::sts::AssumeRoleWithSaml;

/// The `saml` backend.
#[derive(Debug)]
pub struct Saml;

impl CredentialBackend for Saml {
    fn name(&self) -> &'static str {
        "saml"
    }

    fn check_section(&self, section: &Section<'_>) -> Vec<(String, String)> {
        if section.principal.is_some() {
            return Vec::new();
        }
        let key = section.key;
        section
            .role_rule_principals
            .iter()
            .enumerate()
            .filter(|(_, principal)| principal.is_none())
            .map(|(i, _)| {
                (
                    format!("{key}.role_rules[{i}].principal"),
                    "is required: the client has no principal either".to_owned(),
                )
            })
            .collect()
    }

    fn issued_by<'a>(&self, saml_issuer: Option<&'a str>, _: Option<&'a str>) -> IssuedBy<'a> {
        IssuedBy::SamlIssuer(saml_issuer)
    }

    fn default_mappings(&self) -> Mappings {
        saml::default_mappings()
    }

    fn principal(&self, input: PrincipalInput<'_>) -> Result<Option<PrincipalArn>, BackendError> {
        match input.from_rules {
            Some(Ok(principal)) => Ok(Some(principal.clone())),
            Some(Err(problem)) => Err(rules_set_principal(problem)),
            None => Ok(input.configured.cloned()),
        }
    }

    fn prepare(&self, input: CallInput) -> Result<Box<dyn PreparedCall>, BackendError> {
        let CallInput {
            user_id,
            user,
            aws,
            services,
        } = input;
        let mut attributes = saml::compute_attributes(user, &aws.mappings).map_err(|e| {
            if e.is_user_data() {
                BackendError::UserData(format!("the user's claims cannot be sent to AWS: {e}"))
            } else {
                BackendError::Internal(format!("SAML attributes: {e}"))
            }
        })?;
        let session = &aws.session;
        attributes.extend(saml::session_attributes(
            &session.tags,
            &session.transitive_tag_keys,
            session.source_identity.as_deref(),
        ));
        saml::check_attribute_set(&attributes)
            .map_err(|e| BackendError::Internal(format!("SAML attributes: {e}")))?;
        let partition = aws.role.partition();
        Ok(Box::new(SamlCall {
            issuer: aws
                .saml_issuer
                .clone()
                .unwrap_or_else(|| services.saml_issuer.to_owned()),
            subject: user_id.to_owned(),
            recipient: partition.saml_recipient(),
            audience: aws
                .audience
                .clone()
                .unwrap_or_else(|| partition.saml_audience().to_owned()),
            attributes,
            aws,
        }))
    }
}

/// An assertion ready to be signed, and the call it goes with.
#[derive(Debug)]
struct SamlCall {
    issuer: String,
    subject: String,
    recipient: &'static str,
    audience: String,
    attributes: Vec<SamlAttribute>,
    aws: ResolvedAws,
}

impl SamlCall {
    fn attributes_json(&self) -> Value {
        let attributes: Map<String, Value> = self
            .attributes
            .iter()
            .map(|a| (a.name.clone(), json!(a.values)))
            .collect();
        Value::Object(attributes)
    }
}

impl PreparedCall for SamlCall {
    fn aws(&self) -> &ResolvedAws {
        &self.aws
    }

    fn explain(&self) -> (&'static str, Value) {
        ("saml_attributes", self.attributes_json())
    }

    fn preview(&self) -> (&'static str, Value) {
        let shown = json!({ "name_id": self.subject, "attributes": self.attributes_json() });
        ("saml", shown)
    }

    fn write_key(&self, key: &mut KeyWriter) {
        for text in [&self.issuer, &self.subject, &self.audience] {
            key.text(text);
        }
        key.text(self.recipient);
        key.count(self.attributes.len());
        for attribute in &self.attributes {
            key.text(&attribute.name);
            key.list(&attribute.values);
        }
        write_sts_target(&self.aws, key);
    }

    fn send<'a>(
        &'a self,
        services: &'a Services<'a>,
        now: OffsetDateTime,
        deadline: tokio::time::Instant,
    ) -> Sending<'a> {
        Box::pin(async move {
            let params = ResponseParams {
                issuer: &self.issuer,
                subject: &self.subject,
                recipient: self.recipient,
                audience: &self.audience,
                attributes: &self.attributes,
                issued_at: now,
                lifetime: services.assertion_lifetime,
            };
            let xml = saml::build_signed_response(&params, services.signer)
                .map_err(|e| BackendError::Internal(format!("building the SAML response: {e}")))?;
            let aws = &self.aws;
            let call = AssumeRoleWithSaml {
                region: &aws.region,
                role: &aws.role,
                principal: &aws.principal,
                saml_response_xml: &xml,
                duration_seconds: aws.lifetime_in_seconds,
                policy: aws.session.policy.as_deref(),
                policy_arns: &aws.session.policy_arns,
            };
            Ok(services.sts.assume_role_with_saml(&call, deadline).await?)
        })
    }
}

#[cfg(test)]
#[path = "saml_tests.rs"]
mod tests;
