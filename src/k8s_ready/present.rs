//! Presentation: the verdict, headline, outputs and the summary table by object. Pure.

use super::NAME;
use super::objects::{Objects, Source};
use super::rules::Found;
use super::set_image::Entry;
use crate::report::{Block, Finding, Inline, Location, Report, Severity, Table, Verdict};

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

/// The id of the notes that say which container images `set-image` replaced.
pub const SET_IMAGE: &str = "set-image";

/// What `set-image` changed, so that a reviewer sees that what was checked differs from the
/// files: a note in the headline, a notice at each replaced image's line (object, container,
/// from → to), the list in the summary, and the entries that matched nothing. The outputs stay
/// as they are: the notices are not findings of the check.
pub fn set_images(
    report: &mut Report,
    sources: &[Source],
    objects: &Objects,
    unmatched: &[&Entry],
) {
    let mut notices = Vec::new();
    let mut items = Vec::new();
    for object in &objects.checked {
        let file = &sources[object.source].display;
        for set in &object.set_images {
            let what = format!(
                "{} container {}: {} → {}",
                object.reference(),
                set.container,
                set.from,
                set.to
            );
            items.push(crate::gha::printable(&format!(
                "{what} ({file}:{})",
                set.line
            )));
            notices.push(
                Finding::new(
                    Severity::Notice,
                    SET_IMAGE,
                    "Image set as the deploy sets it",
                    crate::gha::printable(&format!(
                        "{what}, checked as the deploy sets it (set-image)"
                    )),
                )
                .at(Location {
                    line: Some(set.line as u32),
                    column: Some(set.column as u32),
                    ..Location::file(file.clone())
                }),
            );
        }
    }
    for entry in unmatched {
        notices.push(Finding::new(
            Severity::Notice,
            SET_IMAGE,
            "Image set as the deploy sets it",
            crate::gha::printable(&format!(
                "`set-image` {} matched no container: the manifests were checked as written",
                entry.given
            )),
        ));
    }
    if !items.is_empty() {
        let n = items.len();
        report.headline.push_str(&format!(
            "; {n} container {} set by set-image",
            if n == 1 { "image" } else { "images" }
        ));
        report.summary.push(Block::paragraph([
            Inline::Text("Checked as the deploy will apply them: ".into()),
            Inline::Code("set-image".into()),
            Inline::Text(format!(
                " set {n} container {} that the files name otherwise (object, container: file's image → checked image):",
                if n == 1 { "image" } else { "images" }
            )),
        ]));
        report.summary.push(Block::List { items });
    }
    if !unmatched.is_empty() {
        let given: Vec<String> = unmatched
            .iter()
            .map(|e| crate::gha::printable(&e.given))
            .collect();
        report.summary.push(Block::paragraph([
            Inline::Code("set-image".into()),
            Inline::Text(format!(
                " matched no container, so it changed nothing: {}.",
                given.join(", ")
            )),
        ]));
    }
    report.findings.extend(notices);
}
