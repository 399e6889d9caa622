//! `${name}` variables: finding them in spec strings and replacing them. Pure.

use std::collections::BTreeMap;

/// The variables a string uses, in order of appearance.
pub fn names(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = after[..end].trim();
                if !name.is_empty() {
                    out.push(name.to_string());
                }
                rest = &after[end + 1..];
            }
            None => break,
        }
    }
    out
}

/// Replaces every `${name}` whose value `lookup` knows; others stay as written (the plan has
/// already refused specs with undefined variables).
pub fn interpolate(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('}') {
            Some(end) => {
                let name = after[..end].trim();
                match lookup(name) {
                    Some(value) => out.push_str(&value),
                    None => out.push_str(&rest[start..start + 2 + end + 1]),
                }
                rest = &after[end + 1..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Interpolates every string (and object key) inside a JSON value.
pub fn interpolate_json(
    value: &serde_json::Value,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::String(s) => Value::String(interpolate(s, lookup)),
        Value::Array(a) => Value::Array(a.iter().map(|v| interpolate_json(v, lookup)).collect()),
        Value::Object(o) => Value::Object(
            o.iter()
                .map(|(k, v)| (interpolate(k, lookup), interpolate_json(v, lookup)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// A step's `if:`: `left == right`, `left != right`, or one value that must be truthy.
enum Condition<'a> {
    Equals(&'a str, &'a str),
    Differs(&'a str, &'a str),
    Truthy(&'a str),
}

/// A side of a condition, trimmed and without the quotes around it.
fn operand(s: &str) -> &str {
    let s = s.trim();
    for q in ['"', '\''] {
        if let Some(inner) = s.strip_prefix(q).and_then(|r| r.strip_suffix(q)) {
            return inner;
        }
    }
    s
}

fn condition(text: &str) -> Condition<'_> {
    if let Some((l, r)) = text.split_once("==") {
        Condition::Equals(operand(l), operand(r))
    } else if let Some((l, r)) = text.split_once("!=") {
        Condition::Differs(operand(l), operand(r))
    } else {
        Condition::Truthy(operand(text))
    }
}

/// Checks an `if:` as written: it must use a variable, and each side must be there.
pub fn check_condition(text: &str) -> Result<(), String> {
    if names(text).is_empty() {
        return Err(format!("{text:?} uses no ${{variable}}"));
    }
    let sides_given = match condition(text) {
        Condition::Equals(l, r) | Condition::Differs(l, r) => {
            !l.is_empty() && !r.is_empty() && !r.contains("==") && !r.contains("!=")
        }
        Condition::Truthy(v) => !v.is_empty(),
    };
    if sides_given {
        Ok(())
    } else {
        Err(format!(
            "{text:?} is not `${{var}}`, `${{var}} == value` or `${{var}} != value`"
        ))
    }
}

/// Whether an `if:` holds once its variables are replaced. A lone value holds unless it is
/// empty or a false word (false, 0, no, off).
pub fn condition_holds(text: &str) -> bool {
    match condition(text) {
        Condition::Equals(l, r) => l == r,
        Condition::Differs(l, r) => l != r,
        Condition::Truthy(v) => !v.is_empty() && crate::inputs::boolean(v) != Ok(Some(false)),
    }
}

/// Parses `name=value` lines (the `vars` and `secrets` inputs). Blank lines and `#` comments
/// are skipped; a line without `=` is an error naming its number.
pub fn parse_lines(text: &str, what: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        match trimmed.split_once('=') {
            Some((name, value)) if !name.trim().is_empty() => {
                out.insert(name.trim().to_string(), value.trim().to_string());
            }
            _ => {
                return Err(format!(
                    "{what} line {}: expected name=value (the value is not shown)",
                    i + 1
                ));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lookup(name: &str) -> Option<String> {
        match name {
            "id" => Some("42".into()),
            "user" => Some("ada".into()),
            _ => None,
        }
    }

    #[test]
    fn finds_names() {
        assert_eq!(names("/d/${id}/x/${ user }"), vec!["id", "user"]);
        assert!(names("no vars, $id, ${").is_empty());
    }

    #[test]
    fn replaces_known_and_keeps_unknown() {
        assert_eq!(
            interpolate("/d/${id}/${nope}/${user}", &lookup),
            "/d/42/${nope}/ada"
        );
        assert_eq!(interpolate("tail ${", &lookup), "tail ${");
    }

    #[test]
    fn json_strings_and_keys() {
        let v = serde_json::json!({"${user}": ["${id}", 1, {"a": "x${id}"}]});
        assert_eq!(
            interpolate_json(&v, &lookup),
            serde_json::json!({"ada": ["42", 1, {"a": "x42"}]})
        );
    }

    #[test]
    fn conditions() {
        assert!(check_condition("${region} == eu").is_ok());
        assert!(check_condition("eu == eu").is_err());
        assert!(check_condition("${region} ==").is_err());
        assert!(condition_holds("eu == 'eu'"));
        assert!(!condition_holds("us == eu"));
        assert!(condition_holds("us != eu"));
        assert!(condition_holds("yes"));
        assert!(!condition_holds("false"));
        assert!(!condition_holds(" "));
    }

    #[test]
    fn lines_input() {
        let m = parse_lines("a=1\n\n# c\n b = two=2 \n", "vars").unwrap();
        assert_eq!(m["a"], "1");
        assert_eq!(m["b"], "two=2");
        let e = parse_lines("token-without-equals", "secrets").unwrap_err();
        assert!(e.contains("line 1") && !e.contains("token-without"));
    }
}
