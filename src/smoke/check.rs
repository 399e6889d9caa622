//! Assertions and captures on what came back: an HTTP response or a WebSocket message. Pure.

use super::spec::{Capture, Cors, Expect, HeaderExpect, JsonAssert, JsonType, Predicate};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// How many characters of a body a failure message quotes.
pub const EXCERPT_CHARS: usize = 300;

/// An HTTP response or a WebSocket message, as the checks see it.
#[derive(Debug, Clone, Default)]
pub struct Observed {
    pub status: Option<u16>,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub latency: Duration,
    pub body: Vec<u8>,
    /// The body was longer than the read limit and was cut.
    pub truncated: bool,
}

impl Observed {
    pub fn header(&self, name: &str) -> Option<String> {
        let name = name.to_ascii_lowercase();
        let values: Vec<&str> = self
            .headers
            .iter()
            .filter(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn excerpt(&self) -> String {
        crate::http::excerpt(&self.body, EXCERPT_CHARS, self.truncated)
    }

    fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body)
            .map_err(|e| format!("the body is not JSON ({e}): {}", self.excerpt()))
    }
}

/// Headers whose values are credentials: never quoted.
pub fn is_sensitive_header(name: &str) -> bool {
    crate::http::is_credential_header(name)
}

/// Every expectation that does not hold, in words. Empty means the step passed.
pub fn check(expect: &Expect, got: &Observed) -> Vec<String> {
    let mut failures = Vec::new();
    if let (Some(want), Some(status)) = (&expect.status, got.status)
        && !want.allows(status)
    {
        failures.push(format!(
            "expected status {}, got {status}; body: {}",
            want.describe(),
            got.excerpt()
        ));
    }
    if let Some(max) = expect.latency
        && got.latency > max.0
    {
        failures.push(format!(
            "expected latency at most {}, took {}",
            human(max.0),
            human(got.latency)
        ));
    }
    for (name, want) in &expect.headers {
        let value = got.header(name);
        let shown = |v: &str| {
            if is_sensitive_header(name) {
                "<redacted>".to_string()
            } else {
                format!("{v:?}")
            }
        };
        let pred = match want {
            HeaderExpect::Equals(t) => Predicate {
                equals: Some(t.0.clone()),
                ..Default::default()
            },
            HeaderExpect::Predicate(p) => p.clone(),
        };
        if let Some(problem) = check_text(&pred, value.as_deref()) {
            let got = value
                .as_deref()
                .map(shown)
                .unwrap_or("no such header".into());
            failures.push(format!("header {name}: expected {problem}, got {got}"));
        }
    }
    if let Some(pred) = &expect.body {
        let text = got.text();
        if let Some(problem) = check_text(pred, Some(&text)) {
            failures.push(format!("body: expected {problem}, got {}", got.excerpt()));
        }
    }
    if !expect.json.is_empty() {
        match got.json() {
            Ok(json) => {
                for a in &expect.json {
                    if let Some(problem) = check_json(a, &json) {
                        failures.push(problem);
                    }
                }
            }
            Err(e) => failures.push(e),
        }
    }
    failures
}

/// The first check of a text predicate that fails, as "what was expected".
fn check_text(p: &Predicate, value: Option<&str>) -> Option<String> {
    if let Some(exists) = p.exists
        && exists != value.is_some()
    {
        return Some(
            if exists {
                "it to exist"
            } else {
                "it to be absent"
            }
            .into(),
        );
    }
    let needs_value = p.equals.is_some() || p.contains.is_some() || p.matches.is_some();
    let value = match value {
        Some(v) => v,
        None if needs_value => return Some(describe_predicate(p)),
        None => return None,
    };
    if let Some(want) = &p.equals
        && value != want
    {
        return Some(format!("equals {want:?}"));
    }
    if let Some(want) = &p.contains
        && !value.contains(want.as_str())
    {
        return Some(format!("contains {want:?}"));
    }
    if let Some(re) = &p.matches
        && !regex::Regex::new(re).is_ok_and(|r| r.is_match(value))
    {
        return Some(format!("matches /{re}/"));
    }
    None
}

fn describe_predicate(p: &Predicate) -> String {
    let mut parts = Vec::new();
    if let Some(w) = &p.equals {
        parts.push(format!("equals {w:?}"));
    }
    if let Some(w) = &p.contains {
        parts.push(format!("contains {w:?}"));
    }
    if let Some(w) = &p.matches {
        parts.push(format!("matches /{w}/"));
    }
    parts.join(" and ")
}

