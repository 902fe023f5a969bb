//! Which role a request starts with, before the JavaScript rules: one the request named
//! (when the target's allowlist has it), else the first declarative role rule that
//! matches, else the target's configured role (or a refusal, with `no_match = "deny"`).

use serde_json::{Map, Value};

use super::DelegationError;
use super::DelegationRequest;
use super::trace::Trace;
use crate::config::{AwsDefaults, NoMatch};
use crate::domain::{PrincipalArn, RoleArn};

/// What chose the starting role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chooser {
    Configuration,
    /// The request's own `role` and `principal`, from the allowlist.
    Request,
    /// `role_rules[i]`.
    RoleRule(usize),
}

impl Chooser {
    /// As the audit record and explain name it.
    pub fn describe(self) -> String {
        match self {
            Self::Configuration => "configuration".to_owned(),
            Self::Request => "request".to_owned(),
            Self::RoleRule(i) => format!("role_rules[{i}]"),
        }
    }
}

/// The starting role and principal, and what chose them.
#[derive(Debug, Clone)]
pub struct Choice {
    pub role: Option<RoleArn>,
    pub principal: Option<PrincipalArn>,
    pub by: Chooser,
}

/// Chooses the starting role, reporting each role rule tried (in order, up to the first
/// that matched) to `trace`.
pub fn choose(
    defaults: &AwsDefaults,
    req: &DelegationRequest,
    claims: &Map<String, Value>,
    trace: &mut Trace,
) -> Result<Choice, DelegationError> {
    let configured = |by| Choice {
        role: defaults.role.clone(),
        principal: defaults.principal.clone(),
        by,
    };
    match (&req.role, &req.principal) {
        (Some(role), Some(principal)) => {
            let pair = defaults
                .allowed_request_roles
                .iter()
                .find(|(r, p)| r.as_str() == role && p.as_str() == principal);
            let Some((r, p)) = pair else {
                return Err(DelegationError::InvalidRequest(format!(
                    "the role/principal pair is not allowed for client `{}`; set them in its configuration",
                    req.target
                )));
            };
            trace.role_rules_tried(&defaults.role_rules, &[]);
            return Ok(Choice {
                role: Some(r.clone()),
                principal: Some(p.clone()),
                by: Chooser::Request,
            });
        }
        (None, None) => {}
        _ => {
            return Err(DelegationError::InvalidRequest(
                "`role` and `principal` must be given together".into(),
            ));
        }
    }
    if defaults.role_rules.is_empty() {
        trace.role_rules_tried(&[], &[]);
        return Ok(configured(Chooser::Configuration));
    }
    let mut tried = Vec::new();
    let mut matched = None;
    for (i, rule) in defaults.role_rules.iter().enumerate() {
        tried.push(rule.matches(claims));
        if tried.last() == Some(&true) {
            matched = Some((i, rule));
            break;
        }
    }
    trace.role_rules_tried(&defaults.role_rules, &tried);
    match (matched, defaults.no_match) {
        (Some((i, rule)), _) => Ok(Choice {
            role: Some(rule.role.clone()),
            principal: rule
                .principal
                .clone()
                .or_else(|| defaults.principal.clone()),
            by: Chooser::RoleRule(i),
        }),
        (None, NoMatch::Default) => Ok(configured(Chooser::Configuration)),
        (None, NoMatch::Deny) => {
            trace.decided_by = Some("role_rules".to_owned());
            Err(DelegationError::Unauthorized(
                "no role rule gives this user a role".into(),
            ))
        }
    }
}
