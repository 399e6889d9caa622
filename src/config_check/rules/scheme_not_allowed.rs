//! `scheme-not-allowed`: a URL whose scheme is not among the schema's `schemes` (an `http://`
//! API in production, `redis://` where only `rediss://` is allowed).

use super::super::values::Typed;
use super::{Collected, Finding, Rule, valued};

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    for v in valued(c) {
        let Some(Typed::Url(url)) = v.typed() else {
            continue;
        };
        let schemes = &v.variable.schemes;
        if schemes.is_empty() || schemes.iter().any(|s| s == url.scheme()) {
            continue;
        }
        out.push(Rule::SchemeNotAllowed.finding(
            format!(
                "{}: the URL's scheme is {}, not one of {}",
                v.subject(),
                url.scheme(),
                schemes.join(", ")
            ),
            v.location(c),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};

    #[test]
    fn only_the_listed_schemes() {
        let schema = "variables:\n  REDIS_URL: {type: url, schemes: [rediss]}\n";
        let c = collected(
            schema,
            None,
            &[
                ("REDIS_URL", "redis://cache:6379"),
                ("REDIS_URL", "rediss://cache:6380"),
            ],
        );
        assert_eq!(
            findings_of(Rule::SchemeNotAllowed, &c),
            ".env:1 scheme-not-allowed: REDIS_URL (.env:1): the URL's scheme is redis, not one of rediss"
        );
    }
}
