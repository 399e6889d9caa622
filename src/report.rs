//! The one shape every action returns: a verdict, findings, outputs and a summary. Renderers in
//! `render/` turn it into terminal text, GitHub annotations and summary, or JSON.

use serde::Serialize;

/// The outcome of a run; it decides the exit code and the `result` output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The gate ran and found nothing wrong.
    Passed,
    /// The gate ran and said no, or found problems in the user's files.
    Blocked,
    /// The action cannot work with a flag, config or spec file.
    Invalid,
    /// A service it needs could not be reached after retries: it could not decide.
    Error,
}

impl Verdict {
    pub fn exit_code(self) -> u8 {
        match self {
            Verdict::Passed => 0,
            Verdict::Blocked => 1,
            Verdict::Invalid => 2,
            Verdict::Error => 3,
        }
    }

    /// The icon the summary, the PR comment and checklists show for it.
    pub fn icon(self) -> &'static str {
        match self {
            Verdict::Passed => "✅",
            Verdict::Blocked => "❌",
            Verdict::Invalid => "⚠️",
            Verdict::Error => "⛔",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Passed => "passed",
            Verdict::Blocked => "blocked",
            Verdict::Invalid => "invalid",
            Verdict::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Notice,
}

/// Where a finding points: a file, and where known a line and column range (1-based).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Location {
    pub file: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_column: Option<u32>,
}

impl Location {
    pub fn file(file: impl Into<String>) -> Self {
        Location {
            file: file.into(),
            ..Default::default()
        }
    }

    pub fn line(file: impl Into<String>, line: u32) -> Self {
        Location {
            line: Some(line),
            ..Location::file(file)
        }
    }
}

/// One problem or remark, with a kebab-case rule id such as `multiple-heads`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub rule: String,
    pub title: String,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<Location>,
    /// A page with the details (a failed check's run): the summary shows it as a
    /// `[details](…)` link, never as a raw URL inside the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl Finding {
    pub fn new(
        severity: Severity,
        rule: impl Into<String>,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            severity,
            rule: rule.into(),
            title: title.into(),
            message: message.into(),
            location: None,
            url: None,
        }
    }

    pub fn error(
        rule: impl Into<String>,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding::new(Severity::Error, rule, title, message)
    }

    pub fn warning(
        rule: impl Into<String>,
        title: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Finding::new(Severity::Warning, rule, title, message)
    }

    pub fn at(mut self, location: Location) -> Self {
        self.location = Some(location);
        self
    }

    /// Links the finding to `url` (blank: no link).
    pub fn linked(mut self, url: &str) -> Self {
        self.url = Some(url.to_string()).filter(|u| !u.trim().is_empty());
        self
    }
}

/// A table for the summary (markdown) and the terminal (aligned columns).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Table {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// Columns whose cells are URLs: the summary shows each as a link named by the column's
    /// header (`[details](…)`), the terminal the URL itself.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_columns: Vec<usize>,
}

impl Table {
    pub fn new<S: Into<String>>(headers: impl IntoIterator<Item = S>) -> Self {
        Table {
            headers: headers.into_iter().map(Into::into).collect(),
            rows: Vec::new(),
            link_columns: Vec::new(),
        }
    }

    /// Marks column `index` as holding URLs (see `link_columns`).
    pub fn links_in(mut self, index: usize) -> Self {
        self.link_columns.push(index);
        self
    }

    pub fn row<S: Into<String>>(&mut self, cells: impl IntoIterator<Item = S>) {
        self.rows.push(cells.into_iter().map(Into::into).collect());
    }
}

/// A run of text in a summary block. Actions say what a piece of text is; `render/` alone
/// decides how it is escaped, so text from outside cannot break the markdown around it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind", content = "text")]
pub enum Inline {
    Text(String),
    /// Names, digests, commands: shown as code.
    Code(String),
    Strong(String),
    Emphasis(String),
    /// A link (`[run](…)`); a target that is not http(s) is shown as text, never linked.
    Link(Link),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub text: String,
    pub url: String,
}

impl Inline {
    pub fn link(text: impl Into<String>, url: impl Into<String>) -> Self {
        Inline::Link(Link {
            text: text.into(),
            url: url.into(),
        })
    }
}

/// A section of the job summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Block {
    Paragraph {
        text: Vec<Inline>,
    },
    /// A bulleted list, one item per entry.
    List {
        items: Vec<String>,
    },
    /// Preformatted text folded away under a one-line summary.
    Details {
        summary: String,
        text: String,
    },
    Chart(Chart),
    /// A picture GitHub draws from Mermaid text: a small graph or a timeline.
    Mermaid(Diagram),
}

impl Block {
    pub fn paragraph(text: impl IntoIterator<Item = Inline>) -> Self {
        Block::Paragraph {
            text: text.into_iter().collect(),
        }
    }
}

/// A line (and bar) chart (a Mermaid `xychart-beta` in the summary): one value per x label in
/// each line and bar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    pub title: String,
    pub x_labels: Vec<String>,
    pub y_label: String,
    pub y_max: f64,
    pub lines: Vec<Vec<f64>>,
    /// Bars, one value per x label in each, drawn under the lines.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bars: Vec<Vec<f64>>,
}

