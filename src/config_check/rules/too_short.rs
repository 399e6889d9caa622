//! `too-short`: a value with fewer characters than the schema's `min-length` ("JWT_SECRET:
//! 12 characters, needs ≥ 32"). The count is printed, never the value.

use super::{Collected, Finding, Rule, valued};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    for v in valued(c) {
        let Some(min) = v.variable.min_length else {
            continue;
        };
        let length = v.value.chars().count();
        if length < min {
            out.push(Rule::TooShort.finding(
                format!("{}: {length} characters, needs ≥ {min}", v.subject()),
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
    fn counts_characters_not_bytes() {
        let schema = "variables:\n  JWT_SECRET: {secret: true, min-length: 32}\n";
        let c = collected(
            schema,
            None,
            &[
                ("JWT_SECRET", "short-secret"),
                ("JWT_SECRET", &"é".repeat(32)),
            ],
        );
        assert_eq!(
            findings_of(Rule::TooShort, &c),
            ".env:1 too-short: JWT_SECRET (.env:1): 12 characters, needs ≥ 32"
        );
    }
}
