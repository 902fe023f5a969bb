//! Session tags, `TransitiveTagKeys`, `SourceIdentity` and the session policies of one
//! delegation, from the target's settings, the user's claims and the tags rules set.
//!
//! A claim AWS would refuse is a 400 naming the tag or claim (the user's data, so never
//! repaired or dropped); a tag a rule set that AWS would refuse is a 500 naming the rule's
//! key (the operator's code).

use serde_json::{Map, Value};

use super::DelegationError;
use crate::backend::Session;
use crate::config::AwsDefaults;
use crate::domain::claims::lookup;
use crate::domain::session::{MAX_TAGS, tag_key_problem, tag_value_of, tag_value_problem};
use crate::saml::session_name::is_session_name_char;

pub fn resolve(
    defaults: &AwsDefaults,
    user: &Map<String, Value>,
    rule_tags: Option<&Value>,
) -> Result<Session, DelegationError> {
    let bad_claim = |what: String| {
        DelegationError::InvalidRequest(format!("the user's claims cannot be sent to AWS: {what}"))
    };
    let mut tags = Vec::with_capacity(defaults.session_tags.len());
    for (key, claim) in &defaults.session_tags {
        let Some(value) = lookup(user, claim) else {
            continue; // a missing claim sets no tag, as a missing mapped property
        };
        let text = tag_value_of(value).ok_or_else(|| {
            bad_claim(format!(
                "session tag `{key}`: claim `{claim}` holds an object or a nested array; expected a string, number, boolean or an array of those"
            ))
        })?;
        if let Some(problem) = tag_value_problem(&text) {
            return Err(bad_claim(format!(
                "session tag `{key}`: the value of claim `{claim}` {problem}"
            )));
        }
        tags.push((key.clone(), text));
    }
    merge_rule_tags(&mut tags, rule_tags)?;
    if tags.len() > MAX_TAGS {
        return Err(DelegationError::Internal(format!(
            "{} session tags after the rules; AWS allows at most 50",
            tags.len()
        )));
    }
    let source_identity = match &defaults.source_identity {
        None => None,
        Some(claim) => lookup(user, claim)
            .map(|value| {
                let text = value.as_str().ok_or_else(|| {
                    bad_claim(format!("SourceIdentity: claim `{claim}` is not a string"))
                })?;
                source_identity_problem(text).map_or(Ok(text.to_owned()), |p| {
                    Err(bad_claim(format!(
                        "SourceIdentity: the value of claim `{claim}` {p}"
                    )))
                })
            })
            .transpose()?,
    };
    let policy = match &defaults.session_policy {
        None => None,
        Some(template) => Some(
            template
                .render(user)
                .map_err(|e| bad_claim(e.to_string()))?,
        ),
    };
    // Only keys that are tags on this session can be transitive.
    let transitive_tag_keys = defaults
        .transitive_tag_keys
        .iter()
        .filter(|k| tags.iter().any(|(t, _)| t.eq_ignore_ascii_case(k)))
        .cloned()
        .collect();
    Ok(Session {
        tags,
        transitive_tag_keys,
        source_identity,
        policy,
        policy_arns: defaults.policy_arns.clone(),
    })
}

/// Adds (or replaces, matching keys without regard to case) the tags a rule set in
/// `context.addonConfiguration.aws.tags`.
fn merge_rule_tags(
    tags: &mut Vec<(String, String)>,
    rule_tags: Option<&Value>,
) -> Result<(), DelegationError> {
    let bad = |problem: String| {
        DelegationError::Internal(format!(
            "rules set context.addonConfiguration.aws.tags: {problem}"
        ))
    };
    let set = match rule_tags {
        None | Some(Value::Null) => return Ok(()),
        Some(Value::Object(set)) => set,
        Some(_) => return Err(bad("not an object".into())),
    };
    for (key, value) in set {
        if let Some(problem) = tag_key_problem(key) {
            return Err(bad(format!("the tag key `{key}` {problem}")));
        }
        let Some(text) = tag_value_of(value) else {
            return Err(bad(format!("`{key}` is not a string, number or boolean")));
        };
        if let Some(problem) = tag_value_problem(&text) {
            return Err(bad(format!("the value of `{key}` {problem}")));
        }
        tags.retain(|(k, _)| !k.eq_ignore_ascii_case(key));
        tags.push((key.clone(), text));
    }
    Ok(())
}

/// AWS's rules for `SourceIdentity`: 2–64 characters of `[A-Za-z0-9_+=,.@-]`, not
/// starting with `aws:`.
fn source_identity_problem(text: &str) -> Option<&'static str> {
    if crate::domain::starts_with_ignore_ascii_case(text, "aws:") {
        Some("must not start with \"aws:\"")
    } else if !(2..=64).contains(&text.len()) || !text.chars().all(is_session_name_char) {
        Some("must be 2 to 64 characters from [A-Za-z0-9_+=,.@-]")
    } else {
        None
    }
}
