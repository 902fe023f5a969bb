//! Unit tests of the backend registry and of what every backend must do alike. The
//! conformance suite that runs each backend against STS is tests/api/backends.rs.

use super::*;
use crate::domain::{Region, RoleArn};

pub(super) fn resolved(backend: &'static dyn CredentialBackend) -> ResolvedAws {
    ResolvedAws {
        backend,
        role: RoleArn::parse("arn:aws:iam::123456789012:role/r").unwrap(),
        principal: PrincipalArn::parse("arn:aws:iam::123456789012:saml-provider/p").unwrap(),
        region: Region::parse("us-east-1").unwrap(),
        lifetime_in_seconds: 3600,
        mappings: Mappings::new(),
        saml_issuer: None,
        audience: None,
        session: Session::default(),
    }
}

/// Keys that differ from `base`'s in each of the STS parameters every backend sends.
pub(super) fn sts_target_variants(base: &ResolvedAws) -> Vec<ResolvedAws> {
    let mut variants = Vec::new();
    let mut push = |change: &dyn Fn(&mut ResolvedAws)| {
        let mut changed = base.clone();
        change(&mut changed);
        variants.push(changed);
    };
    push(&|a| a.role = RoleArn::parse("arn:aws:iam::123456789012:role/s").unwrap());
    push(&|a| {
        a.principal = PrincipalArn::parse("arn:aws:iam::123456789012:saml-provider/q").unwrap()
    });
    push(&|a| a.region = Region::parse("eu-west-1").unwrap());
    push(&|a| a.lifetime_in_seconds = 3601);
    push(&|a| a.session.policy = Some("{}".into()));
    // An empty policy is not the same as none.
    push(&|a| a.session.policy = Some(String::new()));
    push(&|a| a.session.policy_arns = vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()]);
    variants
}

pub(super) fn key_of(call: &dyn PreparedCall) -> crate::cache::CacheKey {
    let mut key = KeyWriter::new();
    call.write_key(&mut key);
    key.finish()
}

#[test]
fn every_backend_is_found_by_its_word_and_words_are_unique() {
    for backend in REGISTERED {
        let found = by_name(backend.name()).unwrap();
        assert_eq!(found.name(), backend.name());
    }
    let mut words: Vec<&str> = REGISTERED.iter().map(|b| b.name()).collect();
    words.sort_unstable();
    words.dedup();
    assert_eq!(words.len(), REGISTERED.len(), "two backends share a word");
    assert!(by_name("Saml").is_none(), "words are exact");
    assert_eq!(default_backend().name(), REGISTERED[0].name());
    assert_eq!(names(), "saml, web_identity");
}

#[test]
fn every_backend_refuses_a_principal_rules_set_that_is_not_one() {
    let role = RoleArn::parse("arn:aws:iam::123456789012:role/r").unwrap();
    let bad = Err("not a string".to_owned());
    for backend in REGISTERED {
        let input = PrincipalInput {
            from_rules: Some(&bad),
            configured: None,
            role: Some(&role),
            oidc_url: Some("https://id.example"),
        };
        let error = backend.principal(input).unwrap_err().to_string();
        assert!(
            error.starts_with("rules set context.addonConfiguration.aws.principal: "),
            "{}: {error}",
            backend.name()
        );
    }
}

#[test]
fn every_backend_names_who_names_the_user_to_aws() {
    for backend in REGISTERED {
        // Whatever it is, it is decided by the configuration alone.
        let a = backend.issued_by(Some("urn:a"), Some("aud-a"));
        assert_eq!(a, backend.issued_by(Some("urn:a"), Some("aud-a")));
    }
    assert_eq!(
        Saml.issued_by(Some("urn:a"), None),
        IssuedBy::SamlIssuer(Some("urn:a"))
    );
    assert_eq!(
        WebIdentity.issued_by(None, None),
        IssuedBy::OidcProvider {
            audience: crate::issuer::WEB_IDENTITY_DEFAULT_AUDIENCE
        }
    );
}
