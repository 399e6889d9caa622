//! pr-dependencies against a loopback mock of GitHub's pull request API
//! (tests/pr_dependencies/mock.rs): the binary as an Actions step for what a user sees (exit
//! code, outputs, annotations, summary), and the library on a paused tokio clock where retries
//! wait (Retry-After), so that no test sleeps.

#[path = "pr_dependencies/mock.rs"]
mod mock;
mod support;

use mock::{Fault, GitHub, Pr, REPO, TOKEN};
use ready_actions::github::Client;
use ready_actions::pr_dependencies::{self, Config, MergeMethod, Mode, pull::PrId};
use ready_actions::report::{Report, Verdict};
use serde_json::json;
use std::time::Duration;
use support::{Run, Step};

/// `ready pr-dependencies` as a step of a workflow run on `event`, with `inputs`; every request
/// it sent is then checked against the spec subset.
async fn step(
    gh: &GitHub,
    event: Option<(&str, serde_json::Value)>,
    inputs: &[(&str, &str)],
) -> Run {
    let base = gh.base();
    let inputs: Vec<(String, String)> = inputs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let event = event.map(|(name, payload)| (name.to_string(), payload));
    let run = tokio::task::spawn_blocking(move || {
        let mut step = Step::new()
            .arg("pr-dependencies")
            .env("GITHUB_API_URL", &base)
            .env("GITHUB_REPOSITORY", REPO)
            .env("GITHUB_SERVER_URL", "https://github.com")
            .input("github-token", TOKEN);
        if let Some((name, payload)) = event {
            let path = step.scratch().join("event.json");
            std::fs::write(&path, payload.to_string()).unwrap();
            step = step
                .env("GITHUB_EVENT_NAME", name)
                .env("GITHUB_EVENT_PATH", path);
        }
        for (name, value) in &inputs {
            step = step.input(name, value);
        }
        step.run()
    })
    .await
    .unwrap();
    gh.assert_valid_requests();
    run
}

fn pull_request_event(number: u64) -> Option<(&'static str, serde_json::Value)> {
    Some((
        "pull_request",
        json!({"action": "edited", "number": number, "pull_request": {"number": number}}),
    ))
}

/// The library's evaluation through a client without timers of its own, on the test's
/// (paused) clock: how long retries waited is the clock's advance.
async fn evaluate(
    gh: &GitHub,
    mode: Mode,
) -> (Result<Report, ready_actions::report::Failure>, Duration) {
    ready_actions::http::install_crypto_provider();
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let client = Client::new(http, &gh.base(), Some(TOKEN.into()), Default::default()).unwrap();
    let cfg = Config {
        repo: REPO.parse().unwrap(),
        mode,
        merge_method: MergeMethod::Squash,
        server_host: "github.com".into(),
    };
    let start = tokio::time::Instant::now();
    let result = pr_dependencies::evaluate(&client, &cfg).await;
    gh.assert_valid_requests();
    (result, start.elapsed())
}

fn check(number: u64) -> Mode {
    Mode::Check(PrId::new(REPO, number))
}

#[tokio::test]
async fn blocks_naming_each_open_or_closed_dependency_with_its_state_and_link() {
    let gh = GitHub::start(vec![
        Pr::open(
            15,
            "Frontend dashboards.\n\nDepends on #14, #12\nBlocked by octo-org/infra#3 and #9",
        ),
        Pr::open(14, "").title("CI/CD"),
        Pr::merged(12),
        Pr::closed(9).title("Old approach"),
        Pr::merged(3).in_repo("octo-org/infra"),
    ])
    .await;
    let run = step(&gh, pull_request_event(15), &[]).await;
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("result"), "blocked");
    assert_eq!(
        run.output("dependencies"),
        "octo-org/octo-repo#14,octo-org/octo-repo#12,octo-org/infra#3,octo-org/octo-repo#9"
    );
    assert_eq!(
        run.output("blocking"),
        "octo-org/octo-repo#14,octo-org/octo-repo#9"
    );
    // One annotation per blocking dependency, with its state and link.
    assert!(run.stdout.contains("::error title=dependency-open%3A Dependency not merged::#14 is open, not merged yet: CI/CD — https://github.com/octo-org/octo-repo/pull/14 (found in #15's body, line 3)"), "{}", run.stdout);
    assert!(run.stdout.contains("title=dependency-closed%3A Dependency closed without merging::#9 was closed without merging: Old approach"), "{}", run.stdout);
    insta::assert_snapshot!("blocked_summary", run.summary);
}

