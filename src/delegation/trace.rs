//! The recorder a delegation reports to as it runs: each stage says what it decided, in
//! the order it ran. The request's log line, metrics and audit record are made from it
//! (`fill_event`); explain and `try-rule` render it. Details only they show (each token
//! check, each role rule tried, what each rule changed) are kept when `detailed` is set.

use serde_json::{Value, json};

use super::choice::Choice;
use crate::domain::role_rule::{ClaimTest, RoleRule};
use crate::ops::{DelegationEvent, RulesReport};
use crate::rules::RuleChange;
use crate::token::Check;

/// What one delegation did, stage by stage.
#[derive(Debug, Default)]
pub struct Trace {
    /// Whether to keep what only explain and `try-rule` show.
    pub detailed: bool,
    /// The id_token's checks, when detailed.
    pub token: Option<TokenTrace>,
    /// The token's issuer and `sub`, once verified and admitted.
    pub issuer: Option<String>,
    pub subject: Option<String>,
    /// The role rules of the target, each with whether it matched (`null`: not tried),
    /// when detailed.
    pub role_rules: Option<Vec<Value>>,
    /// The starting role and what chose it.
    pub choice: Option<Choice>,
    /// The JavaScript rules' time and failure, when they ran.
    pub rules: Option<RulesReport>,
    /// What each rule changed, when detailed.
    pub rule_changes: Vec<RuleChange>,
    /// What chose the final role, or refused: `configuration`, `request`, `role_rules[i]`,
    /// `role_rules` or `rule:<file>`.
    pub decided_by: Option<String>,
    pub role: Option<String>,
    pub principal: Option<String>,
    pub region: Option<String>,
    pub session_name: Option<String>,
    /// How the credential cache answered, when on.
    pub cache: Option<&'static str>,
    /// The lifetime shortened to the id_token's: (as configured or set by rules, seconds
    /// the token had left).
    pub clamp: Option<(u32, i64)>,
}

/// How far the id_token got through the verifier.
#[derive(Debug, Default)]
pub struct TokenTrace {
    pub issuer: String,
    pub alg: String,
    pub kid: Option<String>,
    /// Every check named, in the order met (a check can be named twice).
    pub named: Vec<Check>,
    /// Why the last check named failed, if it did.
    pub failure: Option<String>,
}

impl Trace {
    /// A trace that keeps what explain and `try-rule` show.
    pub fn detailed() -> Self {
        Self {
            detailed: true,
            ..Self::default()
        }
    }

    /// Reports the role rules tried, in order, each with whether it matched.
    pub fn role_rules_tried(&mut self, rules: &[RoleRule], tried: &[bool]) {
        if !self.detailed {
            return;
        }
        let described = rules.iter().enumerate().map(|(i, rule)| {
            json!({
                "index": i,
                "claim": rule.claim,
                "test": describe(&rule.test),
                "role": rule.role.as_str(),
                "matched": tried.get(i),
            })
        });
        self.role_rules = Some(described.collect());
    }

    /// Writes the facts the log line, metrics and audit record show into `event`.
    pub fn fill_event(self, event: &mut DelegationEvent) {
        event.issuer = self.issuer;
        event.subject = self.subject;
        event.role = self.role;
        event.principal = self.principal;
        event.region = self.region;
        event.session_name = self.session_name;
        event.decided_by = self.decided_by;
        event.rules = self.rules;
        event.cache = self.cache;
    }
}

impl TokenTrace {
    /// Each check once, in [`Check::ALL`]'s order: `ok`, `failed` with the reason, or
    /// `not reached`.
    pub fn checks(&self) -> Vec<Value> {
        let failed = self
            .failure
            .as_ref()
            .and_then(|r| Some((self.named.last()?, r)));
        Check::ALL
            .iter()
            .map(|check| {
                let name = check.as_str();
                match failed {
                    Some((at, reason)) if at == check => {
                        json!({"check": name, "result": "failed", "reason": reason})
                    }
                    _ if self.named.contains(check) => json!({"check": name, "result": "ok"}),
                    _ => json!({"check": name, "result": "not reached"}),
                }
            })
            .collect()
    }
}

fn describe(test: &ClaimTest) -> String {
    match test {
        ClaimTest::Equals(v) => format!("equals {v:?}"),
        ClaimTest::Contains(v) => format!("contains {v:?}"),
        ClaimTest::Matches(re) => format!("matches {:?}", re.as_str()),
    }
}
