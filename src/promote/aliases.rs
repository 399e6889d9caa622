//! The `to` input of promote: aliases separated by spaces, commas or newlines. Pure.

use crate::registry::history::TAG_PREFIX;
use crate::registry::reference::{Target, valid_tag};

/// The aliases in order, without duplicates; each a valid tag, not a history tag and not the
/// source tag itself.
pub fn parse_aliases(input: &str, from: &Target) -> Result<Vec<String>, String> {
    let mut aliases: Vec<String> = Vec::new();
    for alias in input
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|a| !a.is_empty())
    {
        let alias = alias.strip_prefix(':').unwrap_or(alias);
        if !valid_tag(alias) {
            return Err(format!(
                "`to` has {alias:?}, which is not a valid tag: up to 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`"
            ));
        }
        if alias.starts_with(TAG_PREFIX) {
            return Err(format!(
                "`to` has {alias:?}: tags starting with {TAG_PREFIX} hold the aliases' history"
            ));
        }
        if alias.len() + TAG_PREFIX.len() > 128 {
            return Err(format!(
                "`to` has {alias:?}: aliases can have at most {} characters, so that its history tag fits",
                128 - TAG_PREFIX.len()
            ));
        }
        if *from == Target::Tag(alias.to_string()) {
            return Err(format!(
                "`to` has {alias:?}, which is the tag promoted from"
            ));
        }
        if !aliases.iter().any(|a| a == alias) {
            aliases.push(alias.to_string());
        }
    }
    if aliases.is_empty() {
        return Err("`to` is empty: give one or more aliases, such as prod".into());
    }
    Ok(aliases)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from() -> Target {
        Target::Tag("staging".into())
    }

    #[test]
    fn separators_and_duplicates() {
        assert_eq!(
            parse_aliases("prod, latest\nstable  prod,,\n", &from()).unwrap(),
            ["prod", "latest", "stable"]
        );
        assert_eq!(parse_aliases(":prod", &from()).unwrap(), ["prod"]);
    }

    #[test]
    fn bad_aliases() {
        assert!(parse_aliases("", &from()).unwrap_err().contains("empty"));
        assert!(
            parse_aliases(" ,\n", &from())
                .unwrap_err()
                .contains("empty")
        );
        assert!(
            parse_aliases("prod -x", &from())
                .unwrap_err()
                .contains("\"-x\"")
        );
        assert!(
            parse_aliases("ready-history.prod", &from())
                .unwrap_err()
                .contains("history")
        );
        assert!(
            parse_aliases("staging", &from())
                .unwrap_err()
                .contains("promoted from")
        );
        assert!(
            parse_aliases(&"a".repeat(120), &from())
                .unwrap_err()
                .contains("at most 114")
        );
    }
}
