//! The engine's JSON reading: documents nested deeper than a documented limit
//! are refused before parsing (so neither parsing nor dropping a tree can
//! exhaust the stack), and floats keep NaN, ±inf and -0.0 exactly.

use crate::error::CausalError;
use serde::de::DeserializeOwned;

/// The deepest nesting of JSON arrays and objects any reader accepts.
pub const MAX_NESTING: usize = 10_000;

/// How deeply `text` nests arrays and objects (strings skipped).
pub fn nesting(text: &str) -> usize {
    let (mut depth, mut deepest) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for b in text.bytes() {
        if in_string {
            match (escaped, b) {
                (true, _) => escaped = false,
                (false, b'\\') => escaped = true,
                (false, b'"') => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    deepest
}

/// Parses `text` as `T`; `what` names the document in errors.
pub fn from_str<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, CausalError> {
    let depth = nesting(text);
    if depth > MAX_NESTING {
        return Err(CausalError::TooDeep {
            what: "JSON document",
            depth,
            limit: MAX_NESTING,
        });
    }
    let mut de = serde_json::Deserializer::from_str(text);
    de.disable_recursion_limit();
    let de = serde_stacker::Deserializer::new(&mut de);
    let value = T::deserialize(de).map_err(|e| CausalError::Serialization {
        message: format!("{what}: {e}"),
    })?;
    Ok(value)
}

/// Serde for an `f64` that may be NaN or infinite: finite numbers as JSON
/// numbers, the others as the strings "NaN", "inf" and "-inf".
pub mod float {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            s.serialize_f64(*x)
        } else if x.is_nan() {
            s.serialize_str("NaN")
        } else if *x > 0.0 {
            s.serialize_str("inf")
        } else {
            s.serialize_str("-inf")
        }
    }

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Repr {
        Num(f64),
        Text(String),
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Repr::deserialize(d)? {
            Repr::Num(x) => Ok(x),
            Repr::Text(t) => parse(&t).ok_or_else(|| {
                serde::de::Error::custom(format!("{t:?} is not a number (NaN, inf, -inf)"))
            }),
        }
    }

    pub fn parse(t: &str) -> Option<f64> {
        match t {
            "NaN" | "nan" => Some(f64::NAN),
            "inf" | "Infinity" | "+inf" => Some(f64::INFINITY),
            "-inf" | "-Infinity" => Some(f64::NEG_INFINITY),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nesting_skips_strings() {
        assert_eq!(nesting(r#"{"a": ["[[[", {"b": 1}]}"#), 3);
    }

    #[test]
    fn too_deep_documents_are_refused_before_parsing() {
        let text = "[".repeat(MAX_NESTING + 1) + &"]".repeat(MAX_NESTING + 1);
        let err = from_str::<serde_json::Value>(&text, "test").err();
        assert!(matches!(err, Some(CausalError::TooDeep { .. })));
    }
}
