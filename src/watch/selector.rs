//! Selecting one version's series: explicit queries name the version with `{{version}}`;
//! the SLIs of an SLO file, written for the whole service, get a `<label>="<version>"` matcher
//! added to each of their vector selectors.

pub const PLACEHOLDER: &str = "{{version}}";

/// A value inside a PromQL double-quoted string.
fn quoted(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"")
}

/// Fills `{{version}}` (the caller writes the quotes around it).
pub fn fill(query: &str, version: &str) -> String {
    query
        .replace(PLACEHOLDER, &quoted(version))
        .replace("{{ version }}", &quoted(version))
}

pub fn has_placeholder(query: &str) -> bool {
    query.contains(PLACEHOLDER) || query.contains("{{ version }}")
}

/// Adds `label="version"` to every vector selector of `query`: inside each `{…}` matcher list
/// and, for a bare `metric[5m]`, as a new one. Returns None when the query has no selector it can
/// narrow (a bare `up`), since measuring the whole service as the new version would pass
/// anything. Braces inside strings (a regex `"5.{2}"`) are left alone.
pub fn narrow(query: &str, label: &str, version: &str) -> Option<String> {
    let matcher = format!("{label}=\"{}\"", quoted(version));
    let mut out = String::with_capacity(query.len() + 32);
    let mut added = 0;
    let mut quote: Option<char> = None;
    let mut chars = query.chars().peekable();
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            out.push(c);
            if c == '\\' && q != '`' {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '"' | '\'' | '`' => {
                quote = Some(c);
                out.push(c);
            }
            '{' => {
                out.push('{');
                out.push_str(&matcher);
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
                if chars.peek() != Some(&'}') {
                    out.push(',');
                }
                added += 1;
            }
            '[' if out.ends_with(|p: char| p.is_alphanumeric() || p == '_' || p == ':') => {
                out.push('{');
                out.push_str(&matcher);
                out.push_str("}[");
                added += 1;
            }
            _ => out.push(c),
        }
    }
    (added > 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn narrows_every_selector() {
        assert_eq!(
            narrow(
                r#"sum(rate(http_requests_total{code=~"5.{2}"}[5m])) / sum(rate(http_requests_total[5m]))"#,
                "version",
                "v2"
            )
            .unwrap(),
            r#"sum(rate(http_requests_total{version="v2",code=~"5.{2}"}[5m])) / sum(rate(http_requests_total{version="v2"}[5m]))"#
        );
        assert_eq!(
            narrow("rate(x{ }[1m])", "app_version", "1.2").unwrap(),
            r#"rate(x{app_version="1.2"}[1m])"#
        );
        // A subquery's range follows a parenthesis: not a selector.
        assert_eq!(
            narrow("max_over_time((x{a=\"b\"})[5m:1m])", "v", "1").unwrap(),
            "max_over_time((x{v=\"1\",a=\"b\"})[5m:1m])"
        );
    }

    #[test]
    fn refuses_what_it_cannot_narrow_and_quotes_the_version() {
        assert_eq!(narrow("sum(up)", "version", "v2"), None);
        assert_eq!(
            narrow("x[1m]", "version", "a\"b").unwrap(),
            r#"x{version="a\"b"}[1m]"#
        );
        assert_eq!(
            fill(r#"x{version="{{version}}"}"#, r"a\b"),
            r#"x{version="a\\b"}"#
        );
    }
}