/// A Mermaid picture, bounded: the renderer draws at most `MAX_NODES` nodes (or events) and says
/// how many it left out, and the diagram itself says what else it does not show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagram {
    pub title: String,
    pub picture: Picture,
    /// What the picture leaves out, said under it ("12 older revisions are not drawn").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub left_out: Option<String>,
}

impl Diagram {
    /// The most nodes of a flowchart, or events of a timeline, that are drawn.
    pub const MAX_NODES: usize = 40;
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "lowercase", tag = "kind")]
pub enum Picture {
    /// A graph drawn top to bottom; node ids are the indexes into `nodes`.
    Flowchart { nodes: Vec<Node>, edges: Vec<Edge> },
    /// Events in order, each under its time.
    Timeline { events: Vec<Event> },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Node {
    pub label: String,
    pub mark: Mark,
}

/// How a node is drawn: what it is in the picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mark {
    Plain,
    /// The node the reader looks at first (a head).
    Focus,
    /// Where paths part (a branch point).
    Fork,
    /// Something wrong (a cycle member, a missing parent).
    Problem,
    /// Stands for nodes not drawn ("… 12 more").
    Elided,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Edge {
    pub from: usize,
    pub to: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub time: String,
    /// One line each.
    pub lines: Vec<String>,
}

/// What an action returns.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub action: String,
    pub verdict: Verdict,
    /// One sentence that says why: the first line of the terminal output and of the summary.
    pub headline: String,
    pub findings: Vec<Finding>,
    /// Action outputs in order, without `result` (the renderer adds it from the verdict).
    pub outputs: Vec<(String, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub table: Option<Table>,
    /// Sections for the job summary only, after the table and the findings.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub summary: Vec<Block>,
}

impl Report {
    pub fn new(action: impl Into<String>, verdict: Verdict, headline: impl Into<String>) -> Self {
        Report {
            action: action.into(),
            verdict,
            headline: headline.into(),
            findings: Vec::new(),
            outputs: Vec::new(),
            table: None,
            summary: Vec::new(),
        }
    }

    pub fn output(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.outputs.push((name.into(), value.into()));
    }

    /// Every output the step sets, `result` first.
    pub fn all_outputs(&self) -> Vec<(String, String)> {
        let mut all = vec![("result".to_string(), self.verdict.as_str().to_string())];
        all.extend(self.outputs.iter().cloned());
        all
    }
}

/// Why an action could not return a verdict of its own. `main` turns it into a report.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// Bad flag, config or spec: exit 2.
    #[error("{message}")]
    Invalid {
        message: String,
        location: Option<Location>,
    },
    /// A service could not be reached after retries: exit 3.
    #[error("{0}")]
    Undecided(String),
}

impl Failure {
    pub fn invalid(message: impl Into<String>) -> Self {
        Failure::Invalid {
            message: message.into(),
            location: None,
        }
    }

    pub fn invalid_at(message: impl Into<String>, location: Location) -> Self {
        Failure::Invalid {
            message: message.into(),
            location: Some(location),
        }
    }

    pub fn undecided(message: impl Into<String>) -> Self {
        Failure::Undecided(message.into())
    }

    /// The report a failed run renders: verdict, one finding, and the `result` output.
    pub fn into_report(self, action: &str) -> Report {
        match self {
            Failure::Invalid { message, location } => {
                let mut report = Report::new(
                    action,
                    Verdict::Invalid,
                    format!("invalid input: {message}"),
                );
                let mut finding = Finding::error("invalid-input", "Invalid input", message);
                finding.location = location;
                report.findings.push(finding);
                report
            }
            Failure::Undecided(message) => {
                let mut report = Report::new(
                    action,
                    Verdict::Error,
                    format!("could not decide: {message}"),
                );
                report.findings.push(Finding::error(
                    "could-not-decide",
                    "Could not decide",
                    message,
                ));
                report
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_are_the_documented_contract() {
        assert_eq!(Verdict::Passed.exit_code(), 0);
        assert_eq!(Verdict::Blocked.exit_code(), 1);
        assert_eq!(Verdict::Invalid.exit_code(), 2);
        assert_eq!(Verdict::Error.exit_code(), 3);
    }

    #[test]
    fn result_output_comes_first() {
        let mut r = Report::new("x", Verdict::Blocked, "no");
        r.output("heads", "a b");
        assert_eq!(r.all_outputs()[0], ("result".into(), "blocked".into()));
        assert_eq!(r.all_outputs()[1], ("heads".into(), "a b".into()));
    }

    #[test]
    fn failures_become_reports_with_their_verdict() {
        let r =
            Failure::invalid_at("unknown key", Location::line("spec.yml", 4)).into_report("smoke");
        assert_eq!(r.verdict, Verdict::Invalid);
        assert_eq!(r.findings[0].location, Some(Location::line("spec.yml", 4)));
        assert_eq!(
            Failure::undecided("down").into_report("smoke").verdict,
            Verdict::Error
        );
    }
}
