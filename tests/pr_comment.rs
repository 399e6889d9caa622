//! The sticky PR comment (`comment` input) through the loopback GitHub mock
//! (tests/gate_on_green/mock.rs, documented shapes): created on the first problem, updated in
//! place on every run, marked resolved when the problem is gone, and a fork's read-only token
//! is a warning, never the gate's verdict.

#[path = "gate_on_green/mock.rs"]
mod mock;
mod support;

use mock::{Fault, GitHub, RunSpec, SHA, TOKEN};
use support::Run;

const PR: u64 = 7;

/// A `pull_request` event for PR 7 in the step's scratch directory.
fn on_pull_request(step: support::Step, gh: &GitHub) -> support::Step {
    let event = step.scratch().join("event.json");
    let payload = serde_json::json!({
        "pull_request": {"number": PR, "head": {"sha": SHA}, "base": {"ref": "main"}},
        "repository": {"default_branch": "main"},
    });
    std::fs::write(&event, payload.to_string()).unwrap();
    step.env("GITHUB_API_URL", gh.base())
        .env("GITHUB_EVENT_NAME", "pull_request")
        .env("GITHUB_EVENT_PATH", &event)
        .env("GITHUB_REPOSITORY", "octo-org/octo-repo")
        .input("github-token", TOKEN)
        .input("comment", "true")
}

fn gate(gh: &GitHub) -> Run {
    on_pull_request(support::Step::new(), gh)
        .input("sha", SHA)
        .input("branch", "main")
        .input("wait", "false")
        .arg("gate-on-green")
        .run()
}

/// The bodies of the comments that carry `action`'s marker.
fn sticky(gh: &GitHub, action: &str) -> Vec<String> {
    let marker = format!("<!-- ready-actions:sticky-comment:{action} -->");
    gh.with(|w| {
        w.comments
            .iter()
            .filter_map(|c| c["body"].as_str())
            .filter(|b| b.starts_with(&marker))
            .map(str::to_string)
            .collect()
    })
}

fn writes(gh: &GitHub) -> Vec<String> {
    gh.seen()
        .into_iter()
        .filter(|s| s.operation != "issues/list-comments" && s.operation.starts_with("issues/"))
        .map(|s| s.operation)
        .collect()
}

#[tokio::test]
async fn gate_on_green_keeps_one_comment_and_resolves_it() {
    let gh = GitHub::start().await;
    // Someone else's comment stays untouched.
    let other: serde_json::Value =
        serde_json::from_str(include_str!("data/gate_on_green/issues.comments.list.json")).unwrap();
    gh.with(|w| {
        w.comments = other.as_array().unwrap().clone();
        w.runs = vec![
            RunSpec::new(1, "build").done(0, "success"),
            RunSpec::new(2, "test").done(0, "failure"),
        ];
    });
    let run = gate(&gh);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let bodies = sticky(&gh, "gate-on-green");
    assert_eq!(bodies.len(), 1);
    insta::assert_snapshot!("gate_on_green_red_comment", bodies[0]);
    assert_eq!(writes(&gh), ["issues/create-comment"]);

    // The next push, still red: the same comment, not a second one; unchanged, it is not
    // rewritten.
    let run = gate(&gh);
    assert_eq!(run.code, 1);
    assert_eq!(sticky(&gh, "gate-on-green").len(), 1);
    assert_eq!(writes(&gh), ["issues/create-comment"]);

    // Green: the comment says it is resolved.
    gh.with(|w| w.runs[1] = RunSpec::new(2, "test").done(0, "success"));
    let run = gate(&gh);
    assert_eq!(run.code, 0, "{}", run.stdout);
    let bodies = sticky(&gh, "gate-on-green");
    assert_eq!(bodies.len(), 1);
    assert!(bodies[0].contains("**Resolved:**"), "{}", bodies[0]);
    assert!(bodies[0].contains("### ✅ gate-on-green: passed"));
    assert_eq!(
        writes(&gh),
        ["issues/create-comment", "issues/update-comment"]
    );
    gh.with(|w| assert_eq!(w.comments.len(), other.as_array().unwrap().len() + 1));
    assert_eq!(gh.with(|w| w.comments[0].clone()), other[0]);
    assert!(!bodies[0].contains(TOKEN));
    gh.assert_valid_requests();
}

#[tokio::test]
async fn a_green_pull_request_gets_no_comment() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![RunSpec::new(1, "build").done(0, "success")]);
    let run = gate(&gh);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(writes(&gh).is_empty());
    assert!(sticky(&gh, "gate-on-green").is_empty());
}

#[tokio::test]
async fn a_forks_read_only_token_is_a_warning_not_the_verdict() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![RunSpec::new(2, "test").done(0, "failure")]);
    let mut refused = Fault::status(403);
    refused.body = serde_json::json!({"message": "Resource not accessible by integration"});
    gh.fault("issues/create-comment", refused);
    let run = gate(&gh);
    // Blocked by the red check, as without a comment: not invalid, not an error.
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(run.outputs["result"], "blocked");
    assert!(
        run.stdout.contains("::warning title=pr-comment%3A PR comment not posted::could not comment on pull request #7")
            && run.stdout.contains("a pull request from a fork gets a read-only token"),
        "{}",
        run.stdout
    );
    assert!(sticky(&gh, "gate-on-green").is_empty());
}

#[tokio::test]
async fn check_alembic_heads_comments_its_findings_and_picture() {
    let gh = GitHub::start().await;
    let dir = tempfile::tempdir().unwrap();
    let versions = dir.path().join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = migrations\n",
    )
    .unwrap();
    for (id, down) in [("base", "None"), ("left", "'base'"), ("right", "'base'")] {
        std::fs::write(
            versions.join(format!("{id}.py")),
            format!("revision = '{id}'\ndown_revision = {down}\n"),
        )
        .unwrap();
    }
    let step = on_pull_request(support::Step::new(), &gh);
    let run = step
        .current_dir(dir.path())
        .arg("check-alembic-heads")
        .run();
    assert_eq!(run.code, 1, "{}", run.stdout);
    let bodies = sticky(&gh, "check-alembic-heads");
    assert_eq!(bodies.len(), 1);
    insta::assert_snapshot!("check_alembic_heads_comment", bodies[0]);
    gh.assert_valid_requests();
}
