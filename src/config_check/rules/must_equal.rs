//! `must-equal`: a value other than the one the schema requires here (`CONFIG_STRICT` true in
//! production, `RATE_LIMIT_ENABLED=true`). Booleans and numbers compare by meaning (`on` is
//! `true`). The required value is named unless the variable is a secret.

use super::super::values::same;
use super::{Collected, Finding, Rule, in_environment, valued};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    let env = c.environment.as_deref();
    for v in valued(c) {
        let Some(wanted) = v.variable.must_equal(env) else {
            continue;
        };
        if same(v.variable, v.value, wanted) {
            continue;
        }
        let want = if v.variable.secret {
            "the value the schema requires".to_string()
        } else {
            wanted.to_string()
        };
        out.push(Rule::MustEqual.finding(
            format!("{}: must be {want}{}", v.subject(), in_environment(c)),
            v.location(c),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};

    #[test]
    fn per_environment_by_meaning() {
        let schema = "environments: [staging, production]\nvariables:\n  CONFIG_STRICT:\n    type: bool\n    equals: {production: true}\n  RATE_LIMIT_ENABLED: {type: bool, equals: true}\n";
        let values = [
            ("CONFIG_STRICT", "false"),
            ("CONFIG_STRICT", "on"),
            ("RATE_LIMIT_ENABLED", "0"),
        ];
        assert_eq!(
            findings_of(
                Rule::MustEqual,
                &collected(schema, Some("production"), &values)
            ),
            ".env:1 must-equal: CONFIG_STRICT (.env:1): must be true in production\n\
             .env:3 must-equal: RATE_LIMIT_ENABLED (.env:3): must be true in production"
        );
        assert_eq!(
            findings_of(
                Rule::MustEqual,
                &collected(schema, Some("staging"), &values)
            ),
            ".env:3 must-equal: RATE_LIMIT_ENABLED (.env:3): must be true in staging"
        );
    }
}
