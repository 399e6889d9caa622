//! `ready gate-on-green`: waits until the commit about to be deployed is green in CI — every
//! required check run and commit status succeeded — fails fast when one goes red, and can insist
//! that the commit is still the head of its branch.

pub mod checks;
pub mod pace;
pub mod peers;

use crate::github::models::{CheckRun, Status, WorkflowRun};
use crate::github::{self, ApiError, Client, Repo};
use crate::report::{Block, Failure, Finding, Inline, Report, Table, Verdict};
use checks::{Evaluation, Expected, ItemState, Rules, State};
use std::time::Duration;
use tokio::time::Instant;

pub const NAME: &str = "gate-on-green";

#[derive(clap::Args, Debug, Default, Clone)]
pub struct Args {
    /// Token for the GitHub API (default: $GITHUB_TOKEN).
    #[arg(long, env = "INPUT_GITHUB_TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
    /// owner/name (default: $GITHUB_REPOSITORY).
    #[arg(long, env = "INPUT_REPOSITORY")]
    pub repository: Option<String>,
    /// Commit to gate (default: the PR head on pull_request events, the merge group head in
    /// merge queues, else $GITHUB_SHA).
    #[arg(long, env = "INPUT_SHA")]
    pub sha: Option<String>,
    /// Branch whose required checks apply (default: the pull request's or merge queue's base,
    /// else the pushed branch, else the repository's default branch).
    #[arg(long, env = "INPUT_BRANCH")]
    pub branch: Option<String>,
    /// Block unless the sha is the branch's current head [default: false].
    #[arg(long, env = "INPUT_REQUIRE_HEAD_OF_BRANCH")]
    pub require_head_of_branch: Option<String>,
    /// Globs of check or status names to wait for, comma or newline separated (default: the
    /// branch's required checks, and when it has none, every check on the commit).
    #[arg(long, env = "INPUT_CHECKS")]
    pub checks: Option<String>,
    /// Globs of check or status names never to wait for.
    #[arg(long, env = "INPUT_IGNORE")]
    pub ignore: Option<String>,
    /// Conclusions that count as green [default: success,skipped,neutral].
    #[arg(long, env = "INPUT_ALLOWED_CONCLUSIONS")]
    pub allowed_conclusions: Option<String>,
    /// Wait for pending checks; false decides from what is there now [default: true].
    #[arg(long, env = "INPUT_WAIT")]
    pub wait: Option<String>,
    /// Give up waiting after this long, e.g. 30m [default: 30m].
    #[arg(long, env = "INPUT_TIMEOUT")]
    pub timeout: Option<String>,
    /// First poll interval; it backs off while nothing changes [default: 10s].
    #[arg(long, env = "INPUT_INTERVAL")]
    pub interval: Option<String>,
    /// How long an expected check may take to appear [default: 5m].
    #[arg(long, env = "INPUT_DISCOVERY_TIMEOUT")]
    pub discovery_timeout: Option<String>,
    /// The check run id of this job (`job.check_run_id`), never waited on. Without it the job
    /// is found through the Actions jobs API and $RUNNER_NAME.
    #[arg(long, env = "INPUT_SELF_CHECK_RUN_ID")]
    pub self_check_run_id: Option<String>,
    /// Pass a commit that has no checks at all, when no checks are listed or required
    /// [default: false].
    #[arg(long, env = "INPUT_ALLOW_NO_CHECKS")]
    pub allow_no_checks: Option<String>,
}

/// Where this job runs, to find its own check run when its id is not given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunContext {
    pub run_id: u64,
    pub attempt: u64,
    pub runner_name: String,
}

/// Everything the gate needs, resolved from the inputs and the environment.
#[derive(Debug, Clone)]
pub struct Config {
    pub repo: Repo,
    pub sha: String,
    pub branch: Option<String>,
    pub require_head_of_branch: bool,
    pub checks: Vec<String>,
    pub ignore: Vec<String>,
    pub allowed: Vec<String>,
    pub allow_no_checks: bool,
    pub wait: bool,
    pub timeout: Duration,
    pub interval: Duration,
    pub discovery_timeout: Duration,
    pub self_check_run_id: Option<u64>,
    pub run: Option<RunContext>,
}

