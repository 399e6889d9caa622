//! The dependency syntax of a pull request's body: `Depends on #14`, `depends on owner/repo#3`,
//! `Blocked by #15` or a pull request's URL, in any case, one or many per line (`Depends on #14,
//! #15 and acme/api#3`), anywhere in the line (`3. CI/CD (depends on #14)`). GitHub's own
//! linked-issue keywords (`Closes #3`, `Fixes #3`) are not dependencies, and neither is anything
//! inside code (fenced blocks, `inline code`) or an HTML comment, where templates keep examples.

use regex::Regex;
use std::sync::LazyLock;

/// One dependency named in a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    /// `owner/name` when the reference names a repository; `None` means the body's own.
    pub repo: Option<String>,
    pub number: u64,
    /// The body's line, 1-based.
    pub line: u32,
}

static KEYWORD: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:depends[ \t]+on|blocked[ \t]+by)\b[ \t]*:?").expect("keyword regex")
});

/// One reference at the start of the text: `#14`, `owner/repo#3`, or a URL
/// `https://host/owner/repo/pull/3` (or `/issues/3`), then a word boundary.
static REFERENCE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r"^(?:",
        r"(?P<repo>[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)?#(?P<num>[0-9]+)",
        r"|https?://(?P<host>[^/\s]+)/(?P<urepo>[A-Za-z0-9][A-Za-z0-9-]*/[A-Za-z0-9._-]+)/(?:pull|issues)/(?P<unum>[0-9]+)(?:[/?#][^\s,;)]*)?",
        r")(?:\b|$)"
    ))
    .expect("reference regex")
});

/// What may stand between two references of one list.
static SEPARATOR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"(?i)^(?:[ \t]*(?:,|;|&|\band\b)[ \t]*|[ \t]+)").expect("sep"));

/// Every dependency the body names, in order, each once. `server_host` is the GitHub host
/// whose pull request URLs count (`github.com`, or a GitHub Enterprise Server's).
pub fn mentions(body: &str, server_host: &str) -> Vec<Mention> {
    let mut found: Vec<Mention> = Vec::new();
    // What is already in `found`, so that a long list is not searched once per reference.
    let mut seen = std::collections::HashSet::new();
    for (index, line) in visible_lines(body).iter().enumerate() {
        let line_no = u32::try_from(index + 1).unwrap_or(u32::MAX);
        for keyword in KEYWORD.find_iter(line) {
            let mut rest = line[keyword.end()..].trim_start();
            while let Some(caps) = REFERENCE.captures(rest) {
                let whole = caps.get(0).map_or(0, |m| m.end());
                let (repo, number) = match (caps.name("num"), caps.name("unum")) {
                    (Some(num), _) => (caps.name("repo").map(|r| r.as_str()), num.as_str()),
                    (None, Some(num)) => {
                        let host = caps.name("host").map_or("", |h| h.as_str());
                        if !host.eq_ignore_ascii_case(server_host) {
                            break;
                        }
                        (caps.name("urepo").map(|r| r.as_str()), num.as_str())
                    }
                    (None, None) => break,
                };
                // A number too large for any pull request is not a reference.
                let Ok(number) = number.parse::<u64>() else {
                    break;
                };
                let mention = Mention {
                    repo: repo.map(str::to_ascii_lowercase),
                    number,
                    line: line_no,
                };
                if seen.insert((mention.repo.clone(), mention.number)) {
                    found.push(mention);
                }
                rest = &rest[whole..];
                match SEPARATOR.find(rest) {
                    Some(sep) => rest = &rest[sep.end()..],
                    None => break,
                }
            }
        }
    }
    found
}

/// The body's lines with code and HTML comments blanked out, so that line numbers stay.
fn visible_lines(body: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut fence: Option<&str> = None;
    let mut in_comment = false;
    for raw in body.lines() {
        let trimmed = raw.trim_start();
        if let Some(open) = fence {
            if trimmed.starts_with(open) {
                fence = None;
            }
            lines.push(String::new());
            continue;
        }
        if !in_comment && (trimmed.starts_with("```") || trimmed.starts_with("~~~")) {
            fence = Some(&trimmed[..3]);
            lines.push(String::new());
            continue;
        }
        let mut shown = String::new();
        let mut rest = raw;
        loop {
            if in_comment {
                match rest.find("-->") {
                    Some(end) => {
                        rest = &rest[end + 3..];
                        in_comment = false;
                    }
                    None => break,
                }
            } else {
                match rest.find("<!--") {
                    Some(start) => {
                        shown.push_str(&rest[..start]);
                        shown.push(' ');
                        rest = &rest[start + 4..];
                        in_comment = true;
                    }
                    None => {
                        shown.push_str(rest);
                        break;
                    }
                }
            }
        }
        lines.push(without_code_spans(&shown));
    }
    lines
}