#[tokio::test]
async fn passes_once_every_dependency_is_merged_also_in_another_repository() {
    let gh = GitHub::start(vec![
        Pr::open(
            15,
            "Depends on #14\ndepends on https://github.com/octo-org/infra/pull/3",
        ),
        Pr::merged(14),
        Pr::merged(3).in_repo("octo-org/infra"),
    ])
    .await;
    let run = step(&gh, pull_request_event(15), &[]).await;
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("result"), "passed");
    assert!(
        run.summary.contains("all 2 dependencies of #15 are merged"),
        "{}",
        run.summary
    );
    assert_eq!(run.output("blocking"), "");
    assert!(
        gh.seen()
            .iter()
            .any(|p| p == "/repos/octo-org/infra/pulls/3")
    );
    // The token is masked before anything else is printed, and never printed otherwise.
    assert!(
        run.stdout.starts_with(&format!("::add-mask::{TOKEN}\n")),
        "{}",
        run.stdout
    );
    assert_eq!(run.log().matches(TOKEN).count(), 1);
}

#[tokio::test]
async fn no_dependencies_pass_and_linked_issue_keywords_are_not_dependencies() {
    let gh = GitHub::start(vec![Pr::open(
        15,
        "Closes #14\nFixes #13\n<!-- Depends on #12 -->",
    )])
    .await;
    let run = step(&gh, pull_request_event(15), &[]).await;
    assert_eq!(run.code, 0, "{}", run.log());
    assert!(
        run.summary.contains("#15 has no dependencies"),
        "{}",
        run.summary
    );
    assert_eq!(gh.seen().len(), 1, "{:?}", gh.seen());
}

#[tokio::test]
async fn a_stacked_pull_request_waits_for_the_one_whose_branch_it_merges_into() {
    let gh = GitHub::start(vec![
        Pr::open(20, "The second half.").base("feature-a"),
        Pr::open(19, "The first half.")
            .head("feature-a")
            .title("First half"),
    ])
    .await;
    let run = step(&gh, pull_request_event(20), &[]).await;
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("blocking"), "octo-org/octo-repo#19");
    assert!(
        run.summary
            .contains("stacked: merges into its branch feature-a"),
        "{}",
        run.summary
    );
    assert!(
        gh.seen()
            .iter()
            .any(|p| p.contains("head=octo-org%3Afeature-a")),
        "{:?}",
        gh.seen()
    );
    // Once #19 is merged it is no open pull request's branch any more: #20 passes.
    gh.with(|w| w.pulls[1].state = "merged");
    let run = step(&gh, pull_request_event(20), &[]).await;
    assert_eq!(run.code, 0, "{}", run.log());
}

#[tokio::test]
async fn a_loop_is_a_finding_that_names_it_whole() {
    let gh = GitHub::start(vec![
        Pr::open(15, "Depends on #14"),
        Pr::open(14, "Depends on #16"),
        Pr::open(16, "Blocked by #15"),
    ])
    .await;
    let run = step(&gh, pull_request_event(15), &[]).await;
    assert_eq!(run.code, 1, "{}", run.log());
    assert!(
        run.stdout.contains("::error title=dependency-cycle%3A Dependency loop::#14 depends on #16, which depends on #15, which depends on #14: none of them can merge first."),
        "{}",
        run.stdout
    );
}

#[tokio::test]
async fn a_merge_queue_checks_the_pull_request_its_branch_names() {
    let gh = GitHub::start(vec![Pr::open(15, "Depends on #14"), Pr::merged(14)]).await;
    let event = json!({"merge_group": {
        "head_ref": "refs/heads/gh-readonly-queue/main/pr-15-ce587453ced02b1526dfb4cb910479d431683101",
        "base_ref": "refs/heads/main"
    }});
    let run = step(&gh, Some(("merge_group", event)), &[]).await;
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("dependencies"), "octo-org/octo-repo#14");
}

