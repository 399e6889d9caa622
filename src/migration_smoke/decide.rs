//! From what a run saw to findings and a verdict. Pure: every rule here is tested without a
//! database. The first failed step is one finding on the migration file (on the line of the
//! frame in that file, where the traceback has one); each contract mismatch is one finding on
//! the `migration_contract` line. A downgrade declared away (`no_downgrade`) is a notice on the
//! `no_downgrade` line: the run passes, and the reviewer sees that rollback was not exercised.

use super::collect::Collected;
use super::contracts::{self, Contract};
use super::driver::Answer;
use super::order::{Kind, Step};
use crate::check_alembic_heads::rules::Revision;
use crate::report::{Finding, Location, Severity, Verdict};
use std::path::Path;

/// What one revision did, for the table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RevisionRun {
    pub upgrade_ms: Option<f64>,
    pub downgrade_ms: Option<f64>,
    /// Whether its stairway (up, down, up) went through; `None`: not run.
    pub stairway: Option<bool>,
    /// The contract its SQL needs, where it was checked.
    pub observed: Option<Contract>,
    /// Its steps the run reached but did not run, as it declares `no_downgrade`.
    pub skipped: Vec<Kind>,
}

pub struct Decided {
    pub verdict: Verdict,
    pub findings: Vec<Finding>,
    /// The revision whose step failed first.
    pub failed_revision: Option<usize>,
    /// The step that failed, with what it answered (for the summary's details).
    pub failure: Option<(Step, String)>,
    pub runs: Vec<RevisionRun>,
}

pub fn decide(revisions: &[Revision], collected: &Collected) -> Decided {
    let mut runs = vec![RevisionRun::default(); revisions.len()];
    let mut findings = Vec::new();
    let mut failed_revision = None;
    let mut failure = None;
    for (step, answer) in &collected.steps {
        let run = step.revision.map(|i| &mut runs[i]);
        match answer {
            Ok(a) if a.ok => {
                if let Some(run) = run {
                    match step.kind {
                        Kind::Upgrade => run.upgrade_ms = Some(a.ms),
                        // The stairway's, where it ran: the walk down to base comes later.
                        Kind::Downgrade | Kind::WalkDown => {
                            run.downgrade_ms.get_or_insert(a.ms);
                        }
                        Kind::Reupgrade => run.stairway = Some(true),
                        Kind::ModelCheck
                        | Kind::Sql
                        | Kind::StairwaySkipped
                        | Kind::WalkStopped => {}
                    }
                }
            }
            _ => {
                if let Some(run) = run
                    && collected.settings_stairway
                    && step.kind != Kind::WalkDown
                {
                    run.stairway = Some(false);
                }
                failed_revision = step.revision;
                let (finding, details) = step_failure(revisions, collected, step, answer);
                findings.push(finding);
                failure = Some((step.clone(), details));
            }
        }
    }
    for step in &collected.skipped {
        if let Some(i) = step.revision {
            runs[i].skipped.push(step.kind);
        }
    }
    for (i, run) in runs.iter().enumerate() {
        if !run.skipped.is_empty() {
            findings.push(declared_away_finding(&revisions[i], i, &run.skipped));
        }
    }
    for (i, sql) in collected.sql.iter().enumerate() {
        let rev = &revisions[i];
        if !rev.checked {
            continue;
        }
        match sql {
            None if collected.contracts_checked && rev.parents.len() > 1 => {
                findings.push(
                    Finding::new(
                        Severity::Notice,
                        "contract-not-checked",
                        "Merge revision's contract not checked",
                        format!(
                            "{}: a merge has no single range to render its SQL from; its contract is not checked",
                            rev.id
                        ),
                    )
                    .at(Location::file(&rev.file)),
                );
            }
            None => {}
            Some(Err(why)) => findings.push(
                Finding::error(
                    "sql-not-rendered",
                    "Offline SQL could not be rendered",
                    format!(
                        "{}: `alembic upgrade --sql` failed, so its contract cannot be checked: {}",
                        rev.id,
                        first_line(why)
                    ),
                )
                .at(contract_location(rev)),
            ),
            Some(Ok(lints)) => {
                let observed = contracts::observe(lints);
                if let Some(lint) = &observed.unreadable {
                    findings.push(
                        Finding::error(
                            "sql-unreadable",
                            "squawk cannot read the SQL",
                            format!(
                                "{}: squawk cannot parse its SQL (line {}: {}), so its contract cannot be checked",
                                rev.id, lint.line, lint.message
                            ),
                        )
                        .at(contract_location(rev)),
                    );
                    continue;
                }
                runs[i].observed = Some(observed.needs);
                findings.extend(contract_finding(rev, &observed));
            }
        }
    }
    let verdict = if findings.iter().any(|f| f.severity == Severity::Error) {
        Verdict::Blocked
    } else {
        Verdict::Passed
    };
    Decided {
        verdict,
        findings,
        failed_revision,
        failure,
        runs,
    }
}

