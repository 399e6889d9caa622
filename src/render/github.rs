//! Inside Actions: annotations on the log (GitHub shows at most 10 of each type per step; the
//! rest are listed in the summary), and the job summary, verdict first.

use super::markdown;
use crate::gha::{Annotation, AnnotationLevel};
use crate::report::{Finding, Report, Severity};
use std::io::Write;

/// GitHub displays at most this many annotations of each type per step.
pub const ANNOTATIONS_PER_TYPE: usize = 10;

/// Findings that get an annotation, and those over the per-type limit that do not.
fn split(report: &Report) -> (Vec<&Finding>, Vec<&Finding>) {
    let mut counts = [0usize; 3];
    report.findings.iter().partition(|f| {
        let slot = &mut counts[f.severity as usize];
        *slot += 1;
        *slot <= ANNOTATIONS_PER_TYPE
    })
}

pub fn write_log(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let (annotated, _) = split(report);
    for finding in annotated {
        crate::gha::annotate(out, &annotation(finding))?;
    }
    // The headline and the rows carry text from outside: the runtime keeps it from being read
    // as workflow commands.
    crate::gha::write_text(
        out,
        &format!(
            "{}: {} — {}",
            report.action,
            report.verdict.as_str(),
            report.headline
        ),
    )?;
    if let Some(table) = &report.table {
        crate::gha::start_group(out, "Details")?;
        let rows: Vec<String> = std::iter::once(&table.headers)
            .chain(&table.rows)
            .map(|row| row.join("  "))
            .collect();
        crate::gha::write_text(out, &rows.join("\n"))?;
        crate::gha::end_group(out)?;
    }
    Ok(())
}

fn annotation(finding: &Finding) -> Annotation {
    let level = match finding.severity {
        Severity::Error => AnnotationLevel::Error,
        Severity::Warning => AnnotationLevel::Warning,
        Severity::Notice => AnnotationLevel::Notice,
    };
    // Annotations are plain text: the link goes after the message.
    let message = match &finding.url {
        Some(url) => format!("{}: {url}", finding.message),
        None => finding.message.clone(),
    };
    let mut a = Annotation::new(level, message);
    a.title = Some(format!("{}: {}", finding.rule, finding.title));
    if let Some(loc) = &finding.location {
        a.file = Some(loc.file.clone());
        a.line = loc.line;
        a.end_line = loc.end_line;
        a.col = loc.column;
        a.end_column = loc.end_column;
    }
    a
}

/// GitHub drops a step's summary over 1 MiB. What the renderer writes stays under this, which
/// leaves room for the notes that count what was cut.
pub const MAX_SUMMARY_BYTES: usize = 1024 * 1024 - 16 * 1024;
/// The longest headline shown in the summary, in characters.
const MAX_HEADLINE_CHARS: usize = 2000;

pub fn summary(report: &Report) -> String {
    summary_within(report, MAX_SUMMARY_BYTES)
}

/// The job summary in at most `budget` bytes (and the notes of what was cut): verdict first,
/// then the table, the findings, the unannotated ones and the extra sections, each as far as
/// the budget goes.
pub(super) fn summary_within(report: &Report, budget: usize) -> String {
    let icon = report.verdict.icon();
    let mut headline: String = report.headline.chars().take(MAX_HEADLINE_CHARS).collect();
    if headline.len() < report.headline.len() {
        headline.push('…');
    }
    let mut md = Budgeted::new(budget);
    md.text(&format!(
        "### {icon} {}: {}\n\n{}\n\n",
        report.action,
        report.verdict.as_str(),
        markdown::escape_cell(&headline)
    ));
    if let Some(table) = &report.table {
        md.table(table);
        md.text("\n");
    }
    if !report.findings.is_empty() {
        let open = if report.findings.len() <= 20 {
            " open"
        } else {
            ""
        };
        md.text(&format!(
            "<details{open}><summary>{} finding(s)</summary>\n\n",
            report.findings.len()
        ));
        md.table(&findings_table(report.findings.iter()));
        md.text("\n</details>\n\n");
    }
    let (_, unannotated) = split(report);
    if !unannotated.is_empty() {
        md.text(&format!(
            "> [!NOTE]\n> {} finding(s) were not annotated: GitHub shows at most {ANNOTATIONS_PER_TYPE} annotations of each type per step. They are:\n\n",
            unannotated.len()
        ));
        md.table(&findings_table(unannotated.into_iter()));
        md.text("\n");
    }
    for block in &report.summary {
        if !md.section(&format!("{}\n\n", markdown::block(block))) {
            md.cut_sections += 1;
        }
    }
    md.finish()
}

