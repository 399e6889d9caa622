//! `invalid-line`: a statement of an env file that python-dotenv cannot parse (an unclosed
//! quote, text after a closing quote). python-dotenv skips it with a warning; the app would start
//! without the variable it meant to set.

use super::{Collected, Finding, Rule};
use crate::report::Location;

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    for file in &c.env_files {
        for &line in &file.invalid_lines {
            out.push(Rule::InvalidLine.finding(
                format!(
                    "{}:{line}: this statement does not parse as KEY=value (an unclosed quote, or text after the closing one?); python-dotenv and docker compose skip or refuse it",
                    file.file
                ),
                Some(Location::line(&file.file, line)),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};
    use crate::config_check::sources::EnvFile;

    #[test]
    fn each_line_that_does_not_parse() {
        let mut c = collected("variables:\n  A: {}\n", None, &[]);
        c.env_files.push(EnvFile {
            file: ".env.production".into(),
            names: vec![],
            invalid_lines: vec![2, 7],
        });
        let found = findings_of(Rule::InvalidLine, &c);
        assert_eq!(found.lines().count(), 2);
        assert!(
            found.starts_with(
                ".env.production:2 invalid-line: .env.production:2: this statement does not parse"
            ),
            "{found}"
        );
    }
}
