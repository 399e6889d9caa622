//! `default-credentials`: a URL whose user and password are a well-known default
//! (`postgres:postgres`, `root:root`, `admin:admin`, …) or whose password is one (`password`,
//! `changeme`, …): "database credentials rotated from defaults". Every `url` variable, always.

use super::super::values::{Typed, credentials, is_default_credential};
use super::{Collected, Finding, Rule, valued};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    for v in valued(c) {
        let Some(Typed::Url(url)) = v.typed() else {
            continue;
        };
        if credentials(&url).is_some_and(|(user, password)| is_default_credential(&user, &password))
        {
            out.push(Rule::DefaultCredentials.finding(
                format!(
                    "{}: the URL's credentials are a well-known default; rotate them",
                    v.subject()
                ),
                v.location(c),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};

    #[test]
    fn default_pairs_and_passwords_in_any_url() {
        let schema = "variables:\n  DATABASE_URL: {type: url}\n";
        let c = collected(
            schema,
            None,
            &[
                ("DATABASE_URL", "postgresql://postgres:postgres@db:5432/app"),
                ("DATABASE_URL", "mysql://app:changeme@db/app"),
                ("DATABASE_URL", "postgresql://app:Xq83-rotated-k2@db/app"),
                ("DATABASE_URL", "postgresql://db/app"),
            ],
        );
        assert_eq!(
            findings_of(Rule::DefaultCredentials, &c),
            ".env:1 default-credentials: DATABASE_URL (.env:1): the URL's credentials are a well-known default; rotate them\n\
             .env:2 default-credentials: DATABASE_URL (.env:2): the URL's credentials are a well-known default; rotate them"
        );
    }
}