/// Markdown that stops growing at its budget and counts what it left out.
struct Budgeted {
    md: String,
    budget: usize,
    cut_rows: usize,
    cut_sections: usize,
}

impl Budgeted {
    fn new(budget: usize) -> Self {
        Budgeted {
            md: String::new(),
            budget,
            cut_rows: 0,
            cut_sections: 0,
        }
    }

    fn left(&self) -> usize {
        self.budget.saturating_sub(self.md.len())
    }

    /// Structure (headings, the opening and closing of a fold): small, and always written so
    /// that the markdown stays well formed.
    fn text(&mut self, text: &str) {
        self.md.push_str(text);
    }

    /// A whole section if it fits; false if it does not.
    fn section(&mut self, text: &str) -> bool {
        let fits = text.len() <= self.left();
        if fits {
            self.md.push_str(text);
        }
        fits
    }

    fn table(&mut self, table: &crate::report::Table) {
        let (text, cut) = markdown::table_within(table, self.left());
        self.md.push_str(&text);
        if cut > 0 {
            self.md
                .push_str(&format!("\n*{cut} more row(s) not shown here.*\n"));
            self.cut_rows += cut;
        }
    }

    fn finish(mut self) -> String {
        if self.cut_rows > 0 || self.cut_sections > 0 {
            self.md.push_str(&format!(
                "> [!WARNING]\n> This summary was cut to stay under GitHub's 1 MiB limit for a step's summary: {} table row(s) and {} section(s) are not shown. `--format json` prints the whole report.\n\n",
                self.cut_rows, self.cut_sections
            ));
        }
        self.md
    }
}

