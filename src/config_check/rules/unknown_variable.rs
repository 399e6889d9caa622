//! `unknown-variable`: a variable an env file sets that the schema does not declare: a typo
//! (`DATABSE_URL`) that leaves the real one unset, or a setting nobody documented.

use super::{Collected, Finding, Rule};
use crate::report::Location;

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    let Some(schema) = &c.schema else {
        return;
    };
    for file in &c.env_files {
        for (name, line) in &file.names {
            if schema.get(name).is_none() {
                out.push(Rule::UnknownVariable.finding(
                    format!(
                        "{name} is set in {} but not declared in {}",
                        file.file, schema.file
                    ),
                    Some(Location::line(&file.file, *line)),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};
    use crate::config_check::sources::EnvFile;

    #[test]
    fn a_typo_in_an_env_file() {
        let mut c = collected("variables:\n  DATABASE_URL: {}\n", None, &[]);
        c.env_files.push(EnvFile {
            file: ".env.staging".into(),
            names: vec![("DATABASE_URL".into(), 1), ("DATABSE_URL".into(), 2)],
            invalid_lines: vec![],
        });
        assert_eq!(
            findings_of(Rule::UnknownVariable, &c),
            ".env.staging:2 unknown-variable: DATABSE_URL is set in .env.staging but not declared in config.schema.yml"
        );
    }
}
