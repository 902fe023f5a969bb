//! auth0-deploy-cli's keyword placeholders: `@@KEY@@` becomes the value as a JSON string
//! (quotes around the placeholder are taken with it),
//! `##KEY##` the value's text as it is. A placeholder no `--keyword` gives a value is an
//! error naming it, never written out.

use std::collections::BTreeMap;

/// `KEY=VALUE` pairs from `--keyword`.
pub type Keywords = BTreeMap<String, String>;

/// `text` with every placeholder replaced; `Err` lists those without a value.
pub fn replace(text: &str, keywords: &Keywords) -> Result<String, Vec<String>> {
    let text = replace_json(text, keywords);
    let mut out = String::with_capacity(text.len());
    let mut missing = Vec::new();
    let mut rest = text.as_str();
    while let Some((before, name, after)) = placeholder(rest, "##") {
        out.push_str(before);
        match keywords.get(name) {
            Some(value) => out.push_str(value),
            None => {
                missing.push(format!("##{name}##"));
                out.push_str(&format!("##{name}##"));
            }
        }
        rest = after;
    }
    out.push_str(rest);
    let mut scan = out.as_str();
    while let Some((_, name, after)) = placeholder(scan, "@@") {
        missing.push(format!("@@{name}@@"));
        scan = after;
    }
    if missing.is_empty() {
        Ok(out)
    } else {
        Err(missing)
    }
}

/// Replaces each `@@KEY@@` with a value, taking quotes right around it along.
fn replace_json(text: &str, keywords: &Keywords) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some((before, name, after)) = placeholder(rest, "@@") {
        let Some(value) = keywords.get(name) else {
            out.push_str(before);
            out.push_str(&format!("@@{name}@@"));
            rest = after;
            continue;
        };
        // deploy-cli writes the value JSON-encoded; a --keyword value is text.
        let json = serde_json::Value::String(value.clone()).to_string();
        let quoted = ['"', '\'']
            .into_iter()
            .find_map(|q| Some((before.strip_suffix(q)?, after.strip_prefix(q)?)));
        let (before, after) = quoted.unwrap_or((before, after));
        out.push_str(before);
        out.push_str(&json);
        rest = after;
    }
    out.push_str(rest);
    out
}

/// The first `<mark>NAME<mark>` with NAME of letters, digits and `_`: (before, NAME, after).
fn placeholder<'t>(text: &'t str, mark: &str) -> Option<(&'t str, &'t str, &'t str)> {
    let mut from = 0;
    while let Some(start) = text.get(from..)?.find(mark).map(|i| i + from) {
        let name_start = start + mark.len();
        let tail = text.get(name_start..)?;
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        if len > 0 && tail.get(len..)?.starts_with(mark) {
            let before = text.get(..start)?;
            let name = tail.get(..len)?;
            let after = tail.get(len + mark.len()..)?;
            return Some((before, name, after));
        }
        from = name_start;
    }
    None
}

#[cfg(test)]
#[path = "keywords_tests.rs"]
mod tests;
