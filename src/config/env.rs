//! Environment overrides: `DELEGATION_<KEY>__<KEY>…=value` sets any key of the file. A
//! number as a segment picks an entry of an array of tables, so
//! `DELEGATION_ISSUERS__0__JWKS_URI` points the first `[[issuers]]` entry elsewhere.
//! Segments are lowercased, so keys of `[rules.configuration]` (case-sensitive) cannot be
//! overridden this way. Values are read as figment reads them: `true`, `42`, `1.5`,
//! `[a, b]`, or else text.

use figment::value::{Dict, Tag, Value};

/// The prefix of every override; `DELEGATION_CONFIG` and `DELEGATION_LOG` have no `__`
/// and are not keys.
const PREFIX: &str = "DELEGATION_";

/// Applies every override among `vars` to `tree`, in name order (so the result does not
/// depend on the environment's order). An override that cannot apply — an index past an
/// array's end, a key below a value that is not a table — is an error naming it.
pub(crate) fn apply(
    tree: &mut Dict,
    vars: impl IntoIterator<Item = (String, String)>,
) -> Result<(), String> {
    let mut overrides: Vec<(String, String)> = vars
        .into_iter()
        .filter(|(name, _)| name.starts_with(PREFIX) && name.contains("__"))
        .collect();
    overrides.sort();
    for (name, text) in overrides {
        let path: Vec<String> = name
            .get(PREFIX.len()..)
            .unwrap_or_default()
            .split("__")
            .map(str::to_ascii_lowercase)
            .collect();
        if path.iter().any(String::is_empty) {
            return Err(format!("{name}: an empty key between `__`"));
        }
        let value = text.parse::<Value>().unwrap_or(Value::from(text));
        set_in(tree, &path, value).map_err(|e| format!("{name}: {e}"))?;
    }
    Ok(())
}

fn set_in(dict: &mut Dict, path: &[String], value: Value) -> Result<(), String> {
    let Some((key, rest)) = path.split_first() else {
        return Ok(());
    };
    if rest.is_empty() {
        dict.insert(key.clone(), value);
        return Ok(());
    }
    let child = dict
        .entry(key.clone())
        .or_insert_with(|| Value::Dict(Tag::Default, Dict::new()));
    set_below(child, key, rest, value)
}

fn set_below(node: &mut Value, name: &str, path: &[String], value: Value) -> Result<(), String> {
    match node {
        Value::Dict(_, dict) => set_in(dict, path, value),
        Value::Array(_, items) => {
            let Some((index, rest)) = path.split_first() else {
                return Ok(());
            };
            let len = items.len();
            let at = index
                .parse::<usize>()
                .map_err(|_| format!("`{name}` is a list: name an entry by its number"))?;
            let item = items.get_mut(at).ok_or_else(|| {
                format!("`{name}` has {len} entries in the file; entry {at} does not exist")
            })?;
            if rest.is_empty() {
                *item = value;
                return Ok(());
            }
            set_below(item, &format!("{name}[{at}]"), rest, value)
        }
        _ => Err(format!("`{name}` is a single value, not a table")),
    }
}

#[cfg(test)]
#[path = "env_tests.rs"]
mod tests;
