//! `[clients.aws]`: a target's AWS settings, its role rules, session tags and policy.

use super::{Problems, in_range};
use crate::config::file::AwsSection;
use crate::config::settings::{AwsDefaults, NoMatch};
use crate::domain::role_rule::{ClaimTest, RoleRule};
use crate::domain::{PrincipalArn, Region, RoleArn};

mod backend;
mod session;

pub(super) fn aws(a: &AwsSection, key: &str, p: &mut Problems) -> Option<AwsDefaults> {
    let backend = backend::backend(a, key, p);
    let role = a.role.as_deref().map(RoleArn::parse).transpose();
    let role = p.check(&format!("{key}.role"), role)?;
    let principal = a.principal.as_deref().map(PrincipalArn::parse).transpose();
    let principal = p.check(&format!("{key}.principal"), principal)?;
    let region = a.region.as_deref().map(Region::parse).transpose();
    let region = p.check(&format!("{key}.region"), region)?;
    backend::check(backend, a, key, p);
    let partition = role.as_ref().map(|r| r.partition());
    if let (Some(role_p), Some(principal)) = (partition, &principal)
        && principal.partition() != role_p
    {
        {
            p.add(
                &format!("{key}.principal"),
                format!(
                    "is in partition {} but the role is in {role_p}",
                    principal.partition()
                ),
            );
        }
    }
    if let (Some(role_p), Some(region)) = (partition, &region)
        && region.partition() != role_p
    {
        {
            p.add(
                &format!("{key}.region"),
                format!(
                    "`{region}` is in partition {} but the role is in {role_p}",
                    region.partition()
                ),
            );
        }
    }
    in_range(
        p,
        &format!("{key}.lifetime_in_seconds"),
        u64::from(a.lifetime_in_seconds),
        900,
        43_200,
    );
    if let Some(m) = &a.mappings
        && m.keys().chain(m.values()).any(|s| s.trim().is_empty())
    {
        {
            p.add(
                &format!("{key}.mappings"),
                "attribute names and user properties must not be empty",
            );
        }
    }
    let mut allowed = Vec::new();
    for (i, pair) in a.allow_request_roles.iter().enumerate() {
        let k = format!("{key}.allow_request_roles[{i}]");
        let r = p.check(&format!("{k}.role"), RoleArn::parse(&pair.role));
        let pr = p.check(
            &format!("{k}.principal"),
            PrincipalArn::parse(&pair.principal),
        );
        if let (Some(r), Some(pr)) = (r, pr) {
            if r.partition() != pr.partition() {
                p.add(&k, "role and principal are in different partitions");
            }
            if let Some(region) = &region
                && region.partition() != r.partition()
            {
                p.add(
                    &k,
                    format!("role is not in the partition of region `{region}`"),
                );
            }
            allowed.push((r, pr));
        }
    }
    let role_rules = role_rules(a, key, principal.as_ref(), p);
    let no_match = match a.no_match.as_deref() {
        None | Some("deny") => NoMatch::Deny,
        Some("default") => {
            if role.is_none() {
                p.add(
                    &format!("{key}.no_match"),
                    "is \"default\" but the client has no role to fall back to",
                );
            }
            NoMatch::Default
        }
        Some(other) => {
            p.add(
                &format!("{key}.no_match"),
                format!("`{other}` is not one of deny, default"),
            );
            NoMatch::Deny
        }
    };
    let session = session::session(a, key, p);
    Some(AwsDefaults {
        backend,
        role_rules,
        no_match,
        session_tags: session.tags,
        transitive_tag_keys: session.transitive,
        source_identity: session.source_identity,
        session_policy: session.policy,
        policy_arns: session.policy_arns,
        role,
        principal,
        region,
        lifetime_in_seconds: a.lifetime_in_seconds,
        mappings: a
            .mappings
            .as_ref()
            .map(|m| m.iter().map(|(k, v)| (k.clone(), v.clone())).collect()),
        allowed_request_roles: allowed,
        saml_issuer: a.saml_issuer.clone().filter(|s| !s.is_empty()),
        audience: a.audience.clone().filter(|s| !s.is_empty()),
    })
}

/// `[[clients.aws.role_rules]]`: one test each, a valid role and principal in one
/// partition.
fn role_rules(
    a: &AwsSection,
    key: &str,
    default_principal: Option<&PrincipalArn>,
    p: &mut Problems,
) -> Vec<RoleRule> {
    let mut rules = Vec::new();
    for (i, r) in a.role_rules.iter().enumerate() {
        let k = format!("{key}.role_rules[{i}]");
        if r.claim.trim().is_empty() {
            p.add(&format!("{k}.claim"), "must name a claim");
        }
        let test = match (&r.equals, &r.contains, &r.matches) {
            (Some(v), None, None) => Some(ClaimTest::Equals(v.clone())),
            (None, Some(v), None) => Some(ClaimTest::Contains(v.clone())),
            (None, None, Some(v)) => p.check(&format!("{k}.matches"), ClaimTest::regex(v)),
            _ => {
                p.add(&k, "needs exactly one of equals, contains, matches");
                None
            }
        };
        let role = p.check(&format!("{k}.role"), RoleArn::parse(&r.role));
        let principal = r.principal.as_deref().map(PrincipalArn::parse).transpose();
        let principal = p.check(&format!("{k}.principal"), principal).flatten();
        if let (Some(role), Some(pr)) = (&role, principal.as_ref().or(default_principal))
            && role.partition() != pr.partition()
        {
            p.add(&k, "role and principal are in different partitions");
        }
        if let (Some(test), Some(role)) = (test, role) {
            rules.push(RoleRule {
                claim: r.claim.clone(),
                test,
                role,
                principal,
            });
        }
    }
    rules
}