fn select(path: &str, json: &Value) -> Result<Vec<Value>, String> {
    let p = serde_json_path::JsonPath::parse(path)
        .map_err(|e| format!("{path}: invalid JSONPath: {e}"))?;
    Ok(p.query(json).all().into_iter().cloned().collect())
}

/// Checks one JSONPath assertion; None when it holds.
pub fn check_json(a: &JsonAssert, json: &Value) -> Option<String> {
    let nodes = match select(&a.path, json) {
        Ok(n) => n,
        Err(e) => return Some(e),
    };
    let path = &a.path;
    if let Some(exists) = a.exists
        && exists == nodes.is_empty()
    {
        return Some(if exists {
            format!("{path}: expected it to exist, it selects nothing")
        } else {
            format!(
                "{path}: expected nothing, got {}",
                show(&one_or_many(&nodes))
            )
        });
    }
    if let Some(count) = a.count
        && count != nodes.len()
    {
        return Some(format!(
            "{path}: expected {count} node(s), got {}",
            nodes.len()
        ));
    }
    let checks_value = a.equals.is_some()
        || a.not_equals.is_some()
        || a.kind.is_some()
        || a.contains.is_some()
        || a.matches.is_some()
        || a.lt.is_some()
        || a.le.is_some()
        || a.gt.is_some()
        || a.ge.is_some();
    if !checks_value {
        return None;
    }
    if nodes.is_empty() {
        return Some(format!("{path}: selects nothing"));
    }
    let got = one_or_many(&nodes);
    let fail = |what: String| Some(format!("{path}: expected {what}, got {}", show(&got)));
    if let Some(want) = &a.equals
        && !loose_eq(&got, want)
    {
        return fail(format!("equals {}", show(want)));
    }
    if let Some(want) = &a.not_equals
        && loose_eq(&got, want)
    {
        return fail(format!("not equal to {}", show(want)));
    }
    if let Some(kind) = a.kind
        && !has_type(&got, kind)
    {
        return fail(format!("type {kind:?}").to_lowercase());
    }
    if let Some(want) = &a.contains {
        let holds = match (&got, want) {
            (Value::String(s), Value::String(w)) => s.contains(w.as_str()),
            (Value::Array(items), w) => items.iter().any(|i| loose_eq(i, w)),
            (Value::Object(o), Value::String(k)) => o.contains_key(k),
            _ => false,
        };
        if !holds {
            return fail(format!("contains {}", show(want)));
        }
    }
    if let Some(re) = &a.matches {
        let text = match &got {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        if !regex::Regex::new(re).is_ok_and(|r| r.is_match(&text)) {
            return fail(format!("matches /{re}/"));
        }
    }
    let comparisons = [
        ("<", a.lt, (|x: f64, y: f64| x < y) as fn(f64, f64) -> bool),
        ("<=", a.le, |x, y| x <= y),
        (">", a.gt, |x, y| x > y),
        (">=", a.ge, |x, y| x >= y),
    ];
    for (op, bound, holds) in comparisons {
        if let Some(bound) = bound {
            match number(&got) {
                Some(n) if holds(n, bound) => {}
                _ => return fail(format!("{op} {bound}")),
            }
        }
    }
    None
}

fn one_or_many(nodes: &[Value]) -> Value {
    match nodes {
        [one] => one.clone(),
        many => Value::Array(many.to_vec()),
    }
}

fn number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Equality that forgives what YAML and variables do to types: `"42"` equals `42`.
pub fn loose_eq(got: &Value, want: &Value) -> bool {
    if got == want {
        return true;
    }
    match (got, want) {
        (Value::Number(a), Value::Number(b)) => a.as_f64() == b.as_f64(),
        (Value::String(s), other) | (other, Value::String(s)) => match other {
            Value::Number(_) | Value::Bool(_) | Value::Null => {
                let text = other.to_string();
                text.as_str() == s.as_str()
            }
            _ => false,
        },
        _ => false,
    }
}

fn has_type(v: &Value, kind: JsonType) -> bool {
    match kind {
        JsonType::String => v.is_string(),
        JsonType::Number => v.is_number(),
        JsonType::Integer => v.is_i64() || v.is_u64(),
        JsonType::Boolean => v.is_boolean(),
        JsonType::Object => v.is_object(),
        JsonType::Array => v.is_array(),
        JsonType::Null => v.is_null(),
    }
}

fn show(v: &Value) -> String {
    let text = v.to_string();
    crate::http::excerpt(text.as_bytes(), 120, false)
}

/// What a CORS preflight's answer says against what the step expects: the origin allowed
/// (`Access-Control-Allow-Origin` is it or `*`, with the method and headers asked for) or
/// refused.
pub fn cors(c: &Cors, got: &Observed) -> Vec<String> {
    let allow_origin = got.header("access-control-allow-origin");
    let shown = |v: &Option<String>| match v {
        Some(v) => format!("{v:?}"),
        None => "absent".to_string(),
    };
    let origin_ok = allow_origin
        .as_deref()
        .is_some_and(|a| a.trim() == c.origin || a.trim() == "*");
    if !c.allowed {
        return match origin_ok {
            true => vec![format!(
                "cors: expected origin {} to be refused, the service allows it (Access-Control-Allow-Origin {})",
                c.origin,
                shown(&allow_origin)
            )],
            false => Vec::new(),
        };
    }
    let mut failures = Vec::new();
    if !origin_ok {
        failures.push(format!(
            "cors: expected origin {} to be allowed, Access-Control-Allow-Origin is {}",
            c.origin,
            shown(&allow_origin)
        ));
    }
    let listed = |header: &str, want: &str| {
        got.header(header).is_some_and(|v| {
            v.split(',')
                .map(str::trim)
                .any(|m| m == "*" || m.eq_ignore_ascii_case(want))
        })
    };
    let method = c.method.as_deref().unwrap_or("GET").to_uppercase();
    // GET, HEAD and POST are CORS-safelisted: a server need not list them.
    if !["GET", "HEAD", "POST"].contains(&method.as_str())
        && !listed("access-control-allow-methods", &method)
    {
        failures.push(format!(
            "cors: expected method {method} to be allowed, Access-Control-Allow-Methods is {}",
            shown(&got.header("access-control-allow-methods"))
        ));
    }
    for h in &c.headers {
        if !listed("access-control-allow-headers", h) {
            failures.push(format!(
                "cors: expected header {h} to be allowed, Access-Control-Allow-Headers is {}",
                shown(&got.header("access-control-allow-headers"))
            ));
        }
    }
    failures
}

/// The `p`th percentile of sorted samples, by nearest rank (the smallest sample that at least
/// `p` percent of the samples do not exceed).
pub fn percentile(sorted: &[Duration], p: u8) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = (u64::from(p) * sorted.len() as u64).div_ceil(100).max(1) as usize;
    sorted[rank.min(sorted.len()) - 1]
}

