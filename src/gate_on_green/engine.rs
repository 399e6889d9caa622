//! Collecting: the polling engine. Reads the expected checks, then polls the commit's check
//! runs and statuses until they decide, the deadline passes, or the commit stops being the head.

use super::checks::{self, Evaluation, Expected, ItemState, Rules, State};
use super::{Config, Ending, Outcome, pace, peers};
use crate::gha::Progress;
use crate::github::models::{CheckRun, Status, WorkflowRun};
use crate::github::{self, ApiError, Client};
use crate::report::Failure;
use tokio::time::Instant;

fn api_failure(what: &str, e: ApiError) -> Failure {
    if let ApiError::Status { message, .. } = &e
        && message.to_ascii_lowercase().contains("rate limit")
    {
        return Failure::undecided(format!("{what}: {e}"));
    }
    match e.status() {
        Some(401) => Failure::invalid(format!("{what}: the token was refused ({e})")),
        Some(403 | 404 | 422) => Failure::invalid(format!(
            "{what}: {e} (does the token have read access to checks, statuses and actions?)"
        )),
        _ => Failure::undecided(format!("{what}: {e}")),
    }
}

/// The expected checks: the input's globs, else the branch's required checks from rulesets and
/// classic protection; empty means every check on the commit.
async fn requirements(
    client: &Client,
    cfg: &Config,
    deadline: Instant,
    notes: &mut Vec<String>,
    lines: &mut Vec<String>,
) -> Result<Vec<Expected>, Failure> {
    if !cfg.checks.is_empty() {
        lines.push(format!("input `checks`: {}", cfg.checks.join(", ")));
        return Ok(cfg
            .checks
            .iter()
            .map(|p| Expected {
                pattern: p.clone(),
                app_id: None,
                source: "input checks".into(),
                glob: true,
            })
            .collect());
    }
    let Some(branch) = &cfg.branch else {
        notes.push("No branch given and none in the event: required checks not read.".into());
        lines.push("every check on the commit (no branch to read required checks from)".into());
        return Ok(vec![]);
    };
    let mut expected = Vec::new();
    match client.branch_rules(&cfg.repo, branch, Some(deadline)).await {
        Ok(rules) => {
            for rule in rules
                .value
                .iter()
                .filter(|r| r.kind == "required_status_checks")
            {
                let source = format!(
                    "ruleset {} #{}",
                    rule.ruleset_source.as_deref().unwrap_or("?"),
                    rule.ruleset_id
                        .map(|i| i.to_string())
                        .unwrap_or_else(|| "?".into())
                );
                let params = rule.parameters.clone().unwrap_or_default();
                let names: Vec<String> = params
                    .required_status_checks
                    .iter()
                    .map(|c| c.context.clone())
                    .collect();
                lines.push(format!("{source} (branch {branch}): {}", names.join(", ")));
                for c in params.required_status_checks {
                    expected.push(Expected {
                        pattern: c.context,
                        app_id: c.integration_id,
                        source: source.clone(),
                        glob: false,
                    });
                }
            }
        }
        Err(e) if matches!(e.status(), Some(403 | 404)) => {
            notes.push(format!(
                "Rulesets of branch {branch} could not be read: {e}"
            ));
        }
        Err(e) => return Err(api_failure("reading the branch's rulesets", e)),
    }
    match client.branch(&cfg.repo, branch, Some(deadline)).await {
        Ok(b) => {
            let checks = b
                .value
                .protection
                .and_then(|p| p.required_status_checks)
                .filter(|c| c.enforcement_level.as_deref() != Some("off"));
            if let Some(c) = checks {
                let source = "branch protection".to_string();
                let mut names = Vec::new();
                for check in c.checks {
                    names.push(check.context.clone());
                    expected.push(Expected {
                        pattern: check.context,
                        app_id: check.app_id,
                        source: source.clone(),
                        glob: false,
                    });
                }
                for context in c.contexts {
                    if !names.contains(&context) {
                        names.push(context.clone());
                        expected.push(Expected {
                            pattern: context,
                            app_id: None,
                            source: source.clone(),
                            glob: false,
                        });
                    }
                }
                if !names.is_empty() {
                    lines.push(format!("{source} (branch {branch}): {}", names.join(", ")));
                }
            }
        }
        Err(e) if matches!(e.status(), Some(403 | 404)) => {
            notes.push(format!(
                "Classic protection of branch {branch} could not be read: {e}"
            ));
        }
        Err(e) => return Err(api_failure("reading the branch", e)),
    }
    let expected = checks::merge_expected(expected);
    if expected.is_empty() {
        lines.push(format!(
            "every check on the commit (branch {branch} requires none)"
        ));
    }
    Ok(expected)
}

