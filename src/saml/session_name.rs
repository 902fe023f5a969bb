//! The `RoleSessionName` AWS requires: `[A-Za-z0-9_+=,.@-]{2,64}`. It appears in the
//! assumed-role ARN and CloudTrail, so it is derived from the user and always valid.

use serde_json::{Map, Value};

/// Longest session name AWS accepts.
const MAX_LEN: usize = 64;
/// Shortest session name AWS accepts.
const MIN_LEN: usize = 2;

/// Whether AWS allows `c` in a role session name (and in a source identity).
pub(crate) fn is_session_name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '+' | '=' | ',' | '.' | '@' | '-')
}

/// Turns any text into a session name AWS accepts: each character outside
/// `[A-Za-z0-9_+=,.@-]` becomes one `-` (so `Zoë` gives `Zo-`), the result is cut to 64
/// characters, and a result shorter than 2 is padded with `_` (`""` gives `__`, `"a"`
/// gives `a_`); `_` marks padding, `-` marks replaced characters.
pub fn session_name(raw: &str) -> String {
    let mut name: String = raw
        .chars()
        .map(|c| if is_session_name_char(c) { c } else { '-' })
        .take(MAX_LEN)
        .collect();
    // Every character is ASCII now, so the byte length is the character count.
    while name.len() < MIN_LEN {
        name.push('_');
    }
    name
}

/// The session name used when rules set none (Auth0's order): the first non-blank of the
/// user's `nickname`, `name`, the local part of `email`, and `user_id`, trimmed and made
/// valid with [`session_name`]. Non-string properties are skipped.
pub fn default_session_name(user: &Map<String, Value>) -> String {
    let text = |key: &str| user.get(key).and_then(Value::as_str);
    let email_local_part = text("email").map(|email| match email.rsplit_once('@') {
        Some((local, _)) => local,
        None => email,
    });
    let candidate = [
        text("nickname"),
        text("name"),
        email_local_part,
        text("user_id"),
    ]
    .into_iter()
    .flatten()
    .map(str::trim)
    .find(|candidate| !candidate.is_empty())
    .unwrap_or_default();
    session_name(candidate)
}

#[cfg(test)]
#[path = "session_name_tests.rs"]
mod tests;
