//! Our own typed models of the few GitHub REST answers we read. Every field we do not need is
//! ignored, every field GitHub may omit or null is optional, and enums are kept as strings: the
//! spec's check-run `conclusion` enum lacks `stale`, so conclusions are parsed leniently.

use serde::Deserialize;

/// `GET /repos/{owner}/{repo}/commits/{ref}/check-runs`
#[derive(Debug, Clone, Deserialize)]
pub struct CheckRunList {
    pub total_count: u64,
    #[serde(default)]
    pub check_runs: Vec<CheckRun>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CheckRun {
    /// Real ids exceed 2^31.
    pub id: u64,
    pub name: String,
    /// queued, in_progress, completed, waiting, requested, pending.
    pub status: String,
    /// success, failure, neutral, cancelled, skipped, timed_out, action_required, stale, …
    pub conclusion: Option<String>,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub html_url: Option<String>,
    pub details_url: Option<String>,
    pub app: Option<App>,
    /// For GitHub Actions, the suite of one workflow run: a job's check run and its re-run
    /// attempts stay in it.
    pub check_suite: Option<SuiteRef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SuiteRef {
    pub id: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct App {
    pub id: u64,
    pub slug: Option<String>,
    pub name: Option<String>,
}

/// `GET /repos/{owner}/{repo}/commits/{ref}/status`
#[derive(Debug, Clone, Deserialize)]
pub struct CombinedStatus {
    /// `pending` also when there are no statuses at all: read `total_count`.
    pub state: String,
    pub total_count: u64,
    #[serde(default)]
    pub statuses: Vec<Status>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    pub id: u64,
    /// error, failure, pending, success.
    pub state: String,
    pub context: String,
    pub description: Option<String>,
    pub target_url: Option<String>,
    pub updated_at: Option<String>,
}

/// One item of `GET /repos/{owner}/{repo}/rules/branches/{branch}`.
#[derive(Debug, Clone, Deserialize)]
pub struct Rule {
    #[serde(rename = "type")]
    pub kind: String,
    pub ruleset_source_type: Option<String>,
    pub ruleset_source: Option<String>,
    pub ruleset_id: Option<u64>,
    pub parameters: Option<RuleParameters>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RuleParameters {
    #[serde(default)]
    pub required_status_checks: Vec<RequiredCheck>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RequiredCheck {
    pub context: String,
    pub integration_id: Option<u64>,
}

/// `GET /repos/{owner}/{repo}/branches/{branch}`
#[derive(Debug, Clone, Deserialize)]
pub struct Branch {
    pub name: String,
    pub commit: BranchCommit,
    pub protected: Option<bool>,
    pub protection: Option<Protection>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BranchCommit {
    pub sha: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Protection {
    pub enabled: Option<bool>,
    pub required_status_checks: Option<ProtectionChecks>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProtectionChecks {
    pub enforcement_level: Option<String>,
    #[serde(default)]
    pub contexts: Vec<String>,
    #[serde(default)]
    pub checks: Vec<ProtectionCheck>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProtectionCheck {
    pub context: String,
    pub app_id: Option<u64>,
}

/// `GET /repos/{owner}/{repo}/actions/runs/{run_id}/attempts/{attempt_number}/jobs`
#[derive(Debug, Clone, Deserialize)]
pub struct JobList {
    pub total_count: u64,
    #[serde(default)]
    pub jobs: Vec<Job>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Job {
    /// A job's id is the id of its check run.
    pub id: u64,
    pub name: String,
    pub status: String,
    pub runner_name: Option<String>,
    pub check_run_url: Option<String>,
    #[serde(default)]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Step {
    pub name: String,
    pub status: String,
}

impl Job {
    /// The name of the step running now, if any.
    pub fn running_step(&self) -> Option<&str> {
        self.steps
            .iter()
            .find(|s| s.status == "in_progress")
            .map(|s| s.name.as_str())
    }
}

/// `GET /repos/{owner}/{repo}/actions/runs?head_sha=…`
#[derive(Debug, Clone, Deserialize)]
pub struct WorkflowRunList {
    pub total_count: u64,
    #[serde(default)]
    pub workflow_runs: Vec<WorkflowRun>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WorkflowRun {
    pub id: u64,
    pub name: Option<String>,
    /// The workflow file, e.g. `.github/workflows/build.yml@main`.
    pub path: Option<String>,
    pub check_suite_id: Option<u64>,
    /// queued, in_progress, completed, waiting, requested, pending.
    pub status: Option<String>,
    pub run_attempt: Option<u64>,
    pub html_url: Option<String>,
}

/// `GET /repos/{owner}/{repo}/pulls/{pull_number}` and the items of `GET …/pulls`. The list's
/// items lack `merged`: `merged_at` tells there.
#[derive(Debug, Clone, Deserialize)]
pub struct PullRequest {
    pub number: u64,
    /// open or closed.
    pub state: String,
    pub title: Option<String>,
    pub body: Option<String>,
    pub html_url: Option<String>,
    pub draft: Option<bool>,
    pub merged: Option<bool>,
    pub merged_at: Option<String>,
    pub head: PullRef,
    pub base: PullRef,
    #[serde(default)]
    pub labels: Vec<Label>,
}

/// A pull request's head or base: a branch of a repository (null when a fork was deleted).
#[derive(Debug, Clone, Deserialize)]
pub struct PullRef {
    /// `owner:branch`.
    pub label: Option<String>,
    #[serde(rename = "ref")]
    pub branch: String,
    pub sha: Option<String>,
    pub repo: Option<PullRepo>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PullRepo {
    pub full_name: String,
    pub default_branch: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Label {
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lenient_conclusions_and_large_ids() {
        let json = r#"{"total_count":1,"check_runs":[{"id":5000000000,"name":"x","status":"completed","conclusion":"stale","app":{"id":15368}}]}"#;
        let list: CheckRunList = serde_json::from_str(json).unwrap();
        assert_eq!(list.check_runs[0].id, 5_000_000_000);
        assert_eq!(list.check_runs[0].conclusion.as_deref(), Some("stale"));
    }

    #[test]
    fn parses_the_documented_pull_request_shapes() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/github_api/");
        let read = |name: &str| std::fs::read_to_string(format!("{dir}{name}")).unwrap();
        let pull: PullRequest = serde_json::from_str(&read("pulls.get.json")).unwrap();
        assert_eq!((pull.number, pull.base.branch.as_str()), (1347, "master"));
        let list: Vec<PullRequest> = serde_json::from_str(&read("pulls.list.json")).unwrap();
        assert_eq!(list[0].head.label.as_deref(), Some("octocat:new-topic"));
        assert_eq!(list[0].merged, None);
    }
}

/// `GET /repos/{owner}/{repo}/issues/{issue_number}/comments` (an array of these), and the
/// answer to creating or updating one.
#[derive(Debug, Clone, Deserialize)]
pub struct IssueComment {
    pub id: u64,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub html_url: Option<String>,
}
