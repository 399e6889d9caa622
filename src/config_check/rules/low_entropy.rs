//! `low-entropy`: a value whose estimated entropy (its length times the Shannon entropy of its
//! own characters) is below the schema's `min-entropy` bits: `aaaa…` or a word repeated to pass a
//! length rule.

use super::super::values::entropy_bits;
use super::{Collected, Finding, Rule, valued};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    for v in valued(c) {
        let Some(min) = v.variable.min_entropy else {
            continue;
        };
        let bits = entropy_bits(v.value);
        if bits < min {
            out.push(Rule::LowEntropy.finding(
                format!(
                    "{}: about {} bits of entropy, needs ≥ {min}; generate it, e.g. `openssl rand -base64 48`",
                    v.subject(),
                    bits.floor()
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
    fn repetition_fails_randomness_passes() {
        let schema = "variables:\n  JWT_SECRET: {secret: true, min-entropy: 128}\n";
        let c = collected(
            schema,
            None,
            &[
                ("JWT_SECRET", &"ab".repeat(32)),
                ("JWT_SECRET", "q7Hk2mZp9XvR4tLw8NcB1sYd6GfJ3uEa5oTi0WxK"),
            ],
        );
        assert_eq!(
            findings_of(Rule::LowEntropy, &c),
            ".env:1 low-entropy: JWT_SECRET (.env:1): about 64 bits of entropy, needs ≥ 128; generate it, e.g. `openssl rand -base64 48`"
        );
    }
}