#[tokio::test]
async fn a_missing_or_forbidden_dependency_is_no_verdict() {
    let gh = GitHub::start(vec![
        Pr::open(15, "Depends on #404\n"),
        Pr::open(16, "Depends on secret-org/vault#1"),
    ])
    .await;
    gh.with(|w| w.repo_status.insert("secret-org/vault".into(), 403));
    let run = step(&gh, pull_request_event(15), &[]).await;
    assert_eq!(run.code, 3, "{}", run.log());
    assert_eq!(run.output("result"), "error");
    assert!(
        run.stdout
            .contains("reading octo-org/octo-repo#404: not found"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("named on line 1 of #15's body"),
        "{}",
        run.stdout
    );
    let run = step(&gh, pull_request_event(16), &[]).await;
    assert_eq!(run.code, 3, "{}", run.log());
    assert!(
        run.stdout.contains("reading secret-org/vault#1: forbidden"),
        "{}",
        run.stdout
    );
    // The pull request, then the dependency (a 403 without Retry-After is final).
    assert_eq!(run.output("requests"), "2");
}

#[tokio::test]
async fn bad_input_is_exit_2_with_what_was_expected() {
    let gh = GitHub::start(vec![]).await;
    let run = step(&gh, Some(("push", json!({}))), &[]).await;
    assert_eq!(run.code, 2, "{}", run.log());
    assert!(
        run.stdout.contains("no pull request to check: give pull-request, run on pull_request or merge_group (this is a \"push\" event), or set order"),
        "{}",
        run.stdout
    );
    for (inputs, expected) in [
        (
            &[("pull-request", "fifteen")][..],
            "pull-request \"fifteen\" is not a number",
        ),
        (
            &[("order", "true"), ("merge-method", "fast-forward")][..],
            "merge-method \"fast-forward\" is not merge, squash or rebase",
        ),
        (
            &[("label", "release")][..],
            "label selects pull requests to order: it needs order",
        ),
        (
            &[("order", "maybe")][..],
            "order: \"maybe\" is not true or false",
        ),
    ] {
        let run = step(&gh, None, inputs).await;
        assert_eq!(run.code, 2, "{inputs:?}: {}", run.log());
        assert_eq!(run.output("result"), "invalid");
        assert!(run.log().contains(expected), "{inputs:?}: {}", run.log());
    }
    assert!(gh.seen().is_empty());
}

#[tokio::test]
async fn order_sorts_a_labelled_set_across_pages_and_prints_gh_lines() {
    let gh = GitHub::start(vec![
        Pr::open(12, "Docs.").label("release"),
        Pr::open(14, "").title("CI/CD").label("Release"),
        Pr::open(15, "Depends on #17")
            .title("Frontend dashboards")
            .label("release"),
        Pr::open(17, "3. CI/CD (depends on #14)")
            .title("Metrics")
            .label("release"),
        Pr::open(18, "Part two.").base("pr-12").label("release"),
        Pr::open(21, "Depends on octo-org/infra#3")
            .title("Uses the new infra")
            .label("release"),
        Pr::open(30, "Depends on #15").title("Not in the release"),
        Pr::merged(3).in_repo("octo-org/infra"),
    ])
    .await;
    gh.with(|w| w.page_size = Some(2));
    let run = step(
        &gh,
        None,
        &[
            ("order", "true"),
            ("label", "release"),
            ("merge-method", "squash"),
        ],
    )
    .await;
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(
        run.output("order"),
        "octo-org/octo-repo#12,octo-org/octo-repo#14,octo-org/octo-repo#17,octo-org/octo-repo#15,octo-org/octo-repo#18,octo-org/octo-repo#21"
    );
    insta::assert_snapshot!("order_merge_commands", run.output("merge-commands"));
    insta::assert_snapshot!("order_summary", run.summary);
    // Four pages of two, followed by their Link headers.
    let pages = gh
        .seen()
        .iter()
        .filter(|p| p.starts_with("/repos/octo-org/octo-repo/pulls?"))
        .count();
    assert_eq!(pages, 4, "{:?}", gh.seen());
}

#[tokio::test]
async fn order_blocks_on_a_loop_and_on_a_closed_dependency() {
    let gh = GitHub::start(vec![
        Pr::open(1, "Depends on #2"),
        Pr::open(2, "Depends on #1"),
        Pr::open(3, "Depends on #2"),
        Pr::open(4, "Depends on #9"),
        Pr::closed(9),
        Pr::open(5, ""),
    ])
    .await;
    let run = step(&gh, None, &[("order", "")]).await;
    // `order` left blank is false: a pull request is wanted, and there is no event.
    assert_eq!(run.code, 2, "{}", run.log());
    let run = tokio::task::spawn_blocking({
        let base = gh.base();
        move || {
            support::ready(
                &["pr-dependencies", "--order", "--repository", REPO],
                &[("GITHUB_API_URL", &base), ("GITHUB_TOKEN", TOKEN)],
            )
        }
    })
    .await
    .unwrap();
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(
        run.output("order"),
        "octo-org/octo-repo#4,octo-org/octo-repo#5"
    );
    assert!(
        run.stdout.contains("#1 depends on #2, which depends on #1"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("#3 depends, directly or not, on a loop"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("#4 depends on #9 (closed without merging)"),
        "{}",
        run.stdout
    );
}

#[tokio::test(start_paused = true)]
async fn retries_honour_retry_after_and_a_lasting_outage_is_no_verdict() {
    let gh = GitHub::start(vec![Pr::open(15, "Depends on #14"), Pr::merged(14)]).await;
    gh.fault(
        "/repos/octo-org/octo-repo/pulls/14",
        Fault::status(429).header("retry-after", "7"),
    );
    gh.fault(
        "/repos/octo-org/octo-repo/pulls/15",
        Fault::status(403)
            .header("retry-after", "30")
            .body(json!({"message": "You have exceeded a secondary rate limit."})),
    );
    let (result, waited) = evaluate(&gh, check(15)).await;
    assert_eq!(result.unwrap().verdict, Verdict::Passed);
    assert_eq!(waited, Duration::from_secs(37));
    for _ in 0..4 {
        gh.fault("/repos/octo-org/octo-repo/pulls/14", Fault::status(502));
    }
    let (result, _) = evaluate(&gh, check(15)).await;
    let report = result.unwrap_err().into_report("pr-dependencies");
    assert_eq!(report.verdict, Verdict::Error);
    assert!(
        report.headline.contains("reading octo-org/octo-repo#14: "),
        "{}",
        report.headline
    );
}

#[tokio::test(start_paused = true)]
async fn a_list_that_links_elsewhere_or_back_is_no_verdict() {
    let gh = GitHub::start((1..=5).map(|n| Pr::open(n, "")).collect()).await;
    gh.with(|w| {
        w.page_size = Some(2);
        w.loop_after_page = Some(2);
    });
    let (result, _) = evaluate(&gh, Mode::Order { label: None }).await;
    let headline = result.unwrap_err().into_report("pr-dependencies").headline;
    assert!(
        headline.contains("links back to a page it already gave"),
        "{headline}"
    );
    // A next page on another host would take the token there: refused, never requested.
    gh.with(|w| w.loop_after_page = None);
    gh.fault(
        "/repos/octo-org/octo-repo/pulls",
        Fault::status(200).body(json!([])).header(
            "link",
            "<http://127.0.0.2:9/repos/octo-org/octo-repo/pulls?page=2>; rel=\"next\"",
        ),
    );
    let (result, _) = evaluate(&gh, Mode::Order { label: None }).await;
    let headline = result.unwrap_err().into_report("pr-dependencies").headline;
    assert!(headline.contains("is not under the API base"), "{headline}");
}

#[tokio::test]
async fn predeploy_runs_the_order_as_a_gate_and_skips_it_offline() {
    let gh = GitHub::start(vec![
        Pr::open(1, "Depends on #2").label("release"),
        Pr::open(2, "Depends on #1").label("release"),
        Pr::open(3, "").label("release"),
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ready.yml");
    std::fs::write(
        &config,
        "gates:\n  pr-dependencies:\n    order: true\n    label: release\n    merge-method: rebase\n",
    )
    .unwrap();
    let predeploy = |offline: bool| {
        let (base, config) = (gh.base(), config.clone());
        tokio::task::spawn_blocking(move || {
            let mut step = Step::new()
                .args(["predeploy", "--config"])
                .arg(&config)
                .env("GITHUB_API_URL", &base)
                .env("GITHUB_REPOSITORY", REPO)
                .env("GITHUB_TOKEN", TOKEN);
            if offline {
                step = step.input("offline", "true");
            }
            step.run()
        })
    };
    let run = predeploy(false).await.unwrap();
    assert_eq!(run.code, 1, "{}", run.log());
    assert!(
        run.stdout.contains("#1 depends on #2, which depends on #1"),
        "{}",
        run.stdout
    );
    gh.with(|w| w.pulls[1].body = String::new());
    let run = predeploy(false).await.unwrap();
    assert_eq!(run.code, 0, "{}", run.log());
    assert!(
        run.summary
            .contains("merge order of 3 open pull requests labelled"),
        "{}",
        run.summary
    );
    let before = gh.seen().len();
    let run = predeploy(true).await.unwrap();
    assert_eq!(run.code, 0, "{}", run.log());
    assert!(
        run.summary.contains("needs GitHub's API (--offline)"),
        "{}",
        run.summary
    );
    assert_eq!(gh.seen().len(), before);
    gh.assert_valid_requests();
}

#[tokio::test]
async fn titles_and_bodies_cannot_forge_workflow_commands_or_leak_the_token() {
    let forged =
        "CI\u{1b}[8m\n::add-mask::passed\n::error::FORGED\n::set-output name=result::passed";
    let gh = GitHub::start(vec![
        Pr::open(15, &format!("Depends on #14\n::warning::FORGED {TOKEN}")),
        Pr::open(14, "").title(forged),
    ])
    .await;
    let run = step(&gh, pull_request_event(15), &[]).await;
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("result"), "blocked");
    let forged = support::hostile::forged_commands(&run.log(), &[TOKEN]);
    assert!(forged.is_empty(), "forged: {forged:?}\n{}", run.log());
    assert_eq!(run.log().matches(TOKEN).count(), 1, "{}", run.log());
    // An ANSI escape in a title (here: hide what follows) reaches neither log nor summary.
    assert!(!run.log().contains('\u{1b}'), "{}", run.log());
    assert!(!run.summary.contains('\u{1b}'), "{}", run.summary);
}

/// An order of nothing passes (every release pull request may be merged before a deploy), but
/// says so in a warning, which a label with a typo would otherwise hide.
#[tokio::test]
async fn an_order_of_nothing_passes_with_a_warning_naming_the_label() {
    let gh = GitHub::start(vec![Pr::open(12, "Docs.").label("release")]).await;
    let run = step(&gh, None, &[("order", "true"), ("label", "relase")]).await;
    assert_eq!(run.code, 0, "{}", run.log());
    assert_eq!(run.output("order"), "");
    let warning = run
        .stdout
        .lines()
        .find(|l| l.starts_with("::warning title=nothing-to-order"))
        .unwrap_or_else(|| panic!("no warning: {}", run.log()));
    assert!(
        warning.contains("no open pull request of octo-org/octo-repo has the label \"relase\""),
        "{warning}"
    );
}

/// A body naming more dependencies than the check reads is refused before it sends a request
/// for each: no verdict on part of the list, and no rate limit spent.
#[tokio::test]
async fn a_body_naming_too_many_dependencies_is_refused_unread() {
    let list: Vec<String> = (1..=150).map(|n| format!("#{n}")).collect();
    let gh = GitHub::start(vec![Pr::open(
        500,
        &format!("Depends on {}", list.join(", ")),
    )])
    .await;
    let run = step(&gh, pull_request_event(500), &[]).await;
    assert_eq!(run.code, 2, "{}", run.log());
    assert_eq!(run.output("result"), "invalid");
    assert!(
        run.log()
            .contains("body names 150 dependencies, more than the 100 this check reads"),
        "{}",
        run.log()
    );
    assert!(gh.seen().len() <= 2, "{:?}", gh.seen());
}
