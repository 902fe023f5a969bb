//! JSON objects read with every key at most once.
//!
//! With two `client_id`s, or two `aud`s in a token, which one a parser keeps differs
//! between implementations (serde_json keeps the last), and an attacker could exploit
//! that gap; such objects are refused instead.

use std::fmt;

use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `bytes` as one JSON object whose keys are all distinct (nested values are
/// taken as they come). Anything else — another JSON value, trailing data, a repeated
/// key — is an error; [`serde_json::Error::classify`] tells data errors (`Data`) from
/// syntax.
pub fn object_with_unique_keys(bytes: &[u8]) -> Result<Map<String, Value>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let map = de.deserialize_map(UniqueKeys)?;
    de.end()?;
    Ok(map)
}

/// A JSON object visitor that refuses duplicate keys.
struct UniqueKeys;

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some((key, value)) = access.next_entry::<String, Value>()? {
            if map.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "`{}` is given more than once",
                    super::truncate(&key)
                )));
            }
            map.insert(key, value);
        }
        Ok(map)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objects_with_a_repeated_key_are_refused() {
        let one = object_with_unique_keys(br#"{"a":1,"b":{"a":2}}"#);
        assert_eq!(one.ok().map(|m| m.len()), Some(2));
        for bad in [
            &br#"{"a":1,"a":1}"#[..],
            br#"{"aud":"x","b":0,"aud":"y"}"#,
            br#"[1]"#,
            br#"{"a":1} {}"#,
            b"",
        ] {
            assert!(object_with_unique_keys(bad).is_err(), "{bad:?}");
        }
        // Callers tell a repeated key or a non-object (data) from broken JSON (syntax).
        let kind = |bytes: &[u8]| object_with_unique_keys(bytes).err().map(|e| e.classify());
        assert_eq!(
            kind(br#"{"a":1,"a":2}"#),
            Some(serde_json::error::Category::Data)
        );
        assert_eq!(kind(b"[1]"), Some(serde_json::error::Category::Data));
        assert_eq!(kind(br#"{"a":"#), Some(serde_json::error::Category::Eof));
        assert_eq!(
            kind(br#"{"a" 1}"#),
            Some(serde_json::error::Category::Syntax)
        );
    }
}