/// This job's own check run, through the jobs API: the in-progress job on this runner.
async fn own_check_run(
    client: &Client,
    cfg: &Config,
    deadline: Instant,
    notes: &mut Vec<String>,
) -> Result<Option<u64>, Failure> {
    if let Some(id) = cfg.self_check_run_id {
        return Ok(Some(id));
    }
    let Some(run) = &cfg.run else {
        return Ok(None);
    };
    match client
        .jobs(&cfg.repo, run.run_id, run.attempt, Some(deadline))
        .await
    {
        Ok(jobs) => {
            let mine: Vec<_> = jobs
                .value
                .iter()
                .filter(|j| {
                    j.status != "completed"
                        && j.runner_name.as_deref() == Some(run.runner_name.as_str())
                })
                .collect();
            match mine.as_slice() {
                [job] => Ok(Some(job.id)),
                _ => {
                    notes.push(format!(
                        "Could not tell this job's check run ({} running job(s) on runner {:?}); pass self-check-run-id.",
                        mine.len(),
                        run.runner_name
                    ));
                    Ok(None)
                }
            }
        }
        Err(e) if matches!(e.status(), Some(403 | 404)) => {
            notes.push(format!(
                "Could not list this run's jobs to exclude this job: {e}"
            ));
            Ok(None)
        }
        Err(e) => Err(api_failure("listing this run's jobs", e)),
    }
}

/// What one poll read: the commit's check runs and statuses, and whether either changed.
struct Seen {
    runs: Vec<CheckRun>,
    statuses: Vec<Status>,
    changed: bool,
}

impl Seen {
    /// The evaluation of what was seen. `commit_runs`, where read, tells which workflow each
    /// check suite runs and, when every check counts, which workflow runs are not done yet
    /// (other than this gate's `own_run` and the `skip_runs` of later gates).
    fn evaluate(
        &self,
        rules: &Rules,
        commit_runs: Option<&[WorkflowRun]>,
        skip_runs: &std::collections::BTreeSet<u64>,
        own_run: Option<u64>,
        discovery_over: bool,
    ) -> Evaluation {
        let suites: checks::SuiteWorkflows = commit_runs
            .unwrap_or_default()
            .iter()
            .filter_map(|r| Some((r.check_suite_id?, r.path.clone()?)))
            .collect();
        let mut observed = checks::from_check_runs(&self.runs, &suites);
        observed.extend(checks::from_statuses(&self.statuses));
        if let Some(commit_runs) = commit_runs.filter(|_| rules.expected.is_empty()) {
            observed.extend(checks::from_workflow_runs(commit_runs, own_run, skip_runs));
        }
        checks::evaluate(rules, &observed, discovery_over)
    }
}

async fn poll(client: &Client, cfg: &Config, deadline: Instant) -> Result<Seen, Failure> {
    let runs = client
        .check_runs(&cfg.repo, &cfg.sha, Some(deadline))
        .await
        .map_err(|e| api_failure("reading check runs", e))?;
    let statuses = client
        .combined_status(&cfg.repo, &cfg.sha, Some(deadline))
        .await
        .map_err(|e| api_failure("reading commit statuses", e))?;
    Ok(Seen {
        runs: runs.value,
        statuses: statuses.value,
        changed: runs.changed || statuses.changed,
    })
}

const SUITES_UNKNOWN: &str = "Checks of the same name in different workflow runs count separately (which workflow each runs could not be read)";

async fn commit_workflow_runs(
    client: &Client,
    cfg: &Config,
    deadline: Instant,
) -> Result<Vec<WorkflowRun>, Failure> {
    client
        .workflow_runs(&cfg.repo, &cfg.sha, Some(deadline))
        .await
        .map(|f| f.value)
        .map_err(|e| api_failure("listing the commit's workflow runs", e))
}

