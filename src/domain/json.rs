//! JSON objects read with every key at most once, at every depth.
//!
//! With two `client_id`s, or two `aud`s in a token, which one a parser keeps differs
//! between implementations (serde_json keeps the last), and an attacker could exploit
//! that gap; such objects are refused instead, nested ones included (a role rule or a
//! mapping may read `claims.org.id` as well as `aud`).

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Value};

/// Parses `bytes` as one JSON object in which no object, at any depth, names a key twice.
/// Anything else — another JSON value, trailing data, a repeated key — is an error;
/// [`serde_json::Error::classify`] tells data errors (`Data`) from syntax.
pub fn object_with_unique_keys(bytes: &[u8]) -> Result<Map<String, Value>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let map = de.deserialize_map(UniqueKeys)?;
    de.end()?;
    Ok(map)
}

/// Any JSON value whose objects repeat no key.
struct UniqueValue;

/// A JSON object visitor that refuses duplicate keys.
struct UniqueKeys;

impl<'de> DeserializeSeed<'de> for UniqueValue {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, de: D) -> Result<Value, D::Error> {
        de.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for UniqueValue {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element_seed(UniqueValue)? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, access: A) -> Result<Value, A::Error> {
        UniqueKeys.visit_map(access).map(Value::Object)
    }
}

impl<'de> Visitor<'de> for UniqueKeys {
    type Value = Map<String, Value>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            match map.entry(key) {
                Entry::Occupied(seen) => {
                    return Err(serde::de::Error::custom(format!(
                        "`{}` is given more than once",
                        super::truncate(seen.key())
                    )));
                }
                Entry::Vacant(slot) => {
                    slot.insert(access.next_value_seed(UniqueValue)?);
                }
            }
        }
        Ok(map)
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
