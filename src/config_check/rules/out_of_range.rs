//! `out-of-range`: a whole number below the schema's `min` or above its `max`.

use super::super::values::Typed;
use super::{Collected, Finding, Rule, valued};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    for v in valued(c) {
        let Some(Typed::Int(n)) = v.typed() else {
            continue;
        };
        let (min, max) = (v.variable.min, v.variable.max);
        let why = match (min, max) {
            (Some(lo), _) if n < lo => format!("is below the minimum {lo}"),
            (_, Some(hi)) if n > hi => format!("is above the maximum {hi}"),
            _ => continue,
        };
        out.push(
            Rule::OutOfRange.finding(format!("{}: the number {why}", v.subject()), v.location(c)),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};

    #[test]
    fn below_and_above() {
        let schema = "variables:\n  WORKERS: {type: int, min: 1, max: 64}\n";
        let c = collected(
            schema,
            None,
            &[("WORKERS", "0"), ("WORKERS", "65"), ("WORKERS", "64")],
        );
        assert_eq!(
            findings_of(Rule::OutOfRange, &c),
            ".env:1 out-of-range: WORKERS (.env:1): the number is below the minimum 1\n\
             .env:2 out-of-range: WORKERS (.env:2): the number is above the maximum 64"
        );
    }
}
