//! `ready pr-dependencies`: a pull request merges only after the ones it depends on. It reads
//! dependencies from the body (`Depends on #14`, `Blocked by acme/api#3`) and from stacking (its
//! base branch is another open pull request's branch), blocks while any is open or was closed
//! without merging, and passes once all are merged; a loop is a finding naming it whole. With
//! `order`, it gives the merge order of a set of open pull requests instead.

mod collect;
mod decide;
pub mod graph;
mod present;
pub mod pull;
pub mod refs;

use crate::github::{Client, Repo};
use crate::inputs::{Runner, given};
use crate::report::{Failure, Report};
use pull::PrId;

pub const NAME: &str = "pr-dependencies";

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
    /// Token for the GitHub API, with read access to pull requests (default: $GITHUB_TOKEN).
    #[arg(long, env = "INPUT_GITHUB_TOKEN", hide_env_values = true)]
    pub github_token: Option<String>,
    /// owner/name (default: $GITHUB_REPOSITORY).
    #[arg(long, env = "INPUT_REPOSITORY")]
    pub repository: Option<String>,
    /// The pull request to check (default: the event's, on pull_request and merge_group).
    #[arg(long, env = "INPUT_PULL_REQUEST")]
    pub pull_request: Option<String>,
    /// Give the merge order of the open pull requests instead of checking one [default: false].
    #[arg(long, env = "INPUT_ORDER", num_args = 0..=1, default_missing_value = "true")]
    pub order: Option<String>,
    /// With `order`: only the open pull requests with this label (default: all of them).
    #[arg(long, env = "INPUT_LABEL")]
    pub label: Option<String>,
    /// With `order`: the merge method of the `gh pr merge` lines: merge, squash or rebase
    /// [default: merge].
    #[arg(long, env = "INPUT_MERGE_METHOD")]
    pub merge_method: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeMethod {
    Merge,
    Squash,
    Rebase,
}

impl MergeMethod {
    fn parse(text: Option<&str>) -> Result<Self, Failure> {
        match text.map(str::to_ascii_lowercase).as_deref() {
            None | Some("merge") => Ok(MergeMethod::Merge),
            Some("squash") => Ok(MergeMethod::Squash),
            Some("rebase") => Ok(MergeMethod::Rebase),
            Some(other) => Err(Failure::invalid(format!(
                "merge-method {other:?} is not merge, squash or rebase"
            ))),
        }
    }

    /// The `gh pr merge` flag, without its dashes.
    pub fn flag(self) -> &'static str {
        match self {
            MergeMethod::Merge => "merge",
            MergeMethod::Squash => "squash",
            MergeMethod::Rebase => "rebase",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// Check one pull request.
    Check(PrId),
    /// Order the open pull requests, those with the label when given.
    Order { label: Option<String> },
}

#[derive(Debug, Clone)]
pub struct Config {
    pub repo: Repo,
    pub mode: Mode,
    pub merge_method: MergeMethod,
    /// The host whose pull request URLs count in a body.
    pub server_host: String,
}

impl Config {
    /// Resolves the inputs in the runner's context: its variables and event payload.
    pub fn resolve(args: &Args, runner: &Runner) -> Result<Self, Failure> {
        let repository = given(&args.repository)
            .map(str::to_string)
            .or_else(|| runner.var("GITHUB_REPOSITORY"))
            .ok_or_else(|| {
                Failure::invalid("repository is not set (input repository or $GITHUB_REPOSITORY)")
            })?;
        let repo: Repo = repository.parse().map_err(Failure::invalid)?;
        let order = crate::inputs::flag(&args.order, "order", false)?;
        let label = given(&args.label).map(str::to_string);
        if label.is_some() && !order {
            return Err(Failure::invalid(
                "label selects pull requests to order: it needs order",
            ));
        }
        let mode = if order {
            if given(&args.pull_request).is_some() {
                return Err(Failure::invalid(
                    "order lists every open pull request: give it or pull-request, not both",
                ));
            }
            Mode::Order { label }
        } else {
            Mode::Check(PrId::new(
                &repo.to_string(),
                pull_request_number(args, runner)?,
            ))
        };
        let server_host = runner
            .var("GITHUB_SERVER_URL")
            .and_then(|url| reqwest::Url::parse(&url).ok())
            .and_then(|url| url.host_str().map(str::to_string))
            .unwrap_or_else(|| "github.com".into());
        Ok(Config {
            repo,
            mode,
            merge_method: MergeMethod::parse(given(&args.merge_method))?,
            server_host,
        })
    }
}

/// The pull request to check: the input, else the event's. A merge queue's branch
/// (`gh-readonly-queue/main/pr-123-<sha>`) names the pull request it tests.
fn pull_request_number(args: &Args, runner: &Runner) -> Result<u64, Failure> {
    if let Some(text) = given(&args.pull_request) {
        let digits = text.trim_start_matches('#');
        return digits
            .parse::<u64>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| Failure::invalid(format!("pull-request {text:?} is not a number")));
    }
    let event = runner.var("GITHUB_EVENT_NAME").unwrap_or_default();
    let found = match event.as_str() {
        "pull_request" | "pull_request_target" => runner
            .event
            .pointer("/pull_request/number")
            .and_then(|n| n.as_u64()),
        "merge_group" => runner
            .event_str("/merge_group/head_ref")
            .and_then(|r| queue_branch_number(&r)),
        _ => None,
    };
    found.ok_or_else(|| {
        Failure::invalid(format!(
            "no pull request to check: give pull-request, run on pull_request or merge_group (this is {}), or set order",
            if event.is_empty() { "no event".to_string() } else { format!("a {event:?} event") }
        ))
    })
}