fn findings_table<'a>(findings: impl Iterator<Item = &'a Finding>) -> crate::report::Table {
    let findings: Vec<&Finding> = findings.collect();
    // A details column only when a finding links somewhere, shown as `[details](…)`.
    let linked = findings.iter().any(|f| f.url.is_some());
    let mut headers = vec!["Severity", "Rule", "Where", "Message"];
    if linked {
        headers.push("details");
    }
    let mut table = crate::report::Table::new(headers);
    if linked {
        table = table.links_in(4);
    }
    for f in findings {
        let place = f
            .location
            .as_ref()
            .map(|l| match l.line {
                Some(line) => format!("{}:{line}", l.file),
                None => l.file.clone(),
            })
            .unwrap_or_default();
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Notice => "notice",
        };
        let mut cells = vec![
            severity.to_string(),
            format!("`{}`", f.rule),
            place,
            f.message.clone(),
        ];
        if linked {
            cells.push(f.url.clone().unwrap_or_default());
        }
        table.row(cells);
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::{Location, Verdict};

    fn report_with(errors: usize, warnings: usize) -> Report {
        let mut r = Report::new("demo", Verdict::Blocked, "found problems");
        for i in 0..errors {
            r.findings.push(
                Finding::error("rule-e", "E", format!("error {i}"))
                    .at(Location::line("f.py", i as u32 + 1)),
            );
        }
        for i in 0..warnings {
            r.findings
                .push(Finding::warning("rule-w", "W", format!("warning {i}")));
        }
        r
    }

    #[test]
    fn at_most_ten_annotations_of_each_type() {
        let mut out = Vec::new();
        write_log(&report_with(12, 11), &mut out).unwrap();
        let log = String::from_utf8(out).unwrap();
        let count = |prefix: &str| log.lines().filter(|l| l.starts_with(prefix)).count();
        assert_eq!(count("::error title="), 10);
        assert_eq!(count("::warning title="), 10);
        assert!(log.contains("::error title=rule-e%3A E,file=f.py,line=10::error 9"));
        assert!(!log.contains("error 10"));
    }

    #[test]
    fn a_findings_link_is_a_markdown_link_in_the_summary_and_text_in_the_annotation() {
        let mut r = report_with(1, 1);
        r.findings[0] = Finding::error("check-failed", "test failed", "test concluded failure")
            .linked("https://github.com/o/r/runs/2");
        let md = summary(&r);
        assert!(
            md.contains("| Severity | Rule | Where | Message | details |"),
            "{md}"
        );
        assert!(
            md.contains("| test concluded failure | [details](https://github.com/o/r/runs/2) |"),
            "{md}"
        );
        assert!(!md.contains("failure: https://"), "{md}");
        // The finding without a link has an empty cell, not a link.
        assert!(md.contains("| warning 0 |  |"), "{md}");
        let mut out = Vec::new();
        write_log(&r, &mut out).unwrap();
        let log = String::from_utf8(out).unwrap();
        assert!(
            log.contains("::test concluded failure: https://github.com/o/r/runs/2"),
            "{log}"
        );
        // No finding links anywhere: no details column.
        assert!(!summary(&report_with(1, 0)).contains("details |"));
        // A secret inside the URL is redacted like every other text.
        crate::gha::secrets::register_to("finding-url-secret-1", &mut Vec::new(), false);
        let mut r = report_with(0, 0);
        r.findings
            .push(Finding::error("e", "E", "m").linked("https://h/?t=finding-url-secret-1"));
        let md = summary(&crate::render::redact::report(&r));
        assert!(
            !md.contains("finding-url-secret-1") && md.contains("t=***"),
            "{md}"
        );
    }

    #[test]
    fn summary_lists_what_was_not_annotated() {
        let md = summary(&report_with(12, 11));
        assert!(md.starts_with("### ❌ demo: blocked"));
        assert!(md.contains("3 finding(s) were not annotated"));
        let note = md.split("were not annotated").nth(1).unwrap();
        assert!(
            note.contains("f.py:11") && note.contains("f.py:12") && note.contains("warning 10")
        );
        assert!(!note.contains("error 9 "));
    }

    #[test]
    fn a_summary_stays_within_its_budget_and_counts_what_was_cut() {
        let mut r = report_with(3000, 0);
        let mut table = crate::report::Table::new(["Head", "File"]);
        for i in 0..5000 {
            table.row([format!("head{i}"), format!("versions/head{i}.py")]);
        }
        r.table = Some(table);
        r.summary.push(crate::report::Block::paragraph([
            crate::report::Inline::Text("x".repeat(200_000)),
        ]));
        let md = summary_within(&r, 100_000);
        assert!(md.len() < 100_000 + 1_000, "{}", md.len());
        let note = md.split("[!WARNING]").nth(1).unwrap();
        let cut: usize = note
            .split("limit for a step's summary: ")
            .nth(1)
            .unwrap()
            .split(' ')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let shown = md.lines().filter(|l| l.starts_with("| ")).count();
        // Every row of the three tables is either shown or counted (each has a header and a
        // separator line too).
        assert_eq!(shown + cut, 5000 + 3000 + (3000 - 10) + 3 * 2);
        assert!(note.contains("and 1 section(s) are not shown"));
        assert!(md.starts_with("### ❌ demo: blocked"));
    }

    #[test]
    fn no_note_when_everything_fits() {
        assert!(!summary(&report_with(10, 10)).contains("not annotated"));
    }
}
