//! Presentation: the verdict, headline, outputs and the summary table by object. Pure.

use super::NAME;
use super::objects::{Objects, Source};
use super::rules::Found;
use crate::report::{Block, Inline, Report, Severity, Table, Verdict};

pub fn report(sources: &[Source], objects: &Objects, found: Vec<Found>) -> Report {
    let checked = objects.checked.len();
    let skipped = objects.skipped.len();
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let findings = found.len();
    // Warnings (an ignore annotation naming no rule) are shown, but only errors block.
    let warnings = found
        .iter()
        .filter(|f| f.finding.severity != Severity::Error)
        .count();
    let warnings_note = match warnings {
        0 => String::new(),
        n => format!(", {}", plural(n, "warning", "warnings")),
    };
    let affected = {
        let mut seen: Vec<usize> = found.iter().filter_map(|f| f.object).collect();
        seen.dedup();
        seen.len()
    };
    let skipped_note = match skipped {
        0 => String::new(),
        n => format!(
            ", {} skipped",
            plural(n, "object of an unknown kind", "objects of unknown kinds")
        ),
    };
    let (verdict, headline) = if findings == warnings {
        (
            Verdict::Passed,
            format!(
                "{} checked, no finding{warnings_note}{skipped_note}",
                plural(checked, "object", "objects")
            ),
        )
    } else {
        (
            Verdict::Blocked,
            format!(
                "{} in {} of {} checked{skipped_note}",
                plural(findings, "finding", "findings"),
                plural(affected, "object", "objects"),
                checked
            ),
        )
    };
    let mut report = Report::new(NAME, verdict, headline);
    report.output("objects", checked.to_string());
    report.output("skipped", skipped.to_string());
    report.output("findings", findings.to_string());

    let mut table = Table::new(["Object", "Where", "Findings", "Rules"]);
    for (index, object) in objects.checked.iter().enumerate() {
        let mine: Vec<&str> = found
            .iter()
            .filter(|f| f.object == Some(index))
            .map(|f| f.finding.rule.as_str())
            .collect();
        let mut rules = mine.clone();
        rules.dedup();
        table.row([
            crate::gha::printable(&object.reference()),
            crate::gha::printable(&format!(
                "{}:{}",
                sources[object.source].display, object.node.line
            )),
            mine.len().to_string(),
            rules.join(", "),
        ]);
    }
    report.table = Some(table);
    if skipped > 0 {
        let mut kinds: Vec<String> = objects
            .skipped
            .iter()
            .map(|o| crate::gha::printable(&format!("{} ({})", o.kind, o.api_version)))
            .collect();
        kinds.sort();
        kinds.dedup();
        report.summary.push(Block::paragraph([Inline::Text(format!(
            "Skipped, as kinds this check does not know (custom resources, CRDs): {}.",
            kinds.join(", ")
        ))]));
    }
    report.findings = found.into_iter().map(|f| f.finding).collect();
    report
}
