//! The `## Rules` part of a rule-based action's docs: one ``### `id` `` section per rule, in the
//! order of the action's rule table. The tests that keep docs and code in step read the ids
//! from here, and SARIF's help text is each rule's section.

/// The rule ids the docs' `## Rules` part has sections for, in order.
pub fn ids(docs: &str) -> Vec<&str> {
    let Some((_, rules)) = docs.split_once("\n## Rules\n") else {
        return Vec::new();
    };
    rules
        .split("\n## ")
        .next()
        .unwrap_or_default()
        .lines()
        .filter_map(|l| l.strip_prefix("### "))
        .map(|h| h.trim().trim_matches('`'))
        .collect()
}

/// The text of rule `id`'s section, up to the next heading.
pub fn section<'a>(docs: &'a str, id: &str) -> Option<&'a str> {
    let heading = format!("### `{id}`\n");
    let start = docs.find(&heading)? + heading.len();
    let section = &docs[start..];
    let end = section.find("\n#").unwrap_or(section.len());
    Some(section[..end].trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_rules_part_only() {
        let docs = "# x\n### `not-a-rule`\n## Rules\n### `a`\nWhy a.\n\n### `b`\nWhy b.\n## Other\n### `c`\n";
        assert_eq!(ids(docs), ["a", "b"]);
        assert_eq!(section(docs, "a"), Some("Why a."));
        assert_eq!(section(docs, "b"), Some("Why b."));
        assert_eq!(section(docs, "z"), None);
        assert!(ids("no rules here").is_empty());
    }
}
