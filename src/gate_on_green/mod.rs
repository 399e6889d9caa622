//! `ready gate-on-green`: waits until the commit about to be deployed is green in CI — every
//! required check run and commit status succeeded — fails fast when one goes red, and can insist
//! that the commit is still the head of its branch.

pub mod checks;
mod engine;
pub mod pace;
pub mod peers;
mod present;

use crate::github::{self, Client, Repo};
use crate::inputs::Runner;
use crate::report::{Failure, Report};
use checks::{Evaluation, ItemState, State};
use std::time::Duration;

pub use engine::{gate, gate_with};
pub use present::{human, progress_line, report};

pub const NAME: &str = "gate-on-green";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: Some(|inputs, base| crate::actions::run_as_gate(NAME, inputs, base, run)),
    needs: crate::actions::Needs {
        network: Some("GitHub's API"),
        network_when: None,
        offline_with: None,
        github_token: Some("github-token"),
    },
};

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
    /// On pull_request events, keep the verdict in one sticky PR comment, updated on every run
    /// and marked resolved once green (needs pull-requests: write) [default: false].
    #[arg(long, env = "INPUT_COMMENT")]
    pub comment: Option<String>,
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
        Self::resolve_in(args, &Runner::read(env)?)
    }

    /// Resolves the inputs in the runner's context (its variables and event payload).
    pub fn resolve_in(args: &Args, runner: &Runner) -> Result<Self, Failure> {
        let set = |v: &Option<String>| crate::inputs::given(v).map(str::to_string);
        let env = |name: &str| {
            runner
                .var(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let repository = set(&args.repository)
            .or_else(|| env("GITHUB_REPOSITORY"))
            .ok_or_else(|| {
                Failure::invalid("repository is not set (input repository or $GITHUB_REPOSITORY)")
            })?;
        let repo: Repo = repository.parse().map_err(Failure::invalid)?;
        let event_str = |ptr: &str| runner.event_str(ptr);
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
        let require_head_of_branch = crate::inputs::flag(
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
            allow_no_checks: crate::inputs::flag(&args.allow_no_checks, "allow-no-checks", false)?,
            wait: crate::inputs::flag(&args.wait, "wait", true)?,
            timeout: duration(&args.timeout, "timeout", "30m")?,
            interval,
            discovery_timeout: duration(&args.discovery_timeout, "discovery-timeout", "5m")?,
            self_check_run_id,
            run,
        })
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

pub fn run(args: Args) -> Result<Report, Failure> {
    let lookup = |name: &str| std::env::var(name).ok();
    let runner = Runner::read(&lookup)?;
    let cfg = Config::resolve_in(&args, &runner)?;
    let comment = crate::inputs::flag(&args.comment, "comment", false)?;
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
    let mut report = match crate::runtime::block_on(gate(&client, &cfg, &|| {})) {
        Ok(outcome) => report(&cfg, &outcome),
        // Requests were made before it failed: the count is still this run's to report.
        Err(failure) => {
            let mut report = failure.into_report(NAME);
            report.output("requests", client.stats().sent.to_string());
            report
        }
    };
    report.findings.extend(runner.warnings);
    crate::github::comment::apply(&mut report, comment, args.github_token.clone());
    Ok(report)
}
