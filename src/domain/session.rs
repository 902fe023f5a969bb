//! What AWS allows in session tags, and the inline session policy templated from claims.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::{Map, Value};

use super::claims::{lookup, scalar_text};

/// At most this many session tags per session.
pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_KEY_CHARS: usize = 128;
pub const MAX_TAG_VALUE_CHARS: usize = 256;
/// AWS's limit on an inline session policy's text.
pub const MAX_POLICY_CHARS: usize = 2048;
/// AWS's limit on managed session policy ARNs.
pub const MAX_POLICY_ARNS: usize = 10;

/// Characters AWS allows in session tag keys and values: letters, separators (spaces),
/// numbers, and `_ . : / = + - @`.
static TAG_TEXT: LazyLock<Option<Regex>> =
    LazyLock::new(|| Regex::new(r"^[\p{L}\p{Z}\p{N}_.:/=+\-@]*$").ok());

/// Whether `text` holds only characters AWS allows in a session tag key or value.
pub fn is_tag_text(text: &str) -> bool {
    // The pattern is a constant; were it ever refused, every tag is refused too.
    TAG_TEXT.as_ref().is_some_and(|re| re.is_match(text))
}

/// Why a tag key cannot be used.
pub fn tag_key_problem(key: &str) -> Option<&'static str> {
    let chars = key.chars().count();
    if chars == 0 || chars > MAX_TAG_KEY_CHARS {
        Some("must be 1 to 128 characters")
    } else if !is_tag_text(key) {
        Some("may hold only letters, spaces, numbers and _ . : / = + - @")
    } else if super::starts_with_ignore_ascii_case(key, "aws:") {
        Some("must not start with \"aws:\"")
    } else {
        None
    }
}

/// Why a tag value cannot be used.
pub fn tag_value_problem(value: &str) -> Option<&'static str> {
    if value.chars().count() > MAX_TAG_VALUE_CHARS {
        Some("is longer than 256 characters")
    } else if !is_tag_text(value) {
        Some(
            "holds characters a tag value cannot: only letters, spaces, numbers and _ . : / = + - @ are allowed",
        )
    } else {
        None
    }
}

/// The value of a claim as a tag: text for a scalar; the items joined with `:` for an
/// array of scalars (the delimiter AWS suggests for several values in one tag); `None`
/// for an object or a nested array.
pub fn tag_value_of(value: &Value) -> Option<String> {
    match value {
        Value::Array(items) => items
            .iter()
            .map(scalar_text)
            .collect::<Option<Vec<_>>>()
            .map(|items| items.join(":")),
        other => scalar_text(other),
    }
}

/// Why a session policy could not be rendered for a user; the text names the claim.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyError {
    #[error("the session policy uses claim `{0}`, which the id_token does not have")]
    Missing(String),
    #[error("the session policy uses claim `{0}`, which is not a string, number or boolean")]
    NotText(String),
    #[error(
        "the value of claim `{claim}` holds `{character}`, which the session policy does not accept from a claim (it could widen the policy)"
    )]
    Forbidden { claim: String, character: char },
    #[error("the session policy would be {0} characters; AWS accepts at most 2048")]
    TooLong(usize),
}

/// An inline session policy with `${claims.NAME}` placeholders in its string values.
#[derive(Debug, Clone)]
pub struct PolicyTemplate {
    document: Value,
    forbidden: Vec<char>,
}

const OPEN: &str = "${claims.";

