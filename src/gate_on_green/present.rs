//! Presenting: an outcome as a report — verdict, headline, outputs, the table of every check
//! considered, findings for what blocked, and the summary's sources and request counts.

use super::checks::{self, ItemState};
use super::{Config, Ending, NAME, Outcome};
pub use crate::inputs::human;
use crate::report::{Block, Finding, Inline, Report, Table, Verdict};

/// The report of an outcome: verdict, table of every check considered, findings for what blocked.
pub fn report(cfg: &Config, outcome: &Outcome) -> Report {
    let short = &cfg.sha[..12.min(cfg.sha.len())];
    let blocking = outcome.blocking();
    let (verdict, headline) = match &outcome.ending {
        Ending::Green => (
            Verdict::Passed,
            format!(
                "{short} is green: {} check(s) passed",
                outcome.evaluation.items.len()
            ),
        ),
        Ending::Red => (
            Verdict::Blocked,
            format!("{short} is red: {}", blocking.join(", ")),
        ),
        Ending::Missing => (
            Verdict::Blocked,
            format!(
                "{short}: expected check(s) never appeared: {}",
                blocking.join(", ")
            ),
        ),
        Ending::StillPending { waited: true } => (
            Verdict::Blocked,
            format!(
                "{short}: timed out after {} with check(s) pending: {}",
                human(cfg.timeout),
                blocking.join(", ")
            ),
        ),
        Ending::StillPending { waited: false } => (
            Verdict::Blocked,
            format!(
                "{short}: check(s) still pending and wait is false: {}",
                blocking.join(", ")
            ),
        ),
        Ending::NotHead { head } => (
            Verdict::Blocked,
            format!(
                "{short} is not the head of {} (head is {})",
                cfg.branch.as_deref().unwrap_or("?"),
                &head[..12.min(head.len())]
            ),
        ),
    };
    let mut report = Report::new(NAME, verdict, headline);
    for item in &outcome.evaluation.items {
        let finding = match (item.state, &outcome.ending) {
            (ItemState::Failed, _) => Finding::error(
                "check-failed",
                format!("{} failed", item.name),
                format!(
                    "{} concluded {} ({})",
                    item.name, item.conclusion, item.source
                ),
            )
            .linked(&item.url),
            (ItemState::Missing, Ending::Missing | Ending::StillPending { .. })
                if item.name == checks::ANY_CHECK =>
            {
                Finding::error(
                    "no-checks",
                    "No checks on the commit",
                    "The commit has no check runs or statuses; set allow-no-checks to pass such a commit.",
                )
            }
            (ItemState::Missing, Ending::Missing | Ending::StillPending { .. }) => Finding::error(
                "check-missing",
                format!("{} never appeared", item.name),
                format!(
                    "{} (required by {}) did not appear on the commit within {}",
                    item.name,
                    item.required_by,
                    human(cfg.discovery_timeout.min(cfg.timeout))
                ),
            ),
            (ItemState::Pending, Ending::StillPending { .. }) => Finding::error(
                "check-pending",
                format!("{} still pending", item.name),
                format!("{} ({}) is still {}", item.name, item.source, item.status),
            ),
            _ => continue,
        };
        report.findings.push(finding);
    }
    if let Ending::NotHead { head } = &outcome.ending {
        report.findings.push(Finding::error(
            "not-head-of-branch",
            "Not the head of the branch",
            format!(
                "{} is not the head of {} any more (head is {head}); deploying it would roll back newer commits",
                cfg.sha,
                cfg.branch.as_deref().unwrap_or("?")
            ),
        ));
    }
    for note in &outcome.notes {
        report
            .findings
            .push(Finding::warning("gate-note", "Note", note.clone()));
    }
    let mut table = Table::new([
        "check",
        "source",
        "required by",
        "state",
        "conclusion",
        "details",
    ])
    .links_in(5);
    for item in &outcome.evaluation.items {
        let state = match item.state {
            ItemState::Passed => "passed",
            ItemState::Failed => "failed",
            ItemState::Pending => "pending",
            ItemState::Missing => "missing",
        };
        table.row([
            item.name.clone(),
            item.source.clone(),
            item.required_by.clone(),
            match item.state {
                ItemState::Pending => format!("{state} ({})", item.status),
                _ => state.to_string(),
            },
            item.conclusion.clone(),
            item.url.clone(),
        ]);
    }
    report.table = Some(table);
    let stats = outcome.stats;
    report.summary.push(Block::paragraph([Inline::Strong(
        "Checks considered came from:".into(),
    )]));
    report.summary.push(Block::List {
        items: outcome.requirements.clone(),
    });
    report.summary.push(Block::paragraph([Inline::Text(format!(
        "{} API request(s): {} billed, {} answered 304 Not Modified (free); {} poll(s) over {}.",
        stats.sent,
        stats.billed(),
        stats.not_modified,
        outcome.polls,
        human(outcome.elapsed)
    ))]));
    report.output("state", outcome.state().as_str());
    report.output("blocking", blocking.join(","));
    report.output("requests", stats.sent.to_string());
    report
}

/// The most check names one progress line lists per state.
const PROGRESS_NAMES: usize = 5;

/// One progress line of a poll that did not decide: how many passed, and each check the verdict
/// still waits for (every one of them blocks it) with its state.
pub fn progress_line(evaluation: &checks::Evaluation) -> String {
    let items = &evaluation.items;
    let passed = items
        .iter()
        .filter(|i| i.state == ItemState::Passed)
        .count();
    let waiting: Vec<String> = items
        .iter()
        .filter(|i| matches!(i.state, ItemState::Pending | ItemState::Missing))
        .map(|i| match i.state {
            ItemState::Missing => format!("{} (not yet seen)", i.name),
            _ => format!("{} ({})", i.name, i.status),
        })
        .collect();
    let mut shown = waiting
        .iter()
        .take(PROGRESS_NAMES)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if waiting.len() > PROGRESS_NAMES {
        shown.push_str(&format!(", and {} more", waiting.len() - PROGRESS_NAMES));
    }
    format!(
        "{passed} of {} check(s) passed; waiting for {} (each blocks the verdict): {shown}",
        items.len(),
        waiting.len()
    )
}
