//! The report: verdict and headline, a row per revision (declared and observed contract,
//! upgrade and downgrade time, stairway), the failed step's traceback folded away, and the
//! outputs.

use super::collect::Collected;
use super::contracts::Contract;
use super::decide::Decided;
use super::order::Kind;
use crate::check_alembic_heads::rules::Revision;
use crate::report::{Block, Inline, Report, Table, Verdict};
use serde_json::json;

/// The outputs every run sets, whatever stopped it: `result` aside, in this order.
fn outputs(
    report: &mut Report,
    revisions: usize,
    failed: Option<&str>,
    slowest: Option<(&str, f64)>,
    observed: serde_json::Value,
    needs: (bool, bool),
) {
    report.output("revisions", revisions.to_string());
    report.output("failed-revision", failed.unwrap_or_default());
    report.output(
        "slowest",
        slowest
            .map(|(id, ms)| json!({ "revision": id, "ms": ms.round() }).to_string())
            .unwrap_or_default(),
    );
    report.output("observed-contracts", observed.to_string());
    report.output("requires-maintenance-window", needs.0.to_string());
    report.output("destructive", needs.1.to_string());
}

/// check-alembic-heads blocked the graph: its findings, and no SQL ran.
pub fn graph_blocked(heads: Report) -> Report {
    let mut report = Report::new(
        super::NAME,
        Verdict::Blocked,
        format!(
            "the revision graph does not pass check-alembic-heads ({}); no migration ran",
            heads.headline
        ),
    );
    report.findings = heads.findings;
    let count = heads
        .outputs
        .iter()
        .find(|(k, _)| k == "revision-count")
        .map(|(_, v)| v.parse().unwrap_or(0))
        .unwrap_or(0);
    outputs(&mut report, count, None, None, json!({}), (false, false));
    report
}

fn ms(value: Option<f64>) -> String {
    value
        .map(|v| format!("{v:.0} ms"))
        .unwrap_or_else(|| "–".into())
}

/// For the headline of a run that passed: the downgrades it did not run (`no_downgrade`).
fn declared_away(revisions: &[Revision], collected: &Collected) -> String {
    let mut ids: Vec<&str> = Vec::new();
    for i in collected.skipped.iter().filter_map(|s| s.revision) {
        if !ids.contains(&revisions[i].id.as_str()) {
            ids.push(&revisions[i].id);
        }
    }
    match ids.as_slice() {
        [] => String::new(),
        [id] => format!("; {id} declares no_downgrade: not taken down"),
        ids => format!(
            "; {} revisions declare no_downgrade ({}): not taken down",
            ids.len(),
            ids.join(", ")
        ),
    }
}

pub fn report(revisions: &[Revision], collected: &Collected, decided: &Decided) -> Report {
    let failed = decided.failed_revision.map(|i| revisions[i].id.as_str());
    let ran = collected.steps.len();
    let total_ms: f64 = collected
        .steps
        .iter()
        .filter_map(|(_, a)| a.as_ref().ok().map(|a| a.ms))
        .sum();
    let headline = match (&decided.failure, decided.verdict) {
        (Some((step, _)), _) => match step.revision {
            Some(i) if step.kind == Kind::WalkDown => format!(
                "{} failed at {} ({}), after every revision went up",
                revisions[i].id,
                step.kind.describe(),
                revisions[i].file,
            ),
            Some(i) => format!(
                "{} failed at {} ({}): {} of {} revisions went through",
                revisions[i].id,
                step.kind.describe(),
                revisions[i].file,
                i,
                revisions.len()
            ),
            None => format!(
                "alembic check failed at head, after all {} revisions ran",
                revisions.len()
            ),
        },
        (None, Verdict::Blocked) => {
            let over = decided
                .findings
                .iter()
                .filter(|f| f.severity == crate::report::Severity::Error)
                .count();
            let does = if over == 1 { "does" } else { "do" };
            format!(
                "{} revisions ran, but {over} of them {does} more than their migration_contract says",
                revisions.len()
            )
        }
        (None, _) => format!(
            "{} revisions ran base → head{}{} in {:.1} s{}",
            revisions.len(),
            if collected.settings_stairway {
                ", each down and up again"
            } else {
                " and back down"
            },
            if collected.contracts_checked {
                ", contracts match their SQL"
            } else {
                ""
            },
            total_ms / 1000.0,
            declared_away(revisions, collected),
        ),
    };
    let mut report = Report::new(super::NAME, decided.verdict, headline);
    report.findings = decided.findings.clone();

    let slowest = decided
        .runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.upgrade_ms.map(|ms| (revisions[i].id.as_str(), ms)))
        .max_by(|a, b| a.1.total_cmp(&b.1));
    let declared = |r: &Revision| r.contract.as_ref().and_then(|(c, _)| Contract::parse(c));
    let mut observed = serde_json::Map::new();
    let mut needs = (false, false);
    for (rev, run) in revisions.iter().zip(&decided.runs) {
        observed.insert(
            rev.id.clone(),
            json!({
                "declared": rev.contract.as_ref().map(|(c, _)| c.clone()),
                "observed": run.observed.map(Contract::as_str),
            }),
        );
        // Only the migrations not deployed yet (changed-since) decide what the deploy needs.
        let counted = if rev.checked {
            [declared(rev), run.observed]
        } else {
            [None, None]
        };
        for c in counted.into_iter().flatten() {
            needs.0 |= c == Contract::RequiresMaintenanceWindow;
            needs.1 |= c == Contract::Destructive;
        }
    }
    outputs(
        &mut report,
        revisions.len(),
        failed,
        slowest,
        serde_json::Value::Object(observed),
        needs,
    );

    let mut table = Table::new([
        "Revision",
        "Declared",
        "Observed",
        "Upgrade",
        "Downgrade",
        "Stairway",
    ]);
    for (i, (rev, run)) in revisions.iter().zip(&decided.runs).enumerate() {
        let stairway = match run.stairway {
            _ if run.skipped.contains(&Kind::StairwaySkipped) => "skipped".to_string(),
            Some(true) => "passed".to_string(),
            Some(false) => "failed".to_string(),
            None if failed.is_some() && decided.failed_revision.is_some_and(|f| i > f) => {
                "not reached".into()
            }
            None => "–".into(),
        };
        table.row([
            rev.id.clone(),
            rev.contract.as_ref().map_or("–".into(), |(c, _)| c.clone()),
            run.observed.map_or("–", Contract::as_str).to_string(),
            ms(run.upgrade_ms),
            match run.skipped.is_empty() {
                true => ms(run.downgrade_ms),
                false => format!("skipped: {}", super::order::declared_away(rev)),
            },
            stairway,
        ]);
    }
    report.table = Some(table);
    report.summary.push(Block::paragraph([
        Inline::Text(format!(
            "{ran} Alembic commands in one process on {}, {:.1} s in all",
            collected.database,
            total_ms / 1000.0
        )),
        Inline::Text(match slowest {
            Some((id, ms)) => format!("; the slowest upgrade: {id}, {ms:.0} ms."),
            None => ".".into(),
        }),
    ]));
    if let Some((step, details)) = &decided.failure
        && !details.trim().is_empty()
    {
        report.summary.push(Block::Details {
            summary: format!("alembic {}: what it printed", step.argv.join(" ")),
            text: details.clone(),
        });
    }
    report
}