impl PolicyTemplate {
    /// Parses the template (it must be a JSON object) and checks that, rendered with a
    /// short sample for every placeholder, it fits AWS's limit. `forbidden` are the
    /// characters refused in claim values; `$`, `{` and `}` always are (a claim must not
    /// bring in an IAM policy variable).
    pub fn parse(text: &str, forbidden: &str) -> Result<Self, String> {
        let document: Value =
            serde_json::from_str(text).map_err(|e| format!("is not JSON: {e}"))?;
        if !document.is_object() {
            return Err("must be a JSON object (a policy document)".into());
        }
        let mut forbidden: Vec<char> = forbidden.chars().collect();
        forbidden.extend(['$', '{', '}']);
        let template = Self {
            document,
            forbidden,
        };
        let mut names = Vec::new();
        collect_placeholders(&template.document, &mut names)?;
        let sample = |_: &str| Ok("sample".to_owned());
        template.render_with(&sample).map_err(|e| match e {
            PolicyError::TooLong(n) => {
                format!("is {n} characters with sample values; AWS accepts at most 2048")
            }
            other => other.to_string(),
        })?;
        Ok(template)
    }

    /// The length of the policy rendered with `sample` for every placeholder.
    pub fn sample_length(&self) -> usize {
        let sample = |_: &str| Ok("sample".to_owned());
        self.render_with(&sample)
            .map_or(0, |text| text.chars().count())
    }

    /// The policy for `user`, as compact JSON.
    pub fn render(&self, user: &Map<String, Value>) -> Result<String, PolicyError> {
        let value_of = |claim: &str| {
            let value = lookup(user, claim).ok_or_else(|| PolicyError::Missing(claim.into()))?;
            let text = scalar_text(value).ok_or_else(|| PolicyError::NotText(claim.into()))?;
            if let Some(character) = text.chars().find(|c| self.forbidden.contains(c)) {
                return Err(PolicyError::Forbidden {
                    claim: claim.into(),
                    character,
                });
            }
            Ok(text)
        };
        self.render_with(&value_of)
    }

    fn render_with(
        &self,
        value_of: &dyn Fn(&str) -> Result<String, PolicyError>,
    ) -> Result<String, PolicyError> {
        let rendered = substitute(&self.document, value_of)?;
        // The values go in as JSON string content, so serialisation escapes them.
        let text = rendered.to_string();
        let chars = text.chars().count();
        if chars > MAX_POLICY_CHARS {
            return Err(PolicyError::TooLong(chars));
        }
        Ok(text)
    }
}

fn collect_placeholders(value: &Value, names: &mut Vec<String>) -> Result<(), String> {
    match value {
        Value::String(text) => {
            let mut rest = text.as_str();
            while let Some((_, after)) = rest.split_once(OPEN) {
                let (name, next) = after
                    .split_once('}')
                    .ok_or_else(|| format!("has an unclosed placeholder in `{text}`"))?;
                if name.is_empty() {
                    return Err("has an empty ${claims.} placeholder".into());
                }
                names.push(name.to_owned());
                rest = next;
            }
            Ok(())
        }
        Value::Array(items) => items
            .iter()
            .try_for_each(|v| collect_placeholders(v, names)),
        Value::Object(map) => {
            if map.keys().any(|k| k.contains(OPEN)) {
                return Err("may hold placeholders only in values, not in keys".into());
            }
            map.values()
                .try_for_each(|v| collect_placeholders(v, names))
        }
        _ => Ok(()),
    }
}

fn substitute(
    value: &Value,
    value_of: &dyn Fn(&str) -> Result<String, PolicyError>,
) -> Result<Value, PolicyError> {
    Ok(match value {
        Value::String(text) if text.contains(OPEN) => {
            let mut out = String::with_capacity(text.len());
            let mut rest = text.as_str();
            while let Some((before, after)) = rest.split_once(OPEN) {
                out.push_str(before);
                // Placeholders were checked at load: each is closed.
                let (name, next) = after.split_once('}').unwrap_or((after, ""));
                out.push_str(&value_of(name)?);
                rest = next;
            }
            out.push_str(rest);
            Value::String(out)
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| substitute(v, value_of))
                .collect::<Result<_, _>>()?,
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), substitute(v, value_of)?)))
                .collect::<Result<_, PolicyError>>()?,
        ),
        other => other.clone(),
    })
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
