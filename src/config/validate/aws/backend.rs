//! `clients.aws.backend`: the word names a registered credential backend (src/backend/),
//! which then checks the keys of the section it reads.

use super::Problems;
use crate::backend::{self, CredentialBackend, Section};
use crate::config::file::AwsSection;

/// The backend the section names (the default one when it names none, or an unknown one,
/// which is reported).
pub(super) fn backend(
    a: &AwsSection,
    key: &str,
    p: &mut Problems,
) -> &'static dyn CredentialBackend {
    let Some(word) = a.backend.as_deref() else {
        return backend::default_backend();
    };
    backend::by_name(word).unwrap_or_else(|| {
        p.add(
            &format!("{key}.backend"),
            format!("`{word}` is not one of {}", backend::names()),
        );
        backend::default_backend()
    })
}

/// What `backend` finds wrong with the section's keys.
pub(super) fn check(backend: &dyn CredentialBackend, a: &AwsSection, key: &str, p: &mut Problems) {
    let section = Section {
        key,
        principal: a.principal.as_deref(),
        role_rule_principals: a
            .role_rules
            .iter()
            .map(|r| r.principal.as_deref())
            .collect(),
        saml_issuer: a.saml_issuer.as_deref(),
        allow_request_roles: a.allow_request_roles.len(),
        mapping_names: a
            .mappings
            .iter()
            .flat_map(|m| m.keys())
            .map(String::as_str)
            .collect(),
    };
    for (key, problem) in backend.check_section(&section) {
        p.add(&key, problem);
    }
}
