//! `forbidden-value`: a value the schema's `forbidden` list names: `*` as an item of an origin
//! list, `postgres:postgres` as a URL's credentials, `changeme` as a whole value. The forbidden
//! entry is named unless the variable is a secret (then its position in the list is).

use super::super::values::is_forbidden;
use super::{Collected, Finding, Rule, valued};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    for v in valued(c) {
        for (i, forbidden) in v.variable.forbidden.iter().enumerate() {
            if !is_forbidden(v.variable, v.value, forbidden) {
                continue;
            }
            let what = if v.variable.secret {
                format!("forbidden entry {} of the schema", i + 1)
            } else {
                format!("the forbidden {forbidden:?}")
            };
            out.push(
                Rule::ForbiddenValue
                    .finding(format!("{}: contains {what}", v.subject()), v.location(c)),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};

    #[test]
    fn list_items_url_credentials_and_whole_values() {
        let schema = "variables:\n  CORS_ORIGINS: {type: list, forbidden: ['*']}\n  DATABASE_URL: {type: url, secret: true, forbidden: ['user:pass', 'postgres:postgres']}\n  MODE: {forbidden: [debug]}\n";
        let c = collected(
            schema,
            None,
            &[
                ("CORS_ORIGINS", "https://app.example.com, *"),
                (
                    "CORS_ORIGINS",
                    "https://app.example.com,https://*.example.com",
                ),
                ("DATABASE_URL", "postgres://postgres:postgres@db/app"),
                ("MODE", "DEBUG"),
            ],
        );
        assert_eq!(
            findings_of(Rule::ForbiddenValue, &c),
            ".env:1 forbidden-value: CORS_ORIGINS (.env:1): contains the forbidden \"*\"\n\
             .env:3 forbidden-value: DATABASE_URL (.env:3): contains forbidden entry 2 of the schema\n\
             .env:4 forbidden-value: MODE (.env:4): contains the forbidden \"debug\""
        );
    }
}