/// The gates created after this one among the jobs of its own run and of the workflow runs
/// that have jobs still running (see `peers`).
async fn later_gates(
    client: &Client,
    cfg: &Config,
    own_id: u64,
    seen: &Seen,
    commit_runs: &[WorkflowRun],
    deadline: Instant,
) -> Result<peers::LaterGates, Failure> {
    let Some(own) = &cfg.run else {
        return Ok(Default::default());
    };
    let jobs_of = |run_id: u64, attempt: u64| async move {
        client
            .jobs(&cfg.repo, run_id, attempt, Some(deadline))
            .await
            .map(|f| f.value)
            .map_err(|e| api_failure("listing a workflow run's jobs", e))
    };
    let own_jobs = jobs_of(own.run_id, own.attempt).await?;
    let Some(step) = peers::own_step(own_id, &own_jobs) else {
        return Ok(Default::default());
    };
    let running_suites: std::collections::BTreeSet<u64> = seen
        .runs
        .iter()
        .filter(|r| r.status != "completed")
        .filter_map(|r| r.check_suite.as_ref().map(|s| s.id))
        .collect();
    let mut jobs: Vec<(u64, github::models::Job)> =
        own_jobs.into_iter().map(|j| (own.run_id, j)).collect();
    for run in commit_runs.iter().filter(|r| {
        r.id != own.run_id
            && r.status.as_deref() != Some("completed")
            && r.check_suite_id
                .is_some_and(|s| running_suites.contains(&s))
    }) {
        let attempt = run.run_attempt.unwrap_or(1);
        jobs.extend(
            jobs_of(run.id, attempt)
                .await?
                .into_iter()
                .map(|j| (run.id, j)),
        );
    }
    Ok(peers::later_gates(own_id, &step, &jobs))
}

async fn head_of_branch(
    client: &Client,
    cfg: &Config,
    deadline: Instant,
) -> Result<Option<String>, Failure> {
    let Some(branch) = cfg.branch.as_deref().filter(|_| cfg.require_head_of_branch) else {
        return Ok(None);
    };
    let b = client
        .branch(&cfg.repo, branch, Some(deadline))
        .await
        .map_err(|e| api_failure("reading the branch head", e))?;
    Ok((!b.value.commit.sha.eq_ignore_ascii_case(&cfg.sha)).then_some(b.value.commit.sha))
}

/// Runs the gate: reads the requirements, then polls until a verdict or the deadline. `woke` is
/// called after every pause (tests use it to move their mock's timeline). Progress goes to stderr.
pub async fn gate(client: &Client, cfg: &Config, woke: &dyn Fn()) -> Result<Outcome, Failure> {
    gate_with(client, cfg, woke, &mut Progress::stderr(super::NAME)).await
}

