//! `secret-in-variable`: a variable the schema marks `secret` that the GitHub environment holds
//! as a plain variable, whose value anyone with read access sees in the settings and the logs.

use super::{Collected, Finding, Rule, schema_location};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    let (Some(schema), Some(github)) = (&c.schema, &c.github) else {
        return;
    };
    for v in schema.variables.iter().filter(|v| v.secret) {
        if github.variables.iter().any(|n| n == &v.name) {
            out.push(Rule::SecretInVariable.finding(
                format!(
                    "{} is a secret but GitHub environment {} holds it as a variable; move it to the environment's secrets",
                    v.name, github.environment
                ),
                schema_location(c, v),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};
    use crate::config_check::sources::GitHubNames;

    #[test]
    fn only_secrets_held_as_variables() {
        let mut c = collected(
            "variables:\n  JWT_SECRET: {secret: true}\n  LOG_LEVEL: {}\n",
            None,
            &[],
        );
        c.github = Some(GitHubNames {
            environment: "production".into(),
            secrets: vec![],
            variables: vec!["JWT_SECRET".into(), "LOG_LEVEL".into()],
        });
        assert_eq!(
            findings_of(Rule::SecretInVariable, &c),
            "config.schema.yml:2 secret-in-variable: JWT_SECRET is a secret but GitHub environment production holds it as a variable; move it to the environment's secrets"
        );
    }
}
