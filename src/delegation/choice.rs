//! Which role a request starts with, before the JavaScript rules: one the request named
//! (when the target's allowlist has it), else the first declarative role rule that
//! matches, else the target's configured role (or a refusal, with `no_match = "deny"`).

use serde_json::{Map, Value};

use super::DelegationError;
use super::DelegationRequest;
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

/// The starting role and principal, what chose them, and each role rule tried (in order,
/// up to the first that matched) with whether it matched.
#[derive(Debug, Clone)]
pub struct Choice {
    pub role: Option<RoleArn>,
    pub principal: Option<PrincipalArn>,
    pub by: Chooser,
    pub tried: Vec<bool>,
}

pub fn choose(
    defaults: &AwsDefaults,
    req: &DelegationRequest,
    claims: &Map<String, Value>,
) -> Result<Choice, DelegationError> {
    let configured = |by, tried| Choice {
        role: defaults.role.clone(),
        principal: defaults.principal.clone(),
        by,
        tried,
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
            return Ok(Choice {
                role: Some(r.clone()),
                principal: Some(p.clone()),
                by: Chooser::Request,
                tried: Vec::new(),
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
        return Ok(configured(Chooser::Configuration, Vec::new()));
    }
    let mut tried = Vec::new();
    for (i, rule) in defaults.role_rules.iter().enumerate() {
        let matched = rule.matches(claims);
        tried.push(matched);
        if matched {
            return Ok(Choice {
                role: Some(rule.role.clone()),
                principal: rule
                    .principal
                    .clone()
                    .or_else(|| defaults.principal.clone()),
                by: Chooser::RoleRule(i),
                tried,
            });
        }
    }
    match defaults.no_match {
        NoMatch::Default => Ok(configured(Chooser::Configuration, tried)),
        NoMatch::Deny => Err(DelegationError::Unauthorized(
            "no role rule gives this user a role".into(),
        )),
    }
}
