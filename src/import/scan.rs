//! Reading a rule's script for what will not work as it did in Auth0: the Management API,
//! modules, `global`, settings the export has no value for, and `context` fields this
//! server does not fill. A finding names the line and what to do; it is a reading of the
//! text, so a rule may still need a look beyond it.

/// What `context` holds here (docs/rules.md); any other field is `undefined`.
const CONTEXT_FIELDS: [&str; 7] = [
    "clientID",
    "clientName",
    "targetClientID",
    "targetClientName",
    "protocol",
    "request",
    "addonConfiguration",
];

/// One thing in a rule to look at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// 1-based.
    pub line: usize,
    pub what: String,
    pub todo: String,
}

/// The findings in `script`; `settings` are the rule settings the export has a value for.
pub fn scan(script: &str, settings: &[String]) -> Vec<Finding> {
    let mut found = Vec::new();
    for (i, line) in script.lines().enumerate() {
        let code = line.split("//").next().unwrap_or_default();
        let mut add = |what: String, todo: &str| {
            let finding = Finding {
                line: i + 1,
                what,
                todo: todo.to_owned(),
            };
            if !found.contains(&finding) {
                found.push(finding);
            }
        };
        for api in [
            "auth0.users.",
            "auth0.accessToken",
            "auth0.baseUrl",
            "auth0.domain",
        ] {
            if code.contains(api) {
                add(
                    format!(
                        "uses the Management API (`{}`), which rules here cannot reach: there is no `auth0` object",
                        api.trim_end_matches('.')
                    ),
                    "move the work to an Auth0 Action or your own backend, or drop it; as it stands the rule fails when it reaches this line",
                );
            }
        }
        for module in after_each(code, "require(").filter_map(quoted) {
            add(
                format!(
                    "requires module `{module}`; the sandbox offers no modules (`require` throws)"
                ),
                "write what the rule needs from the module inline, or move that work out of the rule",
            );
        }
        if code.contains("global.") || code.contains("global[") {
            add(
                "uses `global`, which here starts empty for every request".to_owned(),
                "keep nothing between requests: compute it each time, or put constant values in [rules.configuration]",
            );
        }
        for key in after_each(code, "configuration.").map(identifier) {
            if !key.is_empty() && !settings.iter().any(|s| s == key) {
                add(
                    format!("reads `configuration.{key}`, for which the export has no value"),
                    "set it under [rules.configuration] in delegation.toml (Auth0 never exports rule settings' values)",
                );
            }
        }
        for field in after_each(code, "context.").map(identifier) {
            if field == "request" {
                continue;
            }
            if !field.is_empty() && !CONTEXT_FIELDS.contains(&field) {
                add(
                    format!(
                        "reads `context.{field}`, which this server does not fill (it is undefined)"
                    ),
                    "drop the dependency, or take the value from the user's claims",
                );
            }
        }
        for field in after_each(code, "context.request.").map(identifier) {
            let todo = match field {
                "geoip" => {
                    "there is no GeoIP lookup here: drop it, or derive what you need from `context.request.ip`"
                }
                "query" => {
                    "`context.request.query` is always empty: /delegation takes its parameters in the body"
                }
                _ => continue,
            };
            add(format!("reads `context.request.{field}`"), todo);
        }
        if code.contains("UnauthorizedError") {
            add(
                "refuses with `UnauthorizedError`, which works here: the client gets 403 `unauthorized` with the rule's message".to_owned(),
                "nothing to change",
            );
        }
    }
    found
}

/// The keys of `configuration` that `script` reads.
pub fn configuration_keys(script: &str) -> Vec<String> {
    let mut keys: Vec<String> = Vec::new();
    for line in script.lines() {
        let code = line.split("//").next().unwrap_or_default();
        for key in after_each(code, "configuration.").map(identifier) {
            if !key.is_empty() && !keys.iter().any(|k| k == key) {
                keys.push(key.to_owned());
            }
        }
    }
    keys
}

/// The text after each occurrence of `marker`.
fn after_each<'t>(text: &'t str, marker: &'t str) -> impl Iterator<Item = &'t str> + 't {
    text.match_indices(marker)
        .filter_map(move |(at, _)| text.get(at + marker.len()..))
}

/// The identifier at the start of `text`.
fn identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
        .unwrap_or(text.len());
    text.get(..end).unwrap_or_default()
}

/// The string literal at the start of `text`.
fn quoted(text: &str) -> Option<&str> {
    let text = text.trim_start();
    let quote = text
        .chars()
        .next()
        .filter(|c| matches!(c, '\'' | '"' | '`'))?;
    let rest = text.get(1..)?;
    rest.find(quote).and_then(|end| rest.get(..end))
}

#[cfg(test)]
#[path = "scan_tests.rs"]
mod tests;