/// `refs/heads/gh-readonly-queue/main/pr-123-<sha>` → 123.
fn queue_branch_number(head_ref: &str) -> Option<u64> {
    let branch = head_ref.strip_prefix("refs/heads/").unwrap_or(head_ref);
    let rest = branch.strip_prefix("gh-readonly-queue/")?;
    let last = rest.rsplit('/').next()?;
    let (number, _sha) = last.strip_prefix("pr-")?.split_once('-')?;
    number.parse().ok()
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let lookup = |name: &str| std::env::var(name).ok();
    let runner = Runner::read(&lookup)?;
    let cfg = Config::resolve(&args, &runner)?;
    let token = given(&args.github_token)
        .map(str::to_string)
        .or_else(|| runner.var("GITHUB_TOKEN"));
    let policy = crate::http::Policy::default();
    let http = crate::http::client(&policy)
        .map_err(|e| Failure::undecided(format!("cannot build the HTTP client: {e}")))?;
    let client =
        Client::new(http, &Client::base_from_env(), token, policy).map_err(Failure::invalid)?;
    let mut report = match crate::runtime::block_on(evaluate(&client, &cfg)) {
        Ok(report) => report,
        // Requests were made before it failed: the count is still this run's to report.
        Err(failure) => {
            let mut report = failure.into_report(NAME);
            report.output("requests", client.stats().sent.to_string());
            report
        }
    };
    report.findings.extend(runner.warnings);
    Ok(report)
}

/// Collects, decides and presents, through `client`.
pub async fn evaluate(client: &Client, cfg: &Config) -> Result<Report, Failure> {
    let reader = collect::Reader {
        client,
        server_host: &cfg.server_host,
    };
    let repo = cfg.repo.to_string().to_ascii_lowercase();
    let mut report = match &cfg.mode {
        Mode::Check(id) => {
            let (root, graph) = reader.around(id.clone()).await?;
            present::check(&decide::check(&root, &graph), &graph)
        }
        Mode::Order { label } => {
            let (set, graph) = reader.open_set(&repo, label.as_deref()).await?;
            present::order(
                &decide::order(&set, &graph),
                &graph,
                &repo,
                label.as_deref(),
                cfg.merge_method,
            )
        }
    };
    report.output("requests", client.stats().sent.to_string());
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_merge_queue_branch_names_its_pull_request() {
        assert_eq!(
            queue_branch_number(
                "refs/heads/gh-readonly-queue/main/pr-123-ce587453ced02b1526dfb4cb910479d431683101"
            ),
            Some(123)
        );
        assert_eq!(
            queue_branch_number("gh-readonly-queue/release/1.x/pr-7-abc"),
            Some(7)
        );
        assert_eq!(queue_branch_number("refs/heads/main"), None);
        assert_eq!(queue_branch_number("gh-readonly-queue/main/pr-x-abc"), None);
    }
}
