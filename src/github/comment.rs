//! One sticky comment per action on a pull request (the `comment` input, off by default; needs
//! `pull-requests: write`): the verdict and its summary as a single comment that every run
//! updates in place, found again by a hidden marker, and marked resolved once the problem is
//! gone — never a new comment per push, and no comment at all on a pull request that never had a
//! problem. Commenting is never the gate's verdict: a fork's read-only token (403) or an
//! unreachable API becomes a warning on the report.

use super::{ApiError, Client, Repo};
use crate::inputs::Runner;
use crate::report::{Finding, Report, Verdict};

/// GitHub refuses comment bodies over 65,536 characters; the summary is cut well below.
pub const MAX_BODY_BYTES: usize = 60 * 1024;

/// The hidden line that finds this action's comment again.
pub fn marker(action: &str) -> String {
    format!("<!-- ready-actions:sticky-comment:{action} -->")
}

/// What `sync` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    Created(u64),
    Updated(u64),
    Resolved(u64),
    /// Nothing to say (passed, and no earlier comment) or nothing changed.
    Nothing,
}

/// The comment's body for `report`: the marker, then the summary as the job summary shows it.
/// A passing report that follows a problem says it is resolved.
pub fn body(report: &Report) -> String {
    let summary = crate::render::pr_comment(report, MAX_BODY_BYTES);
    let resolved = if report.verdict == Verdict::Passed {
        "**Resolved:** the problem this comment reported earlier is gone.\n\n"
    } else {
        ""
    };
    format!("{}\n{resolved}{summary}", marker(&report.action))
}

/// Creates, updates or resolves the sticky comment of `report.action` on pull request `number`.
pub async fn sync(
    client: &Client,
    repo: &Repo,
    number: u64,
    report: &Report,
) -> Result<Posted, ApiError> {
    let marker = marker(&report.action);
    let comments = client.issue_comments(repo, number, None).await?.value;
    let existing = comments
        .iter()
        .find(|c| c.body.as_deref().is_some_and(|b| b.starts_with(&marker)));
    let text = body(report);
    let passed = report.verdict == Verdict::Passed;
    let payload = serde_json::json!({ "body": text });
    match existing {
        None if passed => Ok(Posted::Nothing),
        None => {
            let path = format!(
                "/repos/{}/{}/issues/{number}/comments",
                repo.owner, repo.name
            );
            let made: super::models::IssueComment = client
                .send_json(reqwest::Method::POST, &path, &payload, None)
                .await?;
            Ok(Posted::Created(made.id))
        }
        Some(c) if c.body.as_deref() == Some(text.as_str()) => Ok(Posted::Nothing),
        Some(c) => {
            let path = format!(
                "/repos/{}/{}/issues/comments/{}",
                repo.owner, repo.name, c.id
            );
            let _: super::models::IssueComment = client
                .send_json(reqwest::Method::PATCH, &path, &payload, None)
                .await?;
            Ok(if passed {
                Posted::Resolved(c.id)
            } else {
                Posted::Updated(c.id)
            })
        }
    }
}

/// The pull request a run belongs to: its number on `pull_request` and `pull_request_target`
/// events, else None.
pub fn pull_request(runner: &Runner) -> Option<u64> {
    let event = runner.var("GITHUB_EVENT_NAME")?;
    if !matches!(event.trim(), "pull_request" | "pull_request_target") {
        return None;
    }
    runner
        .event
        .pointer("/pull_request/number")
        .and_then(serde_json::Value::as_u64)
}

/// The `comment` input of an action, applied to its finished report: posts through the API of
/// `$GITHUB_API_URL` with `token`, and turns every failure into a warning on the report.
pub fn apply(report: &mut Report, enabled: bool, token: Option<String>) {
    if !enabled {
        return;
    }
    let lookup = |name: &str| std::env::var(name).ok();
    let warn = |report: &mut Report, message: String| {
        report.findings.push(Finding::warning(
            "pr-comment",
            "PR comment not posted",
            message,
        ));
    };
    let Ok(runner) = Runner::read(&lookup) else {
        return warn(report, "the event payload could not be read".into());
    };
    let Some(number) = pull_request(&runner) else {
        // Not a pull request: there is nothing to comment on, and that is no problem.
        return;
    };
    let Some(repo) = runner
        .var("GITHUB_REPOSITORY")
        .and_then(|r| r.parse::<Repo>().ok())
    else {
        return warn(report, "GITHUB_REPOSITORY is not set".into());
    };
    let token = token
        .filter(|t| !t.trim().is_empty())
        .or_else(|| std::env::var("GITHUB_TOKEN").ok());
    let policy = crate::http::Policy::default();
    let client = crate::http::client(&policy)
        .map_err(|e| e.to_string())
        .and_then(|http| Client::new(http, &Client::base_from_env(), token, policy));
    let client = match client {
        Ok(c) => c,
        Err(e) => return warn(report, format!("cannot reach GitHub's API: {e}")),
    };
    let result = crate::runtime::block_on(sync(&client, &repo, number, report));
    if let Err(e) = result {
        let hint = match e.status() {
            Some(403 | 404) => {
                " (a pull request from a fork gets a read-only token; otherwise grant `pull-requests: write`)"
            }
            _ => "",
        };
        warn(
            report,
            format!("could not comment on pull request #{number}: {e}{hint}"),
        );
    }
}
