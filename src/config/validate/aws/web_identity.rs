//! `clients.aws.backend`, and what a `web_identity` target must leave out: it has no SAML
//! provider, SAML issuer or request-chosen role pairs, and its mapped claims must not
//! replace the ones the token's meaning rests on.

use super::Problems;
use crate::config::file::AwsSection;
use crate::config::settings::Backend;
use crate::issuer::reserved_claim_problem;

pub(super) fn backend(a: &AwsSection, key: &str, p: &mut Problems) -> Backend {
    let backend = match a.backend.as_deref() {
        None | Some("saml") => Backend::Saml,
        Some("web_identity") => Backend::WebIdentity,
        Some(other) => {
            p.add(
                &format!("{key}.backend"),
                format!("`{other}` is not one of saml, web_identity"),
            );
            return Backend::Saml;
        }
    };
    if backend == Backend::WebIdentity {
        refuse_saml_only(a, key, p);
    }
    backend
}

fn refuse_saml_only(a: &AwsSection, key: &str, p: &mut Problems) {
    let why = "is for the saml backend; with web_identity the IAM OIDC provider is derived from [oidc_provider] url and the role's account";
    if a.principal.is_some() {
        p.add(&format!("{key}.principal"), why);
    }
    for (i, r) in a.role_rules.iter().enumerate() {
        if r.principal.is_some() {
            p.add(&format!("{key}.role_rules[{i}].principal"), why);
        }
    }
    if a.saml_issuer.is_some() {
        p.add(
            &format!("{key}.saml_issuer"),
            "is for the saml backend; web identity tokens are issued by [oidc_provider] url",
        );
    }
    if !a.allow_request_roles.is_empty() {
        p.add(
            &format!("{key}.allow_request_roles"),
            "is for the saml backend (its entries are role and SAML provider pairs); with web_identity use role_rules or rules to choose the role",
        );
    }
    for name in a.mappings.iter().flat_map(|m| m.keys()) {
        if let Some(problem) = reserved_claim_problem(name) {
            p.add(&format!("{key}.mappings.{name}"), problem);
        }
    }
}
