//! JUnit XML with one test case per step, in the shape CI tools read (Ant/Jenkins `testsuites`).
//! Every piece of text is redacted before it is escaped: an escaped secret (`&` as `&amp;`) no
//! longer matches the registered value. The caller writes the document.

use std::fmt::Write;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseOutcome {
    Passed,
    /// An expectation did not hold.
    Failed {
        message: String,
        detail: String,
    },
    /// The step could not run to the end: unreachable, timed out.
    Error {
        message: String,
        detail: String,
    },
    Skipped {
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    pub name: String,
    pub classname: String,
    pub seconds: f64,
    pub outcome: CaseOutcome,
}

/// The whole document: one `testsuite` named `suite` inside `testsuites`.
pub fn render(suite: &str, timestamp: &str, cases: &[Case]) -> String {
    let count = |f: fn(&CaseOutcome) -> bool| cases.iter().filter(|c| f(&c.outcome)).count();
    let failures = count(|o| matches!(o, CaseOutcome::Failed { .. }));
    let errors = count(|o| matches!(o, CaseOutcome::Error { .. }));
    let skipped = count(|o| matches!(o, CaseOutcome::Skipped { .. }));
    let total: f64 = cases.iter().map(|c| c.seconds).sum();
    let mut x = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        x,
        "<testsuites name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{total:.3}\">",
        esc(suite),
        cases.len()
    );
    let _ = writeln!(
        x,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{total:.3}\" timestamp=\"{}\" hostname=\"localhost\">",
        esc(suite),
        cases.len(),
        esc(timestamp)
    );
    for c in cases {
        let open = format!(
            "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
            esc(&c.name),
            esc(&c.classname),
            c.seconds
        );
        match &c.outcome {
            CaseOutcome::Passed => {
                let _ = writeln!(x, "{open}/>");
            }
            CaseOutcome::Failed { message, detail } | CaseOutcome::Error { message, detail } => {
                let tag = if matches!(c.outcome, CaseOutcome::Failed { .. }) {
                    "failure"
                } else {
                    "error"
                };
                let _ = writeln!(
                    x,
                    "{open}>\n      <{tag} message=\"{}\" type=\"{tag}\">{}</{tag}>\n    </testcase>",
                    esc(message),
                    esc(detail)
                );
            }
            CaseOutcome::Skipped { message } => {
                let _ = writeln!(
                    x,
                    "{open}>\n      <skipped message=\"{}\"/>\n    </testcase>",
                    esc(message)
                );
            }
        }
    }
    x.push_str("  </testsuite>\n</testsuites>\n");
    x
}

/// Redacts, then escapes text for XML content and attributes, dropping characters XML 1.0
/// cannot hold.
pub fn esc(text: &str) -> String {
    let text = crate::gha::secrets::redact(text);
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_case_per_step_with_counts() {
        let cases = vec![
            Case {
                name: "create draft".into(),
                classname: "smoke.spec.yml".into(),
                seconds: 0.0123,
                outcome: CaseOutcome::Passed,
            },
            Case {
                name: "version <sha>".into(),
                classname: "smoke.spec.yml".into(),
                seconds: 0.5,
                outcome: CaseOutcome::Failed {
                    message: "expected \"a\"".into(),
                    detail: "line1\nline2\u{1}".into(),
                },
            },
            Case {
                name: "later".into(),
                classname: "smoke.spec.yml".into(),
                seconds: 0.0,
                outcome: CaseOutcome::Skipped {
                    message: "needs a failed step".into(),
                },
            },
        ];
        let xml = render("smoke", "2026-01-01T00:00:00Z", &cases);
        assert!(xml.contains("tests=\"3\" failures=\"1\" errors=\"0\" skipped=\"1\""));
        assert!(xml.contains("<testcase name=\"version &lt;sha&gt;\""));
        assert!(xml.contains("message=\"expected &quot;a&quot;\""));
        assert!(xml.contains(">line1&#10;line2</failure>"));
        assert_eq!(xml.matches("<testcase ").count(), 3);
    }
}