impl Config {
    /// Resolves the inputs; `env` reads the environment (a closure, so tests can pass a map).
    /// Empty values mean "not set", as an action input left at "" arrives.
    pub fn resolve(args: &Args, env: &dyn Fn(&str) -> Option<String>) -> Result<Self, Failure> {
        let set = |v: &Option<String>| {
            v.as_deref()
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let env = |name: &str| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let repository = set(&args.repository)
            .or_else(|| env("GITHUB_REPOSITORY"))
            .ok_or_else(|| {
                Failure::invalid("repository is not set (input repository or $GITHUB_REPOSITORY)")
            })?;
        let repo: Repo = repository.parse().map_err(Failure::invalid)?;
        let event = env("GITHUB_EVENT_PATH")
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .unwrap_or(serde_json::Value::Null);
        let event_str = |ptr: &str| {
            event
                .pointer(ptr)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let event_name = env("GITHUB_EVENT_NAME");
        let pull_request = matches!(
            event_name.as_deref(),
            Some("pull_request" | "pull_request_target")
        );
        let merge_group = event_name.as_deref() == Some("merge_group");
        let sha = set(&args.sha)
            .or_else(|| {
                if pull_request {
                    event_str("/pull_request/head/sha")
                } else if merge_group {
                    event_str("/merge_group/head_sha")
                } else {
                    None
                }
            })
            .or_else(|| env("GITHUB_SHA"))
            .ok_or_else(|| Failure::invalid("sha is not set (input sha or $GITHUB_SHA)"))?;
        let sha = sha.to_ascii_lowercase();
        if !(sha.len() == 40 || sha.len() == 64) || !sha.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(Failure::invalid(format!(
                "sha {sha:?} is not a full commit sha"
            )));
        }
        // The branch the commit is going into: a pull request's or merge queue's base, else the
        // pushed branch; the default branch only where the event names no branch (a tag push).
        let branch = set(&args.branch)
            .or_else(|| {
                if pull_request {
                    event_str("/pull_request/base/ref")
                } else if merge_group {
                    event_str("/merge_group/base_ref")
                } else {
                    env("GITHUB_REF").filter(|r| r.starts_with("refs/heads/"))
                }
            })
            .or_else(|| event_str("/repository/default_branch"))
            .map(|b| {
                b.strip_prefix("refs/heads/")
                    .map(str::to_string)
                    .unwrap_or(b)
            });
        let require_head_of_branch = flag(
            &args.require_head_of_branch,
            "require-head-of-branch",
            false,
        )?;
        if require_head_of_branch && branch.is_none() {
            return Err(Failure::invalid(
                "require-head-of-branch needs a branch (input branch, or an event that names one)",
            ));
        }
        let duration = |v: &Option<String>, name: &str, default: &str| {
            checks::parse_duration(&set(v).unwrap_or_else(|| default.to_string()))
                .map_err(|e| Failure::invalid(format!("{name}: {e}")))
        };
        let interval = duration(&args.interval, "interval", "10s")?;
        if interval < Duration::from_secs(1) {
            return Err(Failure::invalid("interval: at least 1s"));
        }
        let self_check_run_id = match set(&args.self_check_run_id) {
            Some(v) => Some(v.parse::<u64>().map_err(|_| {
                Failure::invalid(format!("self-check-run-id {v:?} is not a number"))
            })?),
            None => None,
        };
        let run = match (
            env("GITHUB_RUN_ID").and_then(|v| v.parse().ok()),
            env("RUNNER_NAME"),
        ) {
            (Some(run_id), Some(runner_name))
                if env("GITHUB_ACTIONS").as_deref() == Some("true") =>
            {
                Some(RunContext {
                    run_id,
                    attempt: env("GITHUB_RUN_ATTEMPT")
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1),
                    runner_name,
                })
            }
            _ => None,
        };
        let allowed = checks::split_list(
            &set(&args.allowed_conclusions).unwrap_or_else(|| "success,skipped,neutral".into()),
        );
        if allowed.is_empty() {
            return Err(Failure::invalid("allowed-conclusions is empty"));
        }
        Ok(Config {
            repo,
            sha,
            branch,
            require_head_of_branch,
            checks: checks::split_list(&set(&args.checks).unwrap_or_default()),
            ignore: checks::split_list(&set(&args.ignore).unwrap_or_default()),
            allowed,
            allow_no_checks: flag(&args.allow_no_checks, "allow-no-checks", false)?,
            wait: flag(&args.wait, "wait", true)?,
            timeout: duration(&args.timeout, "timeout", "30m")?,
            interval,
            discovery_timeout: duration(&args.discovery_timeout, "discovery-timeout", "5m")?,
            self_check_run_id,
            run,
        })
    }
}