/// A line with its `code spans` replaced by a space.
fn without_code_spans(line: &str) -> String {
    let mut out = String::new();
    let mut parts = line.split('`');
    if let Some(first) = parts.next() {
        out.push_str(first);
    }
    let rest: Vec<&str> = parts.collect();
    // An odd number of backticks leaves the last one unclosed: it is text, not code.
    let pairs = rest.len() / 2;
    for (i, part) in rest.iter().enumerate() {
        if i < pairs * 2 {
            if i % 2 == 1 {
                out.push(' ');
                out.push_str(part);
            }
        } else {
            out.push('`');
            out.push_str(part);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `(repo or "", number, line)` of each mention.
    fn refs(body: &str) -> Vec<(String, u64, u32)> {
        mentions(body, "github.com")
            .into_iter()
            .map(|m| (m.repo.unwrap_or_default(), m.number, m.line))
            .collect()
    }

    fn own(number: u64, line: u32) -> (String, u64, u32) {
        (String::new(), number, line)
    }

    fn other(repo: &str, number: u64, line: u32) -> (String, u64, u32) {
        (repo.into(), number, line)
    }

    #[test]
    fn every_documented_form() {
        let body = "Adds the dashboards.\n\
                    Depends on #14\n\
                    depends on Octo-Org/API#3\n\
                    BLOCKED BY #15\n\
                    6. Frontend dashboards (depends on #17)\n\
                    Depends on: #18, #19 and acme/web#20 & #21; #22\n\
                    Blocked by https://github.com/acme/ops/pull/9/files\n";
        assert_eq!(
            refs(body),
            vec![
                own(14, 2),
                other("octo-org/api", 3, 3),
                own(15, 4),
                own(17, 5),
                own(18, 6),
                own(19, 6),
                other("acme/web", 20, 6),
                own(21, 6),
                own(22, 6),
                other("acme/ops", 9, 7),
            ]
        );
    }

    #[test]
    fn linked_issue_keywords_and_loose_numbers_are_not_dependencies() {
        let body = "Closes #3\nFixes acme/web#4\nSee #5. Depends on nothing.\nDepends on #6, closes #7\nhttps://github.com/acme/ops/pull/8";
        assert_eq!(refs(body), vec![own(6, 4)]);
    }

    #[test]
    fn code_comments_and_other_hosts_are_skipped() {
        let body = "<!-- Depends on #1 -->\n<!--\nDepends on #2\n-->\n```\nDepends on #3\n```\n`Depends on #4` but depends on #5\nDepends on https://ghe.example/acme/x/pull/6\nDepends on #7";
        assert_eq!(refs(body), vec![own(5, 8), own(7, 10)]);
    }

    proptest::proptest! {
        /// Any text, however broken its markdown, gives mentions on lines it has, never a panic.
        #[test]
        fn any_body_is_read_without_panicking(body in "(?s)(Depends on |blocked by |#|[0-9]|/|`|<!--|-->|```|\\n|[a-z ,&;:]|\\PC){0,80}") {
            let lines = body.lines().count().max(1) as u32;
            for m in mentions(&body, "github.com") {
                proptest::prop_assert!(m.line >= 1 && m.line <= lines, "{m:?}");
            }
        }
    }

    /// A body as long as GitHub allows (65,536 characters), all references, is read at once.
    #[test]
    fn a_longest_body_of_references_is_read_in_one_pass() {
        let mut body = String::from("Depends on ");
        let mut n = 0;
        while body.len() < 65_000 {
            n += 1;
            body.push_str(&format!("#{n}, acme/x#{n} & "));
        }
        let start = std::time::Instant::now();
        assert_eq!(mentions(&body, "github.com").len(), 2 * n);
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn each_dependency_once_and_no_overflow() {
        assert_eq!(
            refs("Depends on #1\nBlocked by #1\nDepends on #99999999999999999999999"),
            vec![own(1, 1)]
        );
        assert_eq!(refs("Depends on #12abc"), vec![]);
    }
}