/// The notice of a revision whose downgrade was not run (`at`: its place in upgrade order).
fn declared_away_finding(rev: &Revision, at: usize, skipped: &[Kind]) -> Finding {
    let what: Vec<String> = skipped
        .iter()
        .map(|kind| match kind {
            Kind::WalkStopped => format!(
                "the walk back to base stopped at it ({})",
                super::order::not_walked(at)
            ),
            _ => "the stairway upgraded it but ran neither its downgrade nor the upgrade after it"
                .into(),
        })
        .collect();
    let location = match &rev.no_downgrade {
        Some((_, line)) => Location::line(&rev.file, *line),
        None => Location::file(&rev.file),
    };
    Finding::new(
        Severity::Notice,
        "downgrade-declared-away",
        "Downgrade declared away, not exercised",
        format!(
            "{} {}, so its rollback was not exercised: {}",
            rev.id,
            super::order::declared_away(rev),
            what.join("; ")
        ),
    )
    .at(location)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

fn contract_location(rev: &Revision) -> Location {
    match &rev.contract {
        Some((_, line)) => Location::line(&rev.file, *line),
        None => Location::file(&rev.file),
    }
}

/// Declared against observed: less is an error, more a notice, none a warning when it matters.
fn contract_finding(rev: &Revision, observed: &contracts::Observed) -> Option<Finding> {
    let reasons: Vec<String> = observed
        .reasons
        .iter()
        .filter(|(lint, _)| {
            contracts::MEANINGS
                .iter()
                .any(|m| m.rule == lint.rule && m.needs == observed.needs)
        })
        .map(|(lint, why)| format!("{} (SQL line {}: {why})", lint.rule, lint.line))
        .collect();
    let needs = observed.needs.as_str();
    let declared = rev
        .contract
        .as_ref()
        .and_then(|(name, _)| Contract::parse(name));
    let location = contract_location(rev);
    let finding = match declared {
        None if observed.needs == Contract::SafeOnline => return None,
        None => Finding::warning(
            "contract-undeclared",
            "Migration declares no contract",
            format!(
                "{} declares no migration_contract; its SQL needs {needs}: {}",
                rev.id,
                reasons.join("; ")
            ),
        ),
        Some(d) if d < observed.needs => Finding::error(
            "contract-under-declared",
            "Migration does more than its contract says",
            format!(
                "{} declares {} but its SQL needs {needs}: {}",
                rev.id,
                d.as_str(),
                reasons.join("; ")
            ),
        ),
        Some(d) if d > observed.needs => Finding::new(
            Severity::Notice,
            "contract-over-declared",
            "Migration declares more than its SQL does",
            format!(
                "{} declares {} but its SQL needs only {needs}",
                rev.id,
                d.as_str()
            ),
        ),
        Some(_) => return None,
    };
    Some(finding.at(location))
}

/// The finding of the step that stopped the run, and the text for the summary's details.
fn step_failure(
    revisions: &[Revision],
    collected: &Collected,
    step: &Step,
    answer: &Result<Answer, super::driver::NoAnswer>,
) -> (Finding, String) {
    let (error, details, frames): (String, String, &[(String, u32)]) = match answer {
        Ok(a) => (
            a.error.clone().unwrap_or_default(),
            [a.traceback.as_deref().unwrap_or_default(), &a.stderr]
                .iter()
                .filter(|t| !t.trim().is_empty())
                .cloned()
                .collect::<Vec<_>>()
                .join("\n"),
            &a.frames,
        ),
        Err(no) => (no.describe(), no.describe(), &[]),
    };
    let command = format!("alembic {}", step.argv.join(" "));
    let Some(i) = step.revision else {
        // alembic check: the models against the schema at head.
        let finding = if error.contains("does not provide a MetaData") {
            Finding::error(
                "model-check-impossible",
                "No models to check",
                format!(
                    "`{command}` needs the models: env.py sets no target_metadata. Give it the models' MetaData, or set model-check: false. ({})",
                    first_line(error.trim())
                ),
            )
        } else {
            Finding::error(
                "model-drift",
                "Models do not match the migrations",
                format!("`{command}` at head: {}", error.trim()),
            )
        };
        return (finding, details);
    };
    let rev = &revisions[i];
    let line = collected.files[i]
        .as_deref()
        .and_then(|file| frame_line(frames, file));
    let location = match line {
        Some(line) => Location::line(&rev.file, line),
        None => Location::file(&rev.file),
    };
    let (rule, title, what) = match (step.kind, answer) {
        (_, Err(super::driver::NoAnswer::TimedOut(_))) => (
            "step-timed-out",
            "Migration step timed out",
            "did not finish",
        ),
        (Kind::Reupgrade, _) => (
            "downgrade-incomplete",
            "Downgrade does not undo its upgrade",
            "upgraded, downgraded, then failed to upgrade again: its downgrade left something behind",
        ),
        (Kind::Downgrade, _) => (
            "downgrade-failed",
            "Downgrade failed",
            "failed to downgrade",
        ),
        (Kind::WalkDown, _) => (
            "downgrade-failed",
            "Downgrade failed",
            "failed to downgrade on the way back from head to base",
        ),
        _ => ("upgrade-failed", "Upgrade failed", "failed to upgrade"),
    };
    let finding = Finding::error(
        rule,
        title,
        format!("{} {what} (`{command}`): {}", rev.id, error.trim()),
    )
    .at(location);
    (finding, details)
}

/// The line of the innermost frame in `file`: the `op.` call that failed.
fn frame_line(frames: &[(String, u32)], file: &Path) -> Option<u32> {
    frames
        .iter()
        .rev()
        .find(|(f, _)| {
            Path::new(f) == file || std::fs::canonicalize(f).ok().as_deref() == Some(file)
        })
        .map(|(_, line)| *line)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::migration_smoke::contracts::Lint;
    use crate::migration_smoke::driver::NoAnswer;

    fn rev(id: &str, parents: &[usize], contract: Option<&str>) -> Revision {
        Revision {
            id: id.into(),
            parents: parents.to_vec(),
            file: format!("versions/{id}.py"),
            contract: contract.map(|c| (c.to_string(), 7)),
            checked: true,
            no_downgrade: None,
        }
    }

    fn ok(ms: f64) -> Result<Answer, NoAnswer> {
        Ok(Answer {
            ok: true,
            ms,
            ..Answer::default()
        })
    }

    fn collected(
        steps: Vec<(Step, Result<Answer, NoAnswer>)>,
        sql: Vec<Option<Result<Vec<Lint>, String>>>,
    ) -> Collected {
        let n = sql.len();
        Collected {
            steps,
            skipped: Vec::new(),
            sql,
            files: (0..n)
                .map(|i| Some(std::path::PathBuf::from(format!("/p/versions/r{i}.py"))))
                .collect(),
            database: "db".into(),
            settings_stairway: true,
            contracts_checked: true,
        }
    }

    fn step(revision: usize, kind: Kind) -> Step {
        Step {
            revision: Some(revision),
            kind,
            argv: vec!["upgrade".into(), "x".into()],
        }
    }

    fn lint(rule: &str) -> Lint {
        Lint {
            rule: rule.into(),
            line: 5,
            message: String::new(),
            file: String::new(),
        }
    }

    #[test]
    fn a_failed_upgrade_is_on_the_line_of_its_frame() {
        let revs = [rev("r0", &[], None)];
        let failed = Ok(Answer {
            ok: false,
            error: Some("relation \"order\" does not exist".into()),
            frames: vec![
                ("/lib/alembic.py".into(), 1),
                ("/p/versions/r0.py".into(), 12),
                ("/lib/sa.py".into(), 3),
            ],
            ..Answer::default()
        });
        let d = decide(
            &revs,
            &collected(vec![(step(0, Kind::Upgrade), failed)], vec![None]),
        );
        assert_eq!(d.verdict, Verdict::Blocked);
        assert_eq!(d.failed_revision, Some(0));
        let f = &d.findings[0];
        assert_eq!(f.rule, "upgrade-failed");
        assert_eq!(f.location, Some(Location::line("versions/r0.py", 12)));
        assert!(f.message.contains("does not exist"));
    }

    #[test]
    fn a_second_upgrade_that_fails_blames_the_downgrade() {
        let revs = [rev("r0", &[], None)];
        let steps = vec![
            (step(0, Kind::Upgrade), ok(3.0)),
            (step(0, Kind::Downgrade), ok(2.0)),
            (step(0, Kind::Reupgrade), Ok(Answer::default())),
        ];
        let d = decide(&revs, &collected(steps, vec![None]));
        assert_eq!(d.findings[0].rule, "downgrade-incomplete");
        assert_eq!(d.runs[0].stairway, Some(false));
        assert_eq!(d.runs[0].upgrade_ms, Some(3.0));
    }

    #[test]
    fn a_downgrade_declared_away_is_a_notice_on_its_line_and_passes() {
        let mut revs = [
            rev("r0", &[], None),
            rev("r1", &[0], None),
            rev("r2", &[1], None),
        ];
        revs[1].no_downgrade = Some(("the data\nis gone".into(), 9));
        let steps = vec![
            (step(0, Kind::Upgrade), ok(3.0)),
            (step(0, Kind::Downgrade), ok(2.0)),
            (step(0, Kind::Reupgrade), ok(3.0)),
            (step(1, Kind::Upgrade), ok(4.0)),
            (step(2, Kind::Upgrade), ok(5.0)),
            (step(2, Kind::Downgrade), ok(1.0)),
            (step(2, Kind::Reupgrade), ok(5.0)),
            (step(2, Kind::WalkDown), ok(1.0)),
        ];
        let mut c = collected(steps, vec![None, None, None]);
        c.skipped = vec![step(1, Kind::StairwaySkipped), step(1, Kind::WalkStopped)];
        let d = decide(&revs, &c);
        assert_eq!(d.verdict, Verdict::Passed);
        assert_eq!(d.findings.len(), 1, "{:?}", d.findings);
        let f = &d.findings[0];
        assert_eq!(f.rule, "downgrade-declared-away");
        assert_eq!(f.severity, Severity::Notice);
        assert_eq!(f.location, Some(Location::line("versions/r1.py", 9)));
        assert_eq!(
            f.message,
            "r1 declares no_downgrade \"the data\\u{a}is gone\", so its rollback was not exercised: \
             the stairway upgraded it but ran neither its downgrade nor the upgrade after it; \
             the walk back to base stopped at it (the 1 revision before it is not walked down)"
        );
        assert_eq!(
            d.runs[1].skipped,
            [Kind::StairwaySkipped, Kind::WalkStopped]
        );
        assert_eq!(d.runs[1].stairway, None);
        assert_eq!(d.runs[1].downgrade_ms, None);
        assert_eq!(d.runs[2].stairway, Some(true));
    }

    /// Every finding id decide gives is in docs/migration-smoke.md's `## Finding ids`.
    #[test]
    fn the_docs_list_the_finding_ids() {
        let docs = include_str!("../../docs/migration-smoke.md");
        let (_, ids) = docs.split_once("\n## Finding ids\n").unwrap();
        let ids = ids.split("\n## ").next().unwrap();
        let source = include_str!("decide.rs");
        let (code, _) = source.split_once("#[cfg(test)]").unwrap();
        let mut given: Vec<&str> = code
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|t| {
                t.contains('-')
                    && t.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                    && !t.starts_with('-')
            })
            .collect();
        given.sort_unstable();
        given.dedup();
        assert!(given.contains(&"downgrade-declared-away"), "{given:?}");
        for id in given {
            assert!(
                ids.contains(&format!("`{id}`")),
                "{id} is not in the docs' finding ids"
            );
        }
    }

    #[test]
    fn contracts_under_over_and_undeclared() {
        let revs = [
            rev("r0", &[], Some("safe_online")),
            rev("r1", &[0], Some("destructive")),
            rev("r2", &[1], None),
            rev("r3", &[2], Some("requires_maintenance_window")),
        ];
        let sql = vec![
            Some(Ok(vec![lint("changing-column-type")])),
            Some(Ok(vec![lint("require-lock-timeout")])),
            Some(Ok(vec![lint("ban-drop-table")])),
            Some(Ok(vec![lint("adding-not-nullable-field")])),
        ];
        let d = decide(&revs, &collected(vec![], sql));
        let rules: Vec<&str> = d.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(
            rules,
            [
                "contract-under-declared",
                "contract-over-declared",
                "contract-undeclared"
            ]
        );
        assert_eq!(d.verdict, Verdict::Blocked);
        assert_eq!(
            d.findings[0].location,
            Some(Location::line("versions/r0.py", 7))
        );
        assert!(
            d.findings[0]
                .message
                .contains("changing-column-type (SQL line 5")
        );
        assert_eq!(
            d.runs[3].observed,
            Some(Contract::RequiresMaintenanceWindow)
        );
    }

    #[test]
    fn a_deployed_migration_changed_since_excludes_is_not_compared() {
        let mut old = rev("r0", &[], Some("safe_online"));
        old.checked = false;
        let sql = vec![Some(Ok(vec![lint("ban-drop-table")]))];
        let d = decide(&[old], &collected(vec![], sql));
        assert!(d.findings.is_empty());
        assert_eq!(d.verdict, Verdict::Passed);
        assert_eq!(d.runs[0].observed, None);
    }

    #[test]
    fn a_timed_out_step_and_unreadable_sql_block() {
        let revs = [rev("r0", &[], Some("safe_online"))];
        let steps = vec![(
            step(0, Kind::Upgrade),
            Err(NoAnswer::TimedOut(std::time::Duration::from_secs(1))),
        )];
        let d = decide(
            &revs,
            &collected(steps, vec![Some(Ok(vec![lint("syntax-error")]))]),
        );
        let rules: Vec<&str> = d.findings.iter().map(|f| f.rule.as_str()).collect();
        assert_eq!(rules, ["step-timed-out", "sql-unreadable"]);
        assert_eq!(d.runs[0].observed, None);
    }
}