/// The variables a step captures from what came back.
pub fn capture(
    captures: &BTreeMap<String, Capture>,
    got: &Observed,
) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut json: Option<Value> = None;
    for (name, c) in captures {
        let value = if let Some(path) = &c.json {
            if json.is_none() {
                json = Some(got.json().map_err(|e| format!("capture {name}: {e}"))?);
            }
            let nodes = select(path, json.as_ref().expect("parsed above"))?;
            match nodes.first() {
                Some(Value::String(s)) => s.clone(),
                Some(other) => other.to_string(),
                None => return Err(format!("capture {name}: {path} selects nothing")),
            }
        } else if let Some(header) = &c.header {
            got.header(header)
                .ok_or_else(|| format!("capture {name}: no header {header}"))?
        } else if let Some(re) = &c.regex {
            let re = regex::Regex::new(re).map_err(|e| format!("capture {name}: {e}"))?;
            let text = got.text();
            let caps = re
                .captures(&text)
                .ok_or_else(|| format!("capture {name}: /{re}/ does not match the body"))?;
            caps.get(1)
                .or_else(|| caps.get(0))
                .map(|m| m.as_str().to_string())
                .unwrap_or_default()
        } else {
            return Err(format!("capture {name}: nothing to capture from"));
        };
        if c.secret {
            crate::gha::secrets::register(&value);
        }
        out.insert(name.clone(), value);
    }
    Ok(out)
}

/// The version a `/version` answer reports: at `json_path`, else the first of `version`,
/// `commit`, `sha`, `revision`, `git_sha` in a JSON object, else the body as text.
pub fn reported_version(got: &Observed, json_path: Option<&str>) -> Option<String> {
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(path) = json_path {
        let json = got.json().ok()?;
        return select(path, &json).ok()?.first().and_then(text);
    }
    match got.json() {
        Ok(Value::Object(o)) => ["version", "commit", "sha", "revision", "git_sha"]
            .iter()
            .find_map(|k| o.get(*k).and_then(text)),
        Ok(v @ Value::String(_)) => text(&v),
        _ => {
            let body = got.text();
            let t = body.trim();
            (!t.is_empty() && t.len() <= 200 && !t.contains('\n')).then(|| t.to_string())
        }
    }
}

