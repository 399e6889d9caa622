//! `missing-required`: a variable the schema requires in this environment (or the `required`
//! input names) that no source gives: not in an env file, not in the step's environment, not a
//! secret or variable of the GitHub environment. Empty counts as missing, as a bare `KEY` line.

use super::{Collected, Finding, Rule, in_environment, schema_location};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    let env = c.environment.as_deref();
    let mut names: Vec<(String, Option<crate::report::Location>)> = Vec::new();
    if let Some(schema) = &c.schema {
        for v in schema.variables.iter().filter(|v| v.required(env)) {
            names.push((v.name.clone(), schema_location(c, v)));
        }
    }
    for name in &c.required {
        if !names.iter().any(|(n, _)| n == name) {
            let at = c.required_at.iter().find(|(n, _)| n == name);
            names.push((name.clone(), at.map(|(_, l)| l.clone())));
        }
    }
    for (name, location) in names {
        if present(c, &name) {
            continue;
        }
        let empty = c.found.get(&name).is_some_and(|f| !f.is_empty());
        let what = if empty { "is empty" } else { "is not set" };
        out.push(Rule::MissingRequired.finding(
            format!(
                "{name} {what} (required{}; {})",
                in_environment(c),
                sources(c)
            ),
            location,
        ));
    }
}

/// Whether a source gives the variable: a non-empty value, or a name in the GitHub environment.
pub fn present(c: &Collected, name: &str) -> bool {
    c.found
        .get(name)
        .into_iter()
        .flatten()
        .any(|f| match &f.value {
            Some(v) => !v.is_empty(),
            None => matches!(f.origin, super::Origin::GitHub { .. }),
        })
}

/// What was looked at, so that "not set" says where.
fn sources(c: &Collected) -> String {
    let mut looked: Vec<String> = c.env_files.iter().map(|f| f.file.clone()).collect();
    looked.push("the step's environment".into());
    if let Some(g) = &c.github {
        looked.push(format!("GitHub environment {}", g.environment));
    }
    format!("looked in {}", looked.join(", "))
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};
    use crate::config_check::sources::{Found, GitHubNames, Origin};

    const SCHEMA: &str = "environments: [staging, production]\nvariables:\n  DATABASE_URL:\n    required: true\n  SENTRY_DSN:\n    required: [production]\n  OPTIONAL: {}\n";

    #[test]
    fn per_environment_and_empty_counts_as_missing() {
        let c = collected(SCHEMA, Some("production"), &[("DATABASE_URL", "")]);
        assert_eq!(
            findings_of(Rule::MissingRequired, &c),
            "config.schema.yml:3 missing-required: DATABASE_URL is empty (required in production; looked in the step's environment)\n\
             config.schema.yml:5 missing-required: SENTRY_DSN is not set (required in production; looked in the step's environment)"
        );
        let staging = collected(
            SCHEMA,
            Some("staging"),
            &[("DATABASE_URL", "postgres://db/app")],
        );
        assert_eq!(findings_of(Rule::MissingRequired, &staging), "");
    }

    #[test]
    fn a_github_name_is_presence_and_the_required_input_adds_names() {
        let mut c = collected(
            SCHEMA,
            Some("production"),
            &[("DATABASE_URL", "postgres://db/app")],
        );
        c.found.entry("SENTRY_DSN".into()).or_default().push(Found {
            value: None,
            origin: Origin::GitHub {
                environment: "production".into(),
                secret: true,
            },
        });
        c.github = Some(GitHubNames {
            environment: "production".into(),
            secrets: vec!["SENTRY_DSN".into()],
            variables: vec![],
        });
        c.required = vec!["API_KEY".into(), "DATABASE_URL".into()];
        assert_eq!(
            findings_of(Rule::MissingRequired, &c),
            "- missing-required: API_KEY is not set (required in production; looked in the step's environment, GitHub environment production)"
        );
    }
}