/// `gate`, with its progress lines (one per poll that changed something, a heartbeat otherwise)
/// going to `progress`.
pub async fn gate_with(
    client: &Client,
    cfg: &Config,
    woke: &dyn Fn(),
    progress: &mut Progress,
) -> Result<Outcome, Failure> {
    let start = Instant::now();
    let deadline = start + cfg.timeout;
    let discovery_end = start + cfg.discovery_timeout.min(cfg.timeout);
    let mut notes = Vec::new();
    let mut lines = Vec::new();
    let expected = requirements(client, cfg, deadline, &mut notes, &mut lines).await?;
    let self_id = own_check_run(client, cfg, deadline, &mut notes).await?;
    let mut rules = Rules {
        expected,
        ignore: cfg.ignore.clone(),
        allowed: cfg.allowed.clone(),
        allow_no_checks: cfg.allow_no_checks,
        self_id,
        later_gates: Default::default(),
    };
    let finish = |ending, evaluation, polls, notes, lines| Outcome {
        ending,
        evaluation,
        requirements: lines,
        notes,
        stats: client.stats(),
        polls,
        elapsed: start.elapsed(),
    };
    if let Some(head) = head_of_branch(client, cfg, deadline).await? {
        let evaluation = checks::evaluate(&rules, &[], false);
        return Ok(finish(
            Ending::NotHead { head },
            evaluation,
            0,
            notes,
            lines,
        ));
    }
    let mut backoff = pace::Backoff::new(cfg.interval);
    let mut last: Option<Vec<(String, ItemState, String)>> = None;
    let mut polls = 0;
    let every_check = rules.expected.is_empty();
    let own_run = cfg.run.as_ref().map(|r| r.run_id);
    let mut later = peers::LaterGates::default();
    loop {
        let seen = poll(client, cfg, deadline).await?;
        polls += 1;
        let now = Instant::now();
        let discovery_over = now >= discovery_end;
        // The commit's workflow runs are read only where they can change the verdict: to tell
        // same-named checks of two suites apart, before passing on every check (a job that
        // `needs:` another appears only later), and when every check is waited for and nothing
        // moves (another gate may be waiting on this one).
        let mut commit_runs = None;
        if checks::names_shared_across_suites(&seen.runs) {
            // Without `actions: read` same-named checks of different suites count separately.
            match client
                .workflow_runs(&cfg.repo, &cfg.sha, Some(deadline))
                .await
            {
                Ok(runs) => commit_runs = Some(runs.value),
                Err(e) if matches!(e.status(), Some(403 | 404)) => {
                    if !notes.iter().any(|n| n.starts_with(SUITES_UNKNOWN)) {
                        notes.push(format!("{SUITES_UNKNOWN}: {e}"));
                    }
                }
                Err(e) => return Err(api_failure("listing the commit's workflow runs", e)),
            }
        }
        let evaluate = |rules: &Rules,
                        commit_runs: Option<&Vec<WorkflowRun>>,
                        skip: &std::collections::BTreeSet<u64>| {
            seen.evaluate(
                rules,
                commit_runs.map(Vec::as_slice),
                skip,
                own_run,
                discovery_over,
            )
        };
        let mut evaluation = evaluate(&rules, commit_runs.as_ref(), &later.workflow_runs);
        if every_check && evaluation.state == State::Success && commit_runs.is_none() {
            commit_runs = Some(commit_workflow_runs(client, cfg, deadline).await?);
            evaluation = evaluate(&rules, commit_runs.as_ref(), &later.workflow_runs);
        }
        let quiet = polls > 1 && !seen.changed;
        if let Some(own_id) = self_id.filter(|_| {
            every_check && cfg.run.is_some() && evaluation.state == State::Pending && quiet
        }) {
            let commit_runs = match commit_runs.take() {
                Some(runs) => runs,
                None => commit_workflow_runs(client, cfg, deadline).await?,
            };
            later.extend(later_gates(client, cfg, own_id, &seen, &commit_runs, deadline).await?);
            rules.later_gates.clone_from(&later.check_runs);
            evaluation = evaluate(&rules, Some(&commit_runs), &later.workflow_runs);
        }
        let ending = match evaluation.state {
            State::Failure => Some(Ending::Red),
            State::Missing => Some(Ending::Missing),
            State::Success => match head_of_branch(client, cfg, deadline).await? {
                Some(head) => Some(Ending::NotHead { head }),
                None => Some(Ending::Green),
            },
            State::Pending if !cfg.wait => Some(Ending::StillPending { waited: false }),
            State::Pending if now >= deadline => Some(Ending::StillPending { waited: true }),
            State::Pending => None,
        };
        if let Some(ending) = ending {
            return Ok(finish(ending, evaluation, polls, notes, lines));
        }
        let fingerprint = evaluation.fingerprint();
        let progressed = last.as_ref() != Some(&fingerprint);
        last = Some(fingerprint);
        let running = evaluation
            .items
            .iter()
            .filter(|i| i.state == ItemState::Pending)
            .count();
        let mut pause = backoff.next(progressed, running);
        let stats = client.stats();
        let reset_in = stats
            .rate_reset
            .map(|epoch| crate::http::until_epoch(epoch, std::time::SystemTime::now()));
        pause = pause.max(pace::rate_floor(stats.rate_remaining, reset_in, 2));
        let mut wake = (now + pause).min(deadline);
        if now < discovery_end
            && evaluation
                .items
                .iter()
                .any(|i| i.state == ItemState::Missing)
        {
            wake = wake.min(discovery_end);
        }
        progress.poll(
            &super::present::progress_line(&evaluation),
            Some(wake.saturating_duration_since(now)),
        );
        tokio::time::sleep_until(wake).await;
        woke();
    }
}