/// Same version: equal (ignoring case), or a short commit sha of a longer one. Only shas
/// abbreviate: both hexadecimal, the short one 7+ digits, the long one with a letter in it, so
/// that `release-1` is not `release-10` and the build number `2024061` not `20240612`.
pub fn versions_match(reported: &str, expected: &str) -> bool {
    let (a, b) = (reported.trim(), expected.trim());
    if a.eq_ignore_ascii_case(b) {
        return true;
    }
    let (short, long) = if a.len() < b.len() { (a, b) } else { (b, a) };
    let hex = |s: &str| s.bytes().all(|c| c.is_ascii_hexdigit());
    short.len() >= 7
        && hex(short)
        && hex(long)
        && long.bytes().any(|c| c.is_ascii_alphabetic())
        && long
            .to_ascii_lowercase()
            .starts_with(&short.to_ascii_lowercase())
}

pub fn human(d: Duration) -> String {
    if d < Duration::from_secs(1) {
        format!("{}ms", d.as_millis())
    } else {
        format!("{:.2}s", d.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::smoke::spec::{Dur, StatusSet, Text};
    use serde_json::json;

    fn observed(status: u16, body: &str) -> Observed {
        Observed {
            status: Some(status),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("set-cookie".into(), "session=abc".into()),
            ],
            latency: Duration::from_millis(20),
            body: body.as_bytes().to_vec(),
            truncated: false,
        }
    }

    fn assert_of(path: &str) -> JsonAssert {
        JsonAssert {
            path: path.into(),
            ..Default::default()
        }
    }

    #[test]
    fn status_latency_and_body_excerpt() {
        let expect = Expect {
            status: Some(StatusSet::Any(vec![200, 201])),
            latency: Some(Dur(Duration::from_millis(10))),
            ..Default::default()
        };
        let f = check(&expect, &observed(500, "boom"));
        assert_eq!(f.len(), 2);
        assert!(f[0].contains("expected status 200 or 201, got 500; body: boom"));
        assert!(f[1].contains("at most 10ms, took 20ms"));
    }

    #[test]
    fn headers_case_insensitive_and_cookies_never_quoted() {
        let mut expect = Expect::default();
        expect.headers.insert(
            "Content-Type".into(),
            HeaderExpect::Predicate(Predicate {
                contains: Some("json".into()),
                ..Default::default()
            }),
        );
        expect
            .headers
            .insert("Set-Cookie".into(), HeaderExpect::Equals(Text("x".into())));
        let f = check(&expect, &observed(200, "{}"));
        assert_eq!(f.len(), 1);
        assert!(
            f[0].contains("<redacted>") && !f[0].contains("abc"),
            "{f:?}"
        );
    }

    #[test]
    fn json_checks() {
        let body = json!({"id": 7, "title": "Draft", "tags": ["a", "b"], "ok": true, "n": "12"});
        let holds = |a: JsonAssert| check_json(&a, &body);
        assert_eq!(
            holds(JsonAssert {
                equals: Some(json!("7")),
                ..assert_of("$.id")
            }),
            None
        );
        assert_eq!(
            holds(JsonAssert {
                exists: Some(false),
                ..assert_of("$.nope")
            }),
            None
        );
        assert_eq!(
            holds(JsonAssert {
                kind: Some(JsonType::Integer),
                ..assert_of("$.id")
            }),
            None
        );
        assert_eq!(
            holds(JsonAssert {
                contains: Some(json!("b")),
                ..assert_of("$.tags")
            }),
            None
        );
        assert_eq!(
            holds(JsonAssert {
                matches: Some("^Dr".into()),
                ..assert_of("$.title")
            }),
            None
        );
        assert_eq!(
            holds(JsonAssert {
                gt: Some(10.0),
                le: Some(12.0),
                ..assert_of("$.n")
            }),
            None
        );
        assert_eq!(
            holds(JsonAssert {
                count: Some(2),
                ..assert_of("$.tags[*]")
            }),
            None
        );
        let e = holds(JsonAssert {
            equals: Some(json!("Final")),
            ..assert_of("$.title")
        })
        .unwrap();
        assert_eq!(e, "$.title: expected equals \"Final\", got \"Draft\"");
        let e = holds(JsonAssert {
            exists: Some(true),
            ..assert_of("$.missing")
        })
        .unwrap();
        assert!(e.contains("selects nothing"));
        let e = holds(JsonAssert {
            lt: Some(5.0),
            ..assert_of("$.id")
        })
        .unwrap();
        assert!(e.contains("expected < 5"));
        assert!(
            holds(JsonAssert {
                kind: Some(JsonType::String),
                ..assert_of("$.ok")
            })
            .is_some()
        );
    }

    #[test]
    fn not_json_is_one_failure_with_excerpt() {
        let expect = Expect {
            json: vec![JsonAssert {
                exists: Some(true),
                ..assert_of("$.id")
            }],
            ..Default::default()
        };
        let f = check(&expect, &observed(200, "<html>"));
        assert!(f[0].contains("not JSON") && f[0].contains("<html>"));
    }

    #[test]
    fn versions() {
        assert!(versions_match("0123456789abcdef", "0123456"));
        assert!(versions_match("0123456", "0123456789ABCDEF"));
        assert!(!versions_match("012345", "0123456789"));
        assert!(!versions_match("abcdef0", "0123456"));
        assert!(!versions_match("release-10", "release-1"));
        assert!(!versions_match("2024.06.12", "2024.06.1"));
        assert!(!versions_match("20240612", "2024061"));
        assert!(versions_match("Release-1", "release-1"));
        let v = |body: &str| reported_version(&observed(200, body), None);
        assert_eq!(
            v(r#"{"commit": "abc1234", "x": 1}"#).as_deref(),
            Some("abc1234")
        );
        assert_eq!(v("abc1234\n").as_deref(), Some("abc1234"));
        assert_eq!(
            reported_version(
                &observed(200, r#"{"build": {"sha": "f00"}}"#),
                Some("$.build.sha")
            )
            .as_deref(),
            Some("f00")
        );
    }

    #[test]
    fn percentiles_by_nearest_rank() {
        let ms = |v: &[u64]| {
            v.iter()
                .map(|m| Duration::from_millis(*m))
                .collect::<Vec<_>>()
        };
        let samples = ms(&(1..=20).collect::<Vec<_>>());
        assert_eq!(percentile(&samples, 50), Duration::from_millis(10));
        assert_eq!(percentile(&samples, 95), Duration::from_millis(19));
        assert_eq!(percentile(&samples, 99), Duration::from_millis(20));
        assert_eq!(percentile(&ms(&[7]), 95), Duration::from_millis(7));
        assert_eq!(percentile(&[], 95), Duration::ZERO);
    }

    #[test]
    fn cors_preflights() {
        let answer = |h: &[(&str, &str)]| Observed {
            status: Some(204),
            headers: h
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        };
        let c = Cors {
            origin: "https://app.test".into(),
            method: Some("PUT".into()),
            headers: vec!["X-Token".into()],
            allowed: true,
        };
        let ok = answer(&[
            ("access-control-allow-origin", "https://app.test"),
            ("access-control-allow-methods", "GET, PUT"),
            ("access-control-allow-headers", "x-token, content-type"),
        ]);
        assert!(cors(&c, &ok).is_empty());
        let f = cors(&c, &answer(&[]));
        assert_eq!(f.len(), 3, "{f:?}");
        assert!(f[0].contains("to be allowed, Access-Control-Allow-Origin is absent"));
        let refused = Cors {
            allowed: false,
            ..c
        };
        assert!(cors(&refused, &answer(&[])).is_empty());
        assert!(cors(&refused, &ok)[0].contains("to be refused"));
    }

    #[test]
    fn captures_from_json_header_and_regex() {
        let mut c = BTreeMap::new();
        c.insert(
            "id".into(),
            Capture {
                json: Some("$.id".into()),
                ..Default::default()
            },
        );
        c.insert(
            "ct".into(),
            Capture {
                header: Some("Content-Type".into()),
                ..Default::default()
            },
        );
        c.insert(
            "word".into(),
            Capture {
                regex: Some(r#""title":\s*"(\w+)""#.into()),
                ..Default::default()
            },
        );
        let got = capture(&c, &observed(200, r#"{"id": 7, "title": "Draft"}"#)).unwrap();
        assert_eq!(got["id"], "7");
        assert_eq!(got["ct"], "application/json");
        assert_eq!(got["word"], "Draft");
        c.insert(
            "x".into(),
            Capture {
                json: Some("$.x".into()),
                ..Default::default()
            },
        );
        assert!(
            capture(&c, &observed(200, "{}"))
                .unwrap_err()
                .contains("selects nothing")
        );
    }
}