fn flag(value: &Option<String>, name: &str, default: bool) -> Result<bool, Failure> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) if v.eq_ignore_ascii_case("true") => Ok(true),
        Some(v) if v.eq_ignore_ascii_case("false") => Ok(false),
        Some(v) => Err(Failure::invalid(format!(
            "{name}: {v:?} is not true or false"
        ))),
    }
}

/// Why the gate stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ending {
    Green,
    /// A check completed with a conclusion that is not allowed.
    Red,
    /// An expected check did not appear within the discovery timeout.
    Missing,
    /// Checks were still pending at the timeout (or `wait` is false).
    StillPending {
        waited: bool,
    },
    /// The sha is not the branch's head.
    NotHead {
        head: String,
    },
}

/// What the gate saw and decided.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub ending: Ending,
    pub evaluation: Evaluation,
    /// Where the expected checks came from, one line each, for the summary.
    pub requirements: Vec<String>,
    /// Remarks for the summary (unreadable protection, own job not found, …).
    pub notes: Vec<String>,
    pub stats: github::Stats,
    pub polls: u32,
    pub elapsed: Duration,
}

impl Outcome {
    pub fn state(&self) -> State {
        match self.ending {
            Ending::Green => State::Success,
            Ending::Red | Ending::NotHead { .. } => State::Failure,
            Ending::Missing => State::Missing,
            Ending::StillPending { .. } => State::Pending,
        }
    }

    pub fn blocking(&self) -> Vec<String> {
        match &self.ending {
            Ending::Green => vec![],
            Ending::Red => self.evaluation.names(ItemState::Failed),
            Ending::Missing => self.evaluation.names(ItemState::Missing),
            Ending::StillPending { .. } => {
                let mut names = self.evaluation.names(ItemState::Pending);
                names.extend(self.evaluation.names(ItemState::Missing));
                names
            }
            Ending::NotHead { .. } => vec!["head-of-branch".to_string()],
        }
    }
}

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
/// called after every pause (tests use it to move their mock's timeline).
pub async fn gate(client: &Client, cfg: &Config, woke: &dyn Fn()) -> Result<Outcome, Failure> {
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
        tokio::time::sleep_until(wake).await;
        woke();
    }
}

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
                    "{} concluded {} ({}){}",
                    item.name,
                    item.conclusion,
                    item.source,
                    if item.url.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", item.url)
                    }
                ),
            ),
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
        "link",
    ]);
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

/// `1m30s`, `45s`, `2h`.
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let cfg = Config::resolve(&args, &|name| std::env::var(name).ok())?;
    let token = args
        .github_token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .or_else(|| std::env::var("GITHUB_TOKEN").ok());
    let policy = crate::http::Policy::default();
    let http = crate::http::client(&policy)
        .map_err(|e| Failure::undecided(format!("cannot build the HTTP client: {e}")))?;
    let client =
        Client::new(http, &Client::base_from_env(), token, policy).map_err(Failure::invalid)?;
    match crate::runtime::block_on(gate(&client, &cfg, &|| {})) {
        Ok(outcome) => Ok(report(&cfg, &outcome)),
        // Requests were made before it failed: the count is still this run's to report.
        Err(failure) => {
            let mut report = failure.into_report(NAME);
            report.output("requests", client.stats().sent.to_string());
            Ok(report)
        }
    }
}
