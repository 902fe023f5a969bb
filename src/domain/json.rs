//! JSON objects read with every key at most once, at every depth.
//!
//! With two `client_id`s, or two `aud`s in a token, which one a parser keeps differs
//! between implementations (serde_json keeps the last), and an attacker could exploit
//! that gap; such objects are refused instead, nested ones included (a role rule or a
//! mapping may read `claims.org.id` as well as `aud`).

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
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
            if map.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "`{}` is given more than once",
                    super::truncate(&key)
                )));
            }
            let value = access.next_value_seed(UniqueValue)?;
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

    #[test]
    fn a_key_repeated_in_a_nested_object_is_refused_at_any_depth() {
        for bad in [
            &br#"{"org":{"id":"a","id":"b"}}"#[..],
            br#"{"groups":[{"name":"x"},{"name":"y","name":"admins"}]}"#,
            br#"{"a":[[{"b":{"c":1,"c":2}}]]}"#,
        ] {
            let error = object_with_unique_keys(bad).expect_err("refused");
            assert_eq!(error.classify(), serde_json::error::Category::Data);
            assert!(error.to_string().contains("more than once"), "{error}");
        }
    }

    #[test]
    fn every_json_value_reads_as_serde_json_reads_it() {
        let text = br#"{"s":"\u00e9\n","n":[1,-2,3.5,1e300,18446744073709551615,-9223372036854775808],"b":[true,false,null],"o":{"x":{}},"e":[]}"#;
        let ours = object_with_unique_keys(text).unwrap();
        let theirs: Map<String, Value> = serde_json::from_slice(text).unwrap();
        assert_eq!(ours, theirs);
        // Nesting is bounded as for any serde_json parse.
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(object_with_unique_keys(deep.as_bytes()).is_err());
    }
}
