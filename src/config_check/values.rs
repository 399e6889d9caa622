//! What a value means under its declared type, and the measures the rules take of it (length,
//! entropy, credentials inside a URL). Pure; no message here contains the value.

use super::schema::{Type, Variable};
use std::collections::HashMap;

/// A value read as its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    Text,
    Int(i64),
    Bool(bool),
    Url(reqwest::Url),
    List(Vec<String>),
    Duration,
}

/// Reads `value` as the variable's type; the error says what was expected, never the value.
pub fn typed(variable: &Variable, value: &str) -> Result<Typed, String> {
    match variable.kind {
        Type::String => Ok(Typed::Text),
        Type::Int => value
            .trim()
            .parse::<i64>()
            .map(Typed::Int)
            .map_err(|_| "is not a whole number".to_string()),
        Type::Bool => match crate::inputs::boolean(value) {
            Ok(Some(b)) => Ok(Typed::Bool(b)),
            _ => Err("is not a boolean (true/false, on/off, yes/no, 1/0)".to_string()),
        },
        Type::Url => reqwest::Url::parse(value.trim())
            .map(Typed::Url)
            .map_err(|e| format!("is not a URL ({e})")),
        Type::List => Ok(Typed::List(list(value))),
        Type::Enum if variable.values.iter().any(|v| v == value.trim()) => Ok(Typed::Text),
        Type::Enum => Err(format!("is not one of {}", variable.values.join(", "))),
        Type::Duration => crate::inputs::duration(value)
            .map(|_| Typed::Duration)
            .map_err(|_| "is not a duration such as 500ms, 30s, 10m or 1h30m".to_string()),
    }
}

/// Comma-separated items, trimmed, empty ones dropped.
pub fn list(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(str::trim)
        .filter(|i| !i.is_empty())
        .map(str::to_string)
        .collect()
}

/// Whether two values of the variable's type mean the same: booleans and numbers by meaning,
/// everything else as written (trimmed).
pub fn same(variable: &Variable, a: &str, b: &str) -> bool {
    match (typed(variable, a), typed(variable, b)) {
        (Ok(Typed::Bool(x)), Ok(Typed::Bool(y))) => x == y,
        (Ok(Typed::Int(x)), Ok(Typed::Int(y))) => x == y,
        (Ok(Typed::List(x)), Ok(Typed::List(y))) => x == y,
        _ => a.trim() == b.trim(),
    }
}

/// An estimate of the bits of entropy: the length times the Shannon entropy of the value's own
/// character frequencies. `aaaa…` scores 0; 32 random hex digits about 115; 48 random base64
/// characters about 240.
pub fn entropy_bits(value: &str) -> f64 {
    let mut counts: HashMap<char, usize> = HashMap::new();
    let mut total = 0usize;
    for c in value.chars() {
        *counts.entry(c).or_default() += 1;
        total += 1;
    }
    if total == 0 {
        return 0.0;
    }
    let n = total as f64;
    let per_char: f64 = counts
        .values()
        .map(|&k| {
            let p = k as f64 / n;
            -p * p.log2()
        })
        .sum();
    per_char * n
}

/// User names and passwords that installers, images and tutorials ship with.
pub const DEFAULT_CREDENTIALS: &[(&str, &str)] = &[
    ("postgres", "postgres"),
    ("postgres", "password"),
    ("root", "root"),
    ("root", "password"),
    ("root", ""),
    ("admin", "admin"),
    ("admin", "password"),
    ("user", "password"),
    ("guest", "guest"),
    ("mysql", "mysql"),
    ("sa", "sa"),
    ("test", "test"),
];

/// Passwords that are defaults whatever the user name.
pub const DEFAULT_PASSWORDS: &[&str] = &["password", "changeme", "secret", "example"];

/// The decoded `user` and `password` of a URL's user info, when it has a user.
pub fn credentials(url: &reqwest::Url) -> Option<(String, String)> {
    let decode = |v: &str| {
        percent_encoding::percent_decode_str(v)
            .decode_utf8_lossy()
            .into_owned()
    };
    if url.username().is_empty() && url.password().is_none() {
        return None;
    }
    Some((
        decode(url.username()),
        decode(url.password().unwrap_or_default()),
    ))
}

/// Whether the credentials are a well-known default pair or password.
pub fn is_default_credential(user: &str, password: &str) -> bool {
    DEFAULT_CREDENTIALS
        .iter()
        .any(|(u, p)| u.eq_ignore_ascii_case(user) && *p == password)
        || DEFAULT_PASSWORDS
            .iter()
            .any(|p| p.eq_ignore_ascii_case(password))
}

/// Whether `value` is one the schema forbids: for a list, any item; for a URL, the whole URL,
/// its `user:password` or its password; otherwise the whole value (each trimmed, any case).
pub fn is_forbidden(variable: &Variable, value: &str, forbidden: &str) -> bool {
    let eq = |a: &str| a.trim().eq_ignore_ascii_case(forbidden.trim());
    match typed(variable, value) {
        Ok(Typed::List(items)) => items.iter().any(|i| eq(i)),
        Ok(Typed::Url(url)) => {
            eq(value)
                || credentials(&url)
                    .is_some_and(|(u, p)| eq(&format!("{u}:{p}")) || (!p.is_empty() && eq(&p)))
        }
        _ => eq(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_ranks_repetition_below_randomness() {
        assert_eq!(entropy_bits(""), 0.0);
        assert_eq!(entropy_bits("aaaaaaaaaaaaaaaa"), 0.0);
        assert!((entropy_bits("abcd") - 8.0).abs() < 1e-9);
        let hex = "3f9a1c07be5d42e8a6f1093c7d2b5e84";
        assert!(entropy_bits(hex) > 100.0, "{}", entropy_bits(hex));
        assert!(entropy_bits("changemechangemechangemechangeme") < 100.0);
    }

    #[test]
    fn credentials_are_decoded_from_the_user_info() {
        let url = reqwest::Url::parse("postgres://postgres:postgres@db:5432/app").unwrap();
        let (u, p) = credentials(&url).unwrap();
        assert!(is_default_credential(&u, &p));
        let url = reqwest::Url::parse("postgres://app:s%40fe-Pass1@db/app").unwrap();
        assert_eq!(credentials(&url).unwrap().1, "s@fe-Pass1");
        assert!(!is_default_credential("app", "s@fe-Pass1"));
        assert!(is_default_credential("anyone", "ChangeMe"));
        let none = reqwest::Url::parse("redis://cache:6379").unwrap();
        assert_eq!(credentials(&none), None);
    }
}
