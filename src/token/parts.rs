//! A token's header and payload as JSON objects.

use super::Claims;

/// Why a part is not a JSON object with distinct keys.
pub(crate) enum JsonFault {
    Syntax,
    /// Valid JSON, but not an object, or an object with a repeated key.
    Shape,
}

/// A header or payload: one JSON object, each key at most once.
pub(crate) fn json_object(bytes: &[u8]) -> Result<Claims, JsonFault> {
    crate::domain::json::object_with_unique_keys(bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => JsonFault::Shape,
        _ => JsonFault::Syntax,
    })
}
