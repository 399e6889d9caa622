//! `invalid-value`: a value that is not of the type the schema declares (a port that is not a
//! number, a flag that is not a boolean, a URL that does not parse, a word outside its enum).

use super::super::values::typed;
use super::{Collected, Finding, Rule, valued};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    for v in valued(c) {
        if let Err(why) = typed(v.variable, v.value) {
            out.push(Rule::InvalidValue.finding(
                format!(
                    "{}: the value {why} (type {})",
                    v.subject(),
                    v.variable.kind.name()
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
    fn each_type_and_never_the_value() {
        let schema = "variables:\n  PORT: {type: int}\n  STRICT: {type: bool}\n  DB: {type: url}\n  LEVEL: {type: enum, values: [info, warn]}\n  TIMEOUT: {type: duration}\n  NAME: {}\n";
        let c = collected(
            schema,
            None,
            &[
                ("PORT", "80x80"),
                ("STRICT", "maybe"),
                ("DB", "not a url"),
                ("LEVEL", "loud"),
                ("TIMEOUT", "soon"),
                ("NAME", "anything"),
            ],
        );
        let found = findings_of(Rule::InvalidValue, &c);
        assert_eq!(
            found,
            ".env:1 invalid-value: PORT (.env:1): the value is not a whole number (type int)\n\
             .env:2 invalid-value: STRICT (.env:2): the value is not a boolean (true/false, on/off, yes/no, 1/0) (type bool)\n\
             .env:3 invalid-value: DB (.env:3): the value is not a URL (relative URL without a base) (type url)\n\
             .env:4 invalid-value: LEVEL (.env:4): the value is not one of info, warn (type enum)\n\
             .env:5 invalid-value: TIMEOUT (.env:5): the value is not a duration such as 500ms, 30s, 10m or 1h30m (type duration)"
        );
        for secret in ["80x80", "maybe", "not a url", "loud", "soon"] {
            assert!(!found.contains(secret), "{secret}");
        }
    }
}
