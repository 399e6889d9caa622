//! Registry authentication challenges (`WWW-Authenticate`, RFC 7235) and token answers, as Docker
//! Hub, GHCR and the distribution server send them, and which realms may receive credentials.
//! Pure.

use std::collections::BTreeMap;

/// One challenge: a scheme (lower-cased) and its parameters (names lower-cased).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    pub scheme: String,
    pub params: BTreeMap<String, String>,
}

impl Challenge {
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }
}

/// Parses a `WWW-Authenticate` value into its challenges, e.g.
/// `Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:o/a:pull"`.
/// Parameters without a scheme before them, and token68 values, are skipped.
pub fn parse_challenges(header: &str) -> Vec<Challenge> {
    let mut out: Vec<Challenge> = Vec::new();
    let mut rest = header.trim_start();
    while !rest.is_empty() {
        rest = rest.trim_start_matches([' ', '\t', ',']);
        if rest.is_empty() {
            break;
        }
        let token_len = rest.find([' ', '\t', ',', '=']).unwrap_or(rest.len());
        let token = &rest[..token_len];
        let after = rest[token_len..].trim_start_matches([' ', '\t']);
        if let Some(value_part) = after.strip_prefix('=') {
            // A parameter of the current challenge (or of none, which is skipped).
            let value_part = value_part.trim_start_matches([' ', '\t']);
            let (value, remaining) = read_value(value_part);
            if let Some(current) = out.last_mut() {
                current.params.insert(token.to_ascii_lowercase(), value);
            }
            rest = remaining;
        } else {
            out.push(Challenge {
                scheme: token.to_ascii_lowercase(),
                params: BTreeMap::new(),
            });
            rest = after;
        }
    }
    out
}

/// A quoted string (with `\` escapes) or a token, and what follows it.
fn read_value(input: &str) -> (String, &str) {
    if let Some(quoted) = input.strip_prefix('"') {
        let mut value = String::new();
        let mut chars = quoted.char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '\\' => {
                    if let Some((_, escaped)) = chars.next() {
                        value.push(escaped);
                    }
                }
                '"' => return (value, &quoted[i + 1..]),
                other => value.push(other),
            }
        }
        (value, "")
    } else {
        let end = input.find([',', ' ', '\t']).unwrap_or(input.len());
        (input[..end].to_string(), &input[end..])
    }
}

/// The scope a request needs when the challenge names none: pull for reads, pull and push for
/// writes (Docker Hub and GHCR grant the subset the credentials allow).
pub fn default_scope(repository: &str, push: bool) -> String {
    let actions = if push { "pull,push" } else { "pull" };
    format!("repository:{repository}:{actions}")
}

/// Refuses a token realm that would carry the credentials in clear: it must be https, unless the
/// registry itself is plain http (a loopback registry).
pub fn check_realm(realm: &reqwest::Url, registry_scheme: &str) -> Result<(), String> {
    let shown = crate::http::redacted_url(realm);
    match realm.scheme() {
        "https" => Ok(()),
        "http" if registry_scheme == "http" => Ok(()),
        _ => Err(format!(
            "the registry sends for a token to {shown}, which is not https: the credentials would travel in clear, so none are sent"
        )),
    }
}

/// The token in a token endpoint's JSON answer: `token`, or OAuth2's `access_token`.
pub fn token_from_answer(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    ["token", "access_token"]
        .iter()
        .filter_map(|k| value.get(k).and_then(serde_json::Value::as_str))
        .find(|t| !t.is_empty())
        .map(str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn docker_hub_bearer_challenge() {
        let c = parse_challenges(
            r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull""#,
        );
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].scheme, "bearer");
        assert_eq!(c[0].param("realm"), Some("https://auth.docker.io/token"));
        assert_eq!(c[0].param("service"), Some("registry.docker.io"));
        assert_eq!(c[0].param("scope"), Some("repository:library/nginx:pull"));
    }

    #[test]
    fn scopes_with_commas_errors_and_escapes() {
        let c = parse_challenges(
            r#"Bearer realm="https://ghcr.io/token", service="ghcr.io", scope="repository:o/a:pull,push", error="insufficient_scope", x="a\"b""#,
        );
        assert_eq!(c[0].param("scope"), Some("repository:o/a:pull,push"));
        assert_eq!(c[0].param("error"), Some("insufficient_scope"));
        assert_eq!(c[0].param("x"), Some("a\"b"));
    }

    #[test]
    fn basic_and_several_challenges() {
        let c = parse_challenges(r#"Basic realm="Registry Realm""#);
        assert_eq!(c[0].scheme, "basic");
        assert_eq!(c[0].param("realm"), Some("Registry Realm"));
        let c = parse_challenges(r#"Basic realm="r", Bearer realm="https://t/token",service=reg"#);
        assert_eq!(c.len(), 2);
        assert_eq!(c[1].scheme, "bearer");
        assert_eq!(c[1].param("service"), Some("reg"));
        assert!(parse_challenges("").is_empty());
        assert!(parse_challenges("realm=\"x\"").is_empty());
        assert_eq!(parse_challenges("Bearer").len(), 1);
    }

    #[test]
    fn realms_over_plain_http_only_for_a_plain_http_registry() {
        let url = |u: &str| reqwest::Url::parse(u).unwrap();
        assert!(check_realm(&url("https://auth.docker.io/token"), "https").is_ok());
        assert!(check_realm(&url("http://127.0.0.1:5000/token"), "http").is_ok());
        let e = check_realm(&url("http://evil.test/token?x=1"), "https").unwrap_err();
        assert!(
            e.contains("http://evil.test/token?") && e.contains("not https"),
            "{e}"
        );
    }

    #[test]
    fn tokens_and_scopes() {
        assert_eq!(
            token_from_answer(br#"{"token":"t1","access_token":"t1"}"#),
            Some("t1".into())
        );
        assert_eq!(
            token_from_answer(br#"{"access_token":"t2"}"#),
            Some("t2".into())
        );
        assert_eq!(token_from_answer(br#"{"token":""}"#), None);
        assert_eq!(token_from_answer(b"<html>"), None);
        assert_eq!(default_scope("o/a", true), "repository:o/a:pull,push");
        assert_eq!(default_scope("o/a", false), "repository:o/a:pull");
    }
}
