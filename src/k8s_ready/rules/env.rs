//! `secret-in-env`: an env entry with a literal `value` where a secret belongs (a name such as
//! `*_SECRET`, `*_TOKEN`, `*_PASSWORD`, `*_API_KEY`, or a URL with credentials in it, as
//! `DATABASE_URL` often has): the secret then lives in git and in every copy of the manifest.
//! The value is masked at once so that it appears in no log.

use super::super::objects::{Object, container_name};
use super::{Findings, Rule};
use crate::yaml::Node;

/// Name endings that say "this is a secret".
const SECRET_SUFFIXES: &[&str] = &[
    "SECRET",
    "TOKEN",
    "PASSWORD",
    "PASSWD",
    "PASS",
    "API_KEY",
    "APIKEY",
    "PRIVATE_KEY",
    "SECRET_KEY",
    "ACCESS_KEY",
    "CREDENTIALS",
];

fn secret_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase().replace('-', "_");
    SECRET_SUFFIXES
        .iter()
        .any(|s| upper == *s || upper.ends_with(&format!("_{s}")))
}

/// `scheme://user:password@host…`: a URL that carries a password.
fn url_with_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    authority.rsplit_once('@').is_some_and(|(user_info, _)| {
        user_info
            .split_once(':')
            .is_some_and(|(_, p)| !p.is_empty())
    })
}

pub fn secret_in_env(object: &Object, out: &mut Findings) {
    for c in object.all_containers() {
        for entry in c.get("env").and_then(Node::as_seq).unwrap_or_default() {
            let name = entry.get("name").and_then(Node::as_str).unwrap_or_default();
            let Some(value_node) = entry.get("value") else {
                continue;
            };
            let Some(value) = value_node.as_str().filter(|v| !v.is_empty()) else {
                continue;
            };
            let why = if url_with_password(value) {
                "holds a URL with a password"
            } else if secret_name(name) {
                "looks like a secret by its name"
            } else {
                continue;
            };
            crate::gha::secrets::register(value);
            out.push(
                Rule::SecretInEnv,
                value_node,
                format!(
                    "{} container {}: env {name} {why} and is written in the manifest; take it from a Secret with valueFrom.secretKeyRef",
                    object.reference(),
                    container_name(c)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, options};
    use super::*;

    #[test]
    fn names_and_urls_that_hold_secrets() {
        for name in [
            "API_TOKEN",
            "db_password",
            "STRIPE_SECRET_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "token",
        ] {
            assert!(secret_name(name), "{name}");
        }
        for name in [
            "TOKEN_TTL",
            "PASSWORD_MIN_LENGTH",
            "LOG_LEVEL",
            "BYPASS_CACHE",
        ] {
            assert!(!secret_name(name), "{name}");
        }
        assert!(url_with_password("postgres://app:s3cret@db:5432/app"));
        assert!(!url_with_password("postgres://db:5432/app"));
        assert!(!url_with_password("postgres://app@db/app"));
        assert!(!url_with_password("https://example.com/a:b@c"));
    }

    #[test]
    fn literal_secrets_on_their_value_line() {
        let text = "\
apiVersion: apps/v1
kind: Deployment
metadata: {name: api}
spec:
  template:
    spec:
      initContainers:
        - name: migrate
          env:
            - {name: DATABASE_URL, value: 'postgres://app:hunter22@db/app'}
      containers:
        - name: api
          env:
            - name: API_TOKEN
              value: abcdef123456
            - name: DB_PASSWORD
              valueFrom: {secretKeyRef: {name: db, key: password}}
            - {name: LOG_LEVEL, value: info}
            - {name: EMPTY_SECRET, value: ''}
";
        insta::assert_snapshot!(findings_of(Rule::SecretInEnv, text, &options()));
    }
}
