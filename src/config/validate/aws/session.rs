//! `session_tags`, `transitive_tag_keys`, `source_identity`, `session_policy` and
//! `policy_arns` of `[clients.aws]`, checked against AWS's limits at load.

use super::super::Problems;
use crate::config::file::AwsSection;
use crate::domain::session::{MAX_POLICY_ARNS, MAX_TAGS, PolicyTemplate, tag_key_problem};

const TAG_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/PrincipalTag:";
const SOURCE_IDENTITY_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/SourceIdentity";
const TRANSITIVE_ATTRIBUTE: &str = "https://aws.amazon.com/SAML/Attributes/TransitiveTagKeys";

pub(super) struct Session {
    pub(super) tags: Vec<(String, String)>,
    pub(super) transitive: Vec<String>,
    pub(super) source_identity: Option<String>,
    pub(super) policy: Option<PolicyTemplate>,
    pub(super) policy_arns: Vec<String>,
}

pub(super) fn session(a: &AwsSection, key: &str, p: &mut Problems) -> Session {
    let mapped = a.mappings.as_ref();
    // Tag keys set through the mappings count too: AWS sees one set of session tags.
    let mapped_tags: Vec<&str> = mapped
        .map(|m| {
            m.keys()
                .filter_map(|n| n.strip_prefix(TAG_ATTRIBUTE))
                .collect()
        })
        .unwrap_or_default();
    let mut seen: Vec<String> = mapped_tags.iter().map(|k| k.to_lowercase()).collect();
    for (tag, claim) in &a.session_tags {
        let k = format!("{key}.session_tags.{tag}");
        if let Some(problem) = tag_key_problem(tag) {
            p.add(&k, format!("the tag key {problem}"));
        }
        if claim.trim().is_empty() {
            p.add(&k, "must name a claim");
        }
        let lower = tag.to_lowercase();
        if seen.contains(&lower) {
            p.add(
                &k,
                "is also set (ignoring case) by another tag or a PrincipalTag mapping; AWS needs tag keys to be unique",
            );
        }
        seen.push(lower);
    }
    if seen.len() > MAX_TAGS {
        p.add(
            &format!("{key}.session_tags"),
            format!(
                "{} session tags with the mappings; AWS allows at most 50",
                seen.len()
            ),
        );
    }
    for (i, t) in a.transitive_tag_keys.iter().enumerate() {
        if !seen.contains(&t.to_lowercase()) {
            p.add(
                &format!("{key}.transitive_tag_keys[{i}]"),
                format!("`{t}` is not one of the session tags"),
            );
        }
    }
    if !a.transitive_tag_keys.is_empty()
        && mapped.is_some_and(|m| m.contains_key(TRANSITIVE_ATTRIBUTE))
    {
        p.add(
            &format!("{key}.transitive_tag_keys"),
            "is set, and the mappings set TransitiveTagKeys too; keep one",
        );
    }
    let source_identity = a.source_identity.clone().filter(|c| !c.trim().is_empty());
    if source_identity.is_some()
        && mapped.is_some_and(|m| m.contains_key(SOURCE_IDENTITY_ATTRIBUTE))
    {
        p.add(
            &format!("{key}.source_identity"),
            "is set, and the mappings set SourceIdentity too; keep one",
        );
    }
    let policy = a.session_policy.as_deref().and_then(|text| {
        p.check(
            &format!("{key}.session_policy"),
            PolicyTemplate::parse(text, &a.session_policy_forbidden),
        )
    });
    if a.policy_arns.len() > MAX_POLICY_ARNS {
        p.add(
            &format!("{key}.policy_arns"),
            format!("{} ARNs; AWS accepts at most 10", a.policy_arns.len()),
        );
    }
    for (i, arn) in a.policy_arns.iter().enumerate() {
        if !is_policy_arn(arn) {
            p.add(
                &format!("{key}.policy_arns[{i}]"),
                format!(
                    "`{arn}` is not an IAM policy ARN (arn:aws:iam::<account or aws>:policy/<name>)"
                ),
            );
        }
    }
    Session {
        tags: a
            .session_tags
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
        transitive: a.transitive_tag_keys.clone(),
        source_identity,
        policy,
        policy_arns: a.policy_arns.clone(),
    }
}

/// `arn:<partition>:iam::<12 digits or "aws">:policy/<path and name>`.
fn is_policy_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let [prefix, partition, service, region, account, resource] = parts.as_slice() else {
        return false;
    };
    let name_ok = resource.strip_prefix("policy/").is_some_and(|n| {
        !n.is_empty()
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
    });
    *prefix == "arn"
        && partition.starts_with("aws")
        && *service == "iam"
        && region.is_empty()
        && (*account == "aws"
            || (account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit())))
        && name_ok
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
