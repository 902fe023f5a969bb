//! Reading a value a rule threw (or a promise rejected with) into a failure reason.

use rquickjs::Value;
use rquickjs::convert::Coerced;

use super::source::line_in_stack;

/// Longest error text kept from a rule (messages can be built from user data).
const MAX_REASON_CHARS: usize = 1024;

/// What a thrown or rejected value tells about the failure.
pub(super) enum Thrown {
    /// QuickJS's `InternalError: out of memory`, or the `null` it throws when it cannot
    /// even allocate that error.
    OutOfMemory,
    /// Anything else, described as `Name: message`, with the line in the rule's file when
    /// the stack has it.
    Value { text: String, line: Option<u32> },
}

impl Thrown {
    /// Reads a thrown value. Reading may run the value's getters (the deadline still holds).
    pub(super) fn examine(value: &Value<'_>, file: &str) -> Self {
        if value.is_null() {
            return Self::OutOfMemory;
        }
        let Some(object) = value.as_object() else {
            let text = value
                .get::<Coerced<String>>()
                .map_or_else(|_| "a value".to_owned(), |s| s.0);
            return Self::Value {
                text: truncate(text, MAX_REASON_CHARS),
                line: None,
            };
        };
        let name = object.get::<_, String>("name").ok();
        let message = object.get::<_, String>("message").ok();
        if value.is_error() && message.as_deref() == Some("out of memory") {
            return Self::OutOfMemory;
        }
        let line = object
            .get::<_, String>("stack")
            .ok()
            .and_then(|s| line_in_stack(&s, file));
        let text = match (name, message) {
            (Some(name), Some(message)) if !message.is_empty() => format!("{name}: {message}"),
            (Some(name), _) if value.is_error() => name,
            (_, Some(message)) if !message.is_empty() => message,
            _ => value
                .get::<Coerced<String>>()
                .map_or_else(|_| "an object".to_owned(), |s| s.0),
        };
        Self::Value {
            text: truncate(text, MAX_REASON_CHARS),
            line,
        }
    }

    /// The text for a failure reason, e.g. `TypeError: x is undefined (line 3)`.
    pub(super) fn text(self) -> String {
        match self {
            Self::OutOfMemory => "exceeded the memory limit".to_owned(),
            Self::Value {
                text,
                line: Some(line),
            } => format!("{text} (line {line})"),
            Self::Value { text, line: None } => text,
        }
    }
}

fn truncate(mut text: String, max_chars: usize) -> String {
    if let Some((cut, _)) = text.char_indices().nth(max_chars) {
        text.truncate(cut);
        text.push('…');
    }
    text
}

#[cfg(test)]
#[path = "thrown_tests.rs"]
mod tests;
