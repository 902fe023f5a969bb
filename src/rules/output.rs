//! Reading the rules' results back: the final user and context as JSON objects, the rule
//! that last changed the role, and (when traced) what each rule changed.

use serde_json::{Map, Value};

use super::run::method;
use super::sandbox::Sandbox;
use super::{RuleChange, RuleFailure, RulesOutput};

/// Longest JSON text of the final user or context read back (checked before parsing).
const MAX_OUTPUT_BYTES: usize = 1024 * 1024;

impl Sandbox {
    /// Serialises the final user and context and reads them back as JSON objects.
    pub(super) fn finish(&mut self) -> Result<RulesOutput, RuleFailure> {
        self.arm();
        let last = self.names.len().saturating_sub(1);
        let not_json =
            |what: &str| format!("left a {what} that cannot be turned into a JSON object");
        let texts: Vec<Option<String>> = self
            .call(last, |_, i, _| method(&i, "finish")?.call(()))
            .map_err(|reason| {
                self.failed(last, format!("{} ({reason})", not_json("user or context")))
            })?;
        if texts.iter().flatten().any(|t| t.len() > MAX_OUTPUT_BYTES) {
            let reason = "left a user or context larger than 1 MiB".to_owned();
            return Err(self.failed(last, reason));
        }
        let parse = |text: Option<&Option<String>>, what: &str| {
            text.and_then(Option::as_deref)
                .and_then(|t| serde_json::from_str::<Map<String, Value>>(t).ok())
                .ok_or_else(|| self.failed(last, not_json(what)))
        };
        let decider = texts
            .get(2)
            .and_then(Option::as_deref)
            .and_then(|t| t.parse::<usize>().ok());
        let changes = texts
            .get(3)
            .and_then(Option::as_deref)
            .filter(|t| !t.is_empty())
            .and_then(|t| serde_json::from_str::<Vec<Value>>(t).ok())
            .unwrap_or_default()
            .into_iter()
            .map(|step| RuleChange {
                rule: step["rule"]
                    .as_u64()
                    .and_then(|i| usize::try_from(i).ok())
                    .map(|i| self.file(i).to_owned())
                    .unwrap_or_default(),
                user: names(&step["user"]),
                aws: names(&step["aws"]),
            })
            .collect();
        Ok(RulesOutput {
            user: parse(texts.first(), "user")?,
            context: parse(texts.get(1), "context")?,
            decided_by: decider.map(|i| self.file(i).to_owned()),
            changes,
        })
    }
}

/// The strings of a JSON array.
fn names(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
