//! Scalar resolution, as yaml_serde resolves scalars (its `visit_scalar`), so that a document
//! reads the same through `from_str` and through the spanned tree: plain `null`/`~`/empty,
//! `true`/`false` in three spellings, integers (decimal without leading zeros, `0x`, `0o`,
//! `0b`), floats (`.inf`, `.nan`), and everything else, quoted or block, a string.

use super::node::Value;
use saphyr_parser::{ScalarStyle, Tag};
use std::num::ParseIntError;

const CORE: &str = "tag:yaml.org,2002:";

/// The value of a scalar, or what is wrong with it (a core tag its text does not fit).
pub(super) fn resolve(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let plain = style == ScalarStyle::Plain;
    let Some(tag) = tag else {
        return Ok(if plain {
            untagged(text)
        } else {
            Value::String(text.to_owned())
        });
    };
    let full = format!("{}{}", tag.handle, tag.suffix);
    let expected = |what: &str| format!("invalid value {text:?} for a tag {full}: expected {what}");
    match full.strip_prefix(CORE) {
        Some("bool") => parse_bool(text)
            .map(Value::Bool)
            .ok_or_else(|| expected("a boolean")),
        Some("int") => int(text).ok_or_else(|| expected("an integer")),
        Some("float") => parse_f64(text)
            .map(Value::Float)
            .ok_or_else(|| expected("a float")),
        Some("null") => parse_null(text)
            .then_some(Value::Null)
            .ok_or_else(|| expected("null")),
        // A local tag (`!thing`) on a plain scalar leaves it to be resolved as untagged.
        _ if full.starts_with('!') && plain => Ok(untagged(text)),
        _ => Ok(Value::String(text.to_owned())),
    }
}

fn untagged(text: &str) -> Value {
    if text.is_empty() || parse_null(text) {
        return Value::Null;
    }
    if let Some(b) = parse_bool(text) {
        return Value::Bool(b);
    }
    if let Some(i) = int(text) {
        return i;
    }
    if !digits_but_not_number(text)
        && let Some(f) = parse_f64(text)
    {
        return Value::Float(f);
    }
    Value::String(text.to_owned())
}

fn parse_null(text: &str) -> bool {
    matches!(text, "null" | "Null" | "NULL" | "~")
}

fn parse_bool(text: &str) -> Option<bool> {
    match text {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// An integer in yaml_serde's order (u64, i64, u128, i128); beyond `i64` a `Float`.
fn int(text: &str) -> Option<Value> {
    if let Some(u) = parse_unsigned(text, u64::from_str_radix) {
        return Some(i64::try_from(u).map_or(Value::Float(u as f64), Value::Int));
    }
    if let Some(i) = parse_negative(text, i64::from_str_radix) {
        return Some(Value::Int(i));
    }
    if let Some(u) = parse_unsigned(text, u128::from_str_radix) {
        return Some(Value::Float(u as f64));
    }
    parse_negative(text, i128::from_str_radix).map(|i| Value::Float(i as f64))
}

type Radix<T> = fn(&str, u32) -> Result<T, ParseIntError>;

const PREFIXES: [(&str, u32); 3] = [("0x", 16), ("0o", 8), ("0b", 2)];

fn parse_unsigned<T>(text: &str, from_str_radix: Radix<T>) -> Option<T> {
    let unpositive = text.strip_prefix('+').unwrap_or(text);
    for (prefix, radix) in PREFIXES {
        if let Some(rest) = unpositive.strip_prefix(prefix) {
            if rest.starts_with(['+', '-']) {
                return None;
            }
            if let Ok(int) = from_str_radix(rest, radix) {
                return Some(int);
            }
        }
    }
    if unpositive.starts_with(['+', '-']) || digits_but_not_number(text) {
        return None;
    }
    from_str_radix(unpositive, 10).ok()
}

fn parse_negative<T>(text: &str, from_str_radix: Radix<T>) -> Option<T> {
    for (prefix, radix) in PREFIXES {
        if let Some(rest) = text.strip_prefix('-').and_then(|t| t.strip_prefix(prefix))
            && let Ok(int) = from_str_radix(&format!("-{rest}"), radix)
        {
            return Some(int);
        }
    }
    if digits_but_not_number(text) {
        return None;
    }
    from_str_radix(text, 10).ok()
}

fn parse_f64(text: &str) -> Option<f64> {
    let unpositive = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return None,
        Some(rest) => rest,
        None => text,
    };
    if let ".inf" | ".Inf" | ".INF" = unpositive {
        return Some(f64::INFINITY);
    }
    if let "-.inf" | "-.Inf" | "-.INF" = text {
        return Some(f64::NEG_INFINITY);
    }
    if let ".nan" | ".NaN" | ".NAN" = text {
        return Some(f64::NAN);
    }
    unpositive.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Leading zeros followed by digits are a string in YAML 1.2 (`0755`, `007`).
fn digits_but_not_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}
