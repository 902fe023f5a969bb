//! Declarative role rules: pick the role from a claim without code. Compiled once at load
//! (regexes by the `regex` crate: linear time, size-limited), evaluated in order, first
//! match wins.

use regex::{Regex, RegexBuilder};
use serde_json::{Map, Value};

use super::claims::{lookup, scalar_text};
use super::{PrincipalArn, RoleArn};

/// Largest compiled regex a rule may have, in bytes (the `regex` crate's own measure).
const REGEX_SIZE_LIMIT: usize = 256 * 1024;

/// How a rule tests its claim.
#[derive(Debug, Clone)]
pub enum ClaimTest {
    /// The claim (or an item of it) is exactly this text.
    Equals(String),
    /// The claim is an array holding this text, or a string holding it as a substring.
    Contains(String),
    /// The claim (or an item of it) matches this regex as a whole (it is anchored).
    Matches(Regex),
}

/// One `[[clients.aws.role_rules]]` entry.
#[derive(Debug, Clone)]
pub struct RoleRule {
    /// The claim name; dotted paths reach into nested objects.
    pub claim: String,
    pub test: ClaimTest,
    pub role: RoleArn,
    /// `None`: the client's principal.
    pub principal: Option<PrincipalArn>,
}

impl ClaimTest {
    /// Compiles `pattern` for `matches`, bounded in size. The pattern must match the
    /// whole text (item): `admin` does not match `not-admin`, as a group name would not.
    pub fn regex(pattern: &str) -> Result<Self, String> {
        // Checked alone first, so an error points into the pattern as written.
        RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|e| e.to_string())?;
        RegexBuilder::new(&format!("^(?:{pattern})$"))
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map(Self::Matches)
            .map_err(|e| e.to_string())
    }

    fn test(&self, text: &str, whole_claim_is_string: bool) -> bool {
        match self {
            Self::Equals(wanted) => text == wanted,
            Self::Contains(wanted) if whole_claim_is_string => text.contains(wanted.as_str()),
            Self::Contains(wanted) => text == wanted,
            Self::Matches(regex) => regex.is_match(text),
        }
    }
}

impl RoleRule {
    /// Whether the user's claim passes this rule's test. A string claim is tested as it
    /// is; an array claim item by item (its strings, numbers and booleans as text). A
    /// missing claim, or one of another shape, does not match.
    pub fn matches(&self, user: &Map<String, Value>) -> bool {
        match lookup(user, &self.claim) {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(scalar_text)
                .any(|item| self.test.test(&item, false)),
            Some(value) => scalar_text(value).is_some_and(|text| self.test.test(&text, true)),
            None => false,
        }
    }
}

#[cfg(test)]
#[path = "role_rule_tests.rs"]
mod tests;
