//! gate-on-green against a loopback mock of GitHub's API (tests/gate_on_green/mock.rs): the gate
//! loop through the library on a paused tokio clock (no real sleeps), and the binary end to end
//! for the quick scenarios.

#[path = "gate_on_green/mock.rs"]
mod mock;
mod support;

use mock::{Fault, GitHub, RunSpec, SHA, StatusSpec, TOKEN, WorkflowRunSpec};
use ready_actions::gate_on_green::{self, Args, Config, Ending, Outcome};
use ready_actions::github::Client;
use ready_actions::report::Verdict;
use serde_json::json;
use std::collections::HashMap;
use std::time::Duration;
use support::Run;

fn client(gh: &GitHub) -> Client {
    ready_actions::http::install_crypto_provider();
    // No client timeouts and no idle-pool timer: on a paused clock, a pending timer would make
    // tokio jump time forward while a loopback answer is on its way.
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    Client::new(http, &gh.base(), Some(TOKEN.into()), Default::default()).unwrap()
}

fn args(pairs: &[(&str, &str)]) -> Args {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| *n == k)
            .map(|(_, v)| v.to_string())
    };
    Args {
        github_token: Some(TOKEN.into()),
        repository: Some("octo-org/octo-repo".into()),
        sha: Some(SHA.into()),
        branch: get("branch").or(Some("main".into())),
        require_head_of_branch: get("require-head-of-branch"),
        checks: get("checks"),
        ignore: get("ignore"),
        allowed_conclusions: get("allowed-conclusions"),
        wait: get("wait"),
        timeout: get("timeout"),
        interval: get("interval"),
        discovery_timeout: get("discovery-timeout"),
        self_check_run_id: get("self-check-run-id"),
        allow_no_checks: get("allow-no-checks"),
        comment: get("comment"),
    }
}

fn config(pairs: &[(&str, &str)], env: &[(&str, &str)]) -> Config {
    let env: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    Config::resolve(&args(pairs), &|k| env.get(k).cloned()).unwrap_or_else(|e| panic!("{e}"))
}

async fn gate(gh: &GitHub, cfg: &Config) -> Outcome {
    let client = client(gh);
    let clock = gh.clock();
    let outcome = gate_on_green::gate(&client, cfg, &clock)
        .await
        .unwrap_or_else(|e| panic!("gate failed: {e}"));
    gh.assert_valid_requests();
    outcome
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn green(id: u64, name: &str) -> RunSpec {
    RunSpec::new(id, name).done(0, "success")
}

#[tokio::test(start_paused = true)]
async fn all_green_passes_on_the_first_poll() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![green(1, "build"), green(2, "test")];
        w.runs.push(RunSpec::new(3, "lint").done(0, "neutral"));
        w.statuses = vec![StatusSpec::new(1, "ci/jenkins").done(0, "success")];
    });
    let cfg = config(&[], &[]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::Green);
    assert_eq!(out.polls, 1);
    assert_eq!(out.evaluation.items.len(), 4);
    let report = gate_on_green::report(&cfg, &out);
    assert_eq!(report.verdict, Verdict::Passed);
    assert!(report.outputs.contains(&("state".into(), "success".into())));
    // rules + branch + check runs + status + the commit's workflow runs (all done?)
    assert!(report.outputs.contains(&("requests".into(), "5".into())));
    let extra: Vec<String> = report
        .summary
        .iter()
        .map(ready_actions::render::block_markdown)
        .collect();
    let extra = extra.join("\n");
    assert!(
        extra.contains("every check on the commit (branch main requires none)"),
        "{extra}"
    );
}

#[tokio::test(start_paused = true)]
async fn one_red_while_others_run_fails_fast() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            RunSpec::new(1, "lint").done(30, "failure"),
            RunSpec::new(2, "test").done(600, "success"),
        ];
    });
    let cfg = config(&[], &[]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::Red);
    assert_eq!(out.blocking(), vec!["lint"]);
    assert!(
        out.elapsed >= secs(30) && out.elapsed <= secs(45),
        "{:?}",
        out.elapsed
    );
    let report = gate_on_green::report(&cfg, &out);
    assert_eq!(report.verdict, Verdict::Blocked);
    assert!(report.outputs.contains(&("blocking".into(), "lint".into())));
    assert!(report.findings.iter().any(|f| {
        f.rule == "check-failed"
            && f.message.contains("concluded failure")
            // The run's page is a link of its own, not a raw URL inside the message.
            && !f.message.contains("https://")
            && f.url.as_deref() == Some("https://github.com/octo-org/octo-repo/runs/1")
    }));
}

#[tokio::test(start_paused = true)]
async fn pending_then_green_with_etag_304s() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            green(1, "build"),
            RunSpec::new(2, "test").done(95, "success"),
        ];
    });
    let cfg = config(&[], &[]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::Green);
    assert!(out.elapsed >= secs(95));
    let seen = gh.seen();
    let not_modified = seen.iter().filter(|s| s.status == 304).count();
    assert!(not_modified > 0, "quiet polls are answered 304");
    assert!(
        seen.iter()
            .filter(|s| s.status == 304)
            .all(|s| s.conditional)
    );
    assert_eq!(out.stats.not_modified as usize, not_modified);
    assert_eq!(out.stats.sent as usize, seen.len());
    // Polls back off while nothing changes: fewer than a 10-second poll would make.
    assert!(out.polls < 10, "{} polls", out.polls);
}

/// A long wait is never silent: one line per poll that changed something (what passed, what
/// is still awaited, when the next poll is), and between changes a heartbeat at most a minute
/// apart.
#[tokio::test(start_paused = true)]
async fn progress_lines_while_waiting() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            green(1, "build"),
            RunSpec::new(2, "test").done(200, "success"),
            RunSpec::new(3, "lint").appears(20).done(30, "success"),
        ];
    });
    let cfg = config(&[], &[]);
    let buffer = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut progress = ready_actions::gha::Progress::shared("gate-on-green", buffer.clone());
    let out = gate_on_green::gate_with(&client(&gh), &cfg, &gh.clock(), &mut progress)
        .await
        .unwrap();
    assert_eq!(out.ending, Ending::Green);
    let log = String::from_utf8(buffer.lock().unwrap().clone()).unwrap();
    insta::assert_snapshot!(log);
    // Heartbeats come at most once a minute.
    let stamps: Vec<u64> = log
        .lines()
        .filter(|l| l.contains("still waiting"))
        .map(|l| {
            let t = l.split('[').nth(1).unwrap().split(']').next().unwrap();
            ready_actions::inputs::duration(t).unwrap().as_secs()
        })
        .collect();
    assert!(!stamps.is_empty(), "{log}");
    assert!(stamps.windows(2).all(|w| w[1] - w[0] >= 60), "{log}");
}

#[tokio::test(start_paused = true)]
async fn rerun_replaces_a_failure() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            RunSpec::new(10, "test").done(0, "failure"),
            RunSpec::new(11, "test").done(0, "success"),
            green(12, "build"),
        ];
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert_eq!(out.evaluation.items.len(), 2);
}

#[tokio::test(start_paused = true)]
async fn more_than_100_check_runs_are_read_from_every_page() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = (1..=230).map(|i| green(i, &format!("shard {i}"))).collect();
        w.runs
            .push(RunSpec::new(231, "shard 231").done(0, "failure"));
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Red);
    assert_eq!(out.blocking(), vec!["shard 231"]);
    assert_eq!(out.evaluation.items.len(), 231);
    assert_eq!(gh.count("checks/list-for-ref"), 3);
    assert!(gh.seen().iter().any(|s| s.path.contains("page=3")));
}

#[tokio::test(start_paused = true)]
async fn a_red_check_on_page_101_is_read_not_passed_over() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = (1..10_050)
            .map(|i| green(i, &format!("shard {i}")))
            .collect();
        w.runs
            .push(RunSpec::new(10_050, "shard 10050").done(0, "failure"));
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Red, "the red check is on the last page");
    assert_eq!(out.blocking(), vec!["shard 10050"]);
    assert_eq!(gh.count("checks/list-for-ref"), 101);
}

#[tokio::test(start_paused = true)]
async fn a_list_shorter_than_its_total_count_could_not_be_decided() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    // A page that ends the list although its total_count says there is more.
    gh.fault(
        "checks/list-for-ref",
        Fault::status(200).body(json!({"total_count": 150, "check_runs": []})),
    );
    let client = client(&gh);
    let failure = gate_on_green::gate(&client, &config(&[], &[]), &gh.clock())
        .await
        .expect_err("part of a list is not a verdict");
    let report = failure.into_report("gate-on-green");
    assert_eq!(report.verdict.exit_code(), 3);
    assert!(
        report.headline.contains("0 of the 150 items"),
        "{}",
        report.headline
    );
}

#[tokio::test(start_paused = true)]
async fn a_red_check_is_not_hidden_behind_a_green_one_of_another_workflow() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            RunSpec::new(10, "build").suite(1).done(0, "failure"),
            RunSpec::new(20, "build").suite(2).done(0, "success"),
        ];
        w.workflow_runs = vec![
            WorkflowRunSpec::new(100, "CI", ".github/workflows/ci.yml@main", 1),
            WorkflowRunSpec::new(200, "Release", ".github/workflows/release.yml@main", 2),
        ];
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Red, "{:?}", out.evaluation);
    assert_eq!(out.blocking(), vec!["build"]);

    // A new run of the same workflow file on the commit supersedes the red one.
    gh.with(|w| {
        w.runs
            .push(RunSpec::new(30, "build").suite(3).done(0, "success"));
        w.workflow_runs.push(WorkflowRunSpec::new(
            300,
            "CI",
            ".github/workflows/ci.yml@main",
            3,
        ));
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green, "{:?}", out.evaluation);
    assert_eq!(
        out.evaluation.items.len(),
        2,
        "ci.yml's newest build and release.yml's"
    );

    // Where the workflows cannot be read, the two suites count separately.
    let gh2 = GitHub::start().await;
    gh2.with(|w| {
        w.runs = vec![
            RunSpec::new(10, "build").suite(1).done(0, "failure"),
            RunSpec::new(30, "build").suite(3).done(0, "success"),
        ];
    });
    gh2.fault(
        "actions/list-workflow-runs-for-repo",
        Fault::status(403).message("Resource not accessible by integration"),
    );
    let cfg = config(&[("checks", "build")], &[]);
    let out = gate(&gh2, &cfg).await;
    assert_eq!(out.ending, Ending::Red);
    let report = gate_on_green::report(&cfg, &out);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "gate-note" && f.message.contains("count separately"))
    );
}

/// A gate job in GitHub Actions: its run, runner and own check run id.
fn in_actions(run_id: &str) -> [(&'static str, String); 3] {
    [
        ("GITHUB_ACTIONS", "true".to_string()),
        ("GITHUB_RUN_ID", run_id.to_string()),
        ("RUNNER_NAME", "runner-gate".to_string()),
    ]
}

const GATE_STEP: &str = "Run ready-actions/ready-actions/actions/gate-on-green@v1";

async fn gate_as(gh: &GitHub, run_id: &str, self_id: u64) -> Outcome {
    let env = in_actions(run_id);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let id = self_id.to_string();
    gate(
        gh,
        &config(&[("self-check-run-id", &id), ("timeout", "10m")], &env),
    )
    .await
}

/// A matrix of two gates in one workflow run (`deploy (eu)` finishes at 60 s, `deploy (us)` not).
async fn matrix_gates() -> GitHub {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            RunSpec::new(10, "build").suite(1).done(0, "success"),
            RunSpec::new(20, "deploy (eu)")
                .suite(5)
                .step(GATE_STEP)
                .done(60, "success"),
            RunSpec::new(21, "deploy (us)").suite(5).step(GATE_STEP),
        ];
        w.workflow_runs = vec![
            WorkflowRunSpec::new(100, "CI", ".github/workflows/ci.yml@main", 1),
            WorkflowRunSpec::new(500, "Deploy", ".github/workflows/deploy.yml@main", 5),
        ];
    });
    gh
}

#[tokio::test(start_paused = true)]
async fn two_matrix_gates_do_not_wait_on_each_other() {
    let gh = matrix_gates().await;
    // The first gate passes over its later sibling.
    let out = gate_as(&gh, "500", 20).await;
    assert_eq!(out.ending, Ending::Green, "{:?}", out.evaluation);
    assert!(out.elapsed < secs(60), "{:?}", out.elapsed);
    // The later one waits for the first, then passes.
    let gh = matrix_gates().await;
    let out = gate_as(&gh, "500", 21).await;
    assert_eq!(out.ending, Ending::Green, "{:?}", out.evaluation);
    assert!(
        out.elapsed >= secs(60) && out.elapsed < secs(90),
        "{:?}",
        out.elapsed
    );
}

#[tokio::test(start_paused = true)]
async fn staging_and_production_gates_do_not_wait_on_each_other() {
    let world = |w: &mut mock::World| {
        w.runs = vec![
            RunSpec::new(10, "build").suite(1).done(0, "success"),
            RunSpec::new(30, "deploy-staging")
                .suite(2)
                .step(GATE_STEP)
                .done(90, "success"),
            RunSpec::new(31, "deploy-production")
                .suite(3)
                .step(GATE_STEP),
        ];
        w.workflow_runs = vec![
            WorkflowRunSpec::new(100, "CI", ".github/workflows/ci.yml@main", 1),
            WorkflowRunSpec::new(200, "Staging", ".github/workflows/staging.yml@main", 2),
            WorkflowRunSpec::new(
                300,
                "Production",
                ".github/workflows/production.yml@main",
                3,
            ),
        ];
    };
    let gh = GitHub::start().await;
    gh.with(world);
    let out = gate_as(&gh, "200", 30).await;
    assert_eq!(out.ending, Ending::Green, "{:?}", out.evaluation);
    assert!(out.elapsed < secs(90), "{:?}", out.elapsed);

    let gh = GitHub::start().await;
    gh.with(world);
    let out = gate_as(&gh, "300", 31).await;
    assert_eq!(out.ending, Ending::Green, "{:?}", out.evaluation);
    assert!(
        out.elapsed >= secs(90),
        "waits for staging: {:?}",
        out.elapsed
    );
}

#[tokio::test(start_paused = true)]
async fn a_job_that_needs_another_is_waited_for_before_it_has_a_check_run() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        // `e2e` needs `test`: it appears once `test` is done, and fails.
        w.runs = vec![
            RunSpec::new(10, "test").done(0, "success"),
            RunSpec::new(11, "e2e").appears(40).done(80, "failure"),
        ];
        w.workflow_runs =
            vec![WorkflowRunSpec::new(100, "CI", ".github/workflows/ci.yml@main", 1).done(80)];
    });
    let cfg = config(&[("timeout", "10m")], &[]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::Red, "{:?}", out.evaluation);
    assert_eq!(out.blocking(), vec!["e2e"]);

    // Timed out while the run is between jobs: the summary names the workflow run.
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![RunSpec::new(10, "test").done(0, "success")];
        w.workflow_runs =
            vec![WorkflowRunSpec::new(100, "CI", ".github/workflows/ci.yml@main", 1).done(900)];
    });
    let cfg = config(&[("timeout", "2m")], &[]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::StillPending { waited: true });
    assert_eq!(out.blocking(), vec!["CI"]);
    let report = gate_on_green::report(&cfg, &out);
    assert!(report.findings.iter().any(|f| {
        f.rule == "check-pending"
            && f.message
                .contains("workflow run (.github/workflows/ci.yml@main)")
    }));
}

#[tokio::test(start_paused = true)]
async fn statuses_only() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.statuses = vec![
            StatusSpec::new(1, "ci/jenkins").done(40, "success"),
            StatusSpec::new(2, "security/brakeman").done(0, "success"),
        ];
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert!(out.evaluation.items.iter().all(|i| i.source == "status"));
    assert!(out.elapsed >= secs(40));
}

#[tokio::test(start_paused = true)]
async fn failed_status_blocks() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![green(1, "build")];
        w.statuses = vec![StatusSpec::new(1, "ci/jenkins").done(0, "error")];
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Red);
    assert_eq!(out.blocking(), vec!["ci/jenkins"]);
}

#[tokio::test(start_paused = true)]
async fn own_job_in_progress_is_found_through_the_jobs_api() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            green(1, "build"),
            RunSpec::new(4242, "deploy (prod)").runner("runner-7"),
        ];
        w.workflow_runs = vec![
            WorkflowRunSpec::new(29679449, "Deploy", ".github/workflows/deploy.yml@main", 1)
                .attempt(2),
        ];
    });
    let env = [
        ("GITHUB_ACTIONS", "true"),
        ("GITHUB_RUN_ID", "29679449"),
        ("GITHUB_RUN_ATTEMPT", "2"),
        ("RUNNER_NAME", "runner-7"),
    ];
    let out = gate(&gh, &config(&[("timeout", "2m")], &env)).await;
    assert_eq!(out.ending, Ending::Green, "{:?}", out.evaluation);
    assert!(
        gh.seen()
            .iter()
            .any(|s| s.path.contains("/actions/runs/29679449/attempts/2/jobs"))
    );
}

#[tokio::test(start_paused = true)]
async fn own_job_excluded_by_its_check_run_id() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build"), RunSpec::new(5_000_000_123, "deploy")]);
    let out = gate(&gh, &config(&[("self-check-run-id", "5000000123")], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert_eq!(gh.count("actions/list-jobs-for-workflow-run-attempt"), 0);
}

#[tokio::test(start_paused = true)]
async fn required_check_that_never_appears_blocks_after_discovery_timeout() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.rules = serde_json::from_str(
            &std::fs::read_to_string(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/data/gate_on_green/rules.branch.required-status-checks.SYNTHETIC.json"
            ))
            .unwrap(),
        )
        .unwrap();
        w.runs = vec![
            green(1, "build"),
            green(2, "test (ubuntu-latest)"),
            green(3, "unrelated"),
        ];
    });
    let cfg = config(&[("discovery-timeout", "5m")], &[]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::Missing);
    assert_eq!(out.blocking(), vec!["ci/jenkins"]);
    assert!(
        out.elapsed >= secs(300) && out.elapsed <= secs(301),
        "{:?}",
        out.elapsed
    );
    // Only the required checks are considered, and the summary names the ruleset.
    assert_eq!(out.evaluation.items.len(), 3);
    assert!(
        out.requirements
            .iter()
            .any(|l| l.contains("ruleset octo-org/octo-repo #42"))
    );
    let report = gate_on_green::report(&cfg, &out);
    assert!(report.outputs.contains(&("state".into(), "missing".into())));
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "check-missing" && f.message.contains("ci/jenkins"))
    );
}

#[tokio::test(start_paused = true)]
async fn required_check_bound_to_another_app_is_not_satisfied_by_a_namesake() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.rules = json!([{
            "type": "required_status_checks", "ruleset_source_type": "Repository",
            "ruleset_source": "octo-org/octo-repo", "ruleset_id": 7,
            "parameters": {"strict_required_status_checks_policy": false,
                "required_status_checks": [{"context": "test", "integration_id": 15368}]}
        }]);
        w.runs = vec![RunSpec::new(1, "test").app(99).done(0, "success")];
    });
    let out = gate(&gh, &config(&[("discovery-timeout", "1m")], &[])).await;
    assert_eq!(out.ending, Ending::Missing);
}

#[tokio::test(start_paused = true)]
async fn classic_protection_is_read_and_named() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.protection = Some(vec!["build".into()]);
        w.runs = vec![
            RunSpec::new(1, "build").done(20, "success"),
            RunSpec::new(2, "slow-optional"),
        ];
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert!(
        out.requirements
            .iter()
            .any(|l| l.starts_with("branch protection (branch main): build"))
    );
}

#[tokio::test(start_paused = true)]
async fn no_checks_at_all_is_never_green_by_default() {
    let gh = GitHub::start().await;
    let out = gate(&gh, &config(&[("discovery-timeout", "2m")], &[])).await;
    assert_eq!(out.ending, Ending::Missing);
    assert!(out.elapsed >= secs(120));
    let cfg = config(&[], &[]);
    let report = gate_on_green::report(&cfg, &out);
    assert!(report.findings.iter().any(|f| f.rule == "no-checks"));

    let gh = GitHub::start().await;
    let out = gate(&gh, &config(&[("allow-no-checks", "true")], &[])).await;
    assert_eq!(out.ending, Ending::Green);
}

#[tokio::test(start_paused = true)]
async fn timeout_while_pending_names_the_pending_checks() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build"), RunSpec::new(2, "e2e")]);
    let cfg = config(&[("timeout", "3m")], &[]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::StillPending { waited: true });
    assert_eq!(out.blocking(), vec!["e2e"]);
    // It never sleeps past the deadline: the last poll is at the deadline, not after it.
    assert_eq!(out.elapsed, secs(180));
    let last = gh.seen().last().unwrap().at;
    assert_eq!(last, secs(180));
    let report = gate_on_green::report(&cfg, &out);
    assert_eq!(report.verdict, Verdict::Blocked);
    assert!(report.headline.contains("timed out after 3m"));
    assert!(report.outputs.contains(&("state".into(), "pending".into())));
}

#[tokio::test(start_paused = true)]
async fn wait_false_decides_at_once() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![RunSpec::new(2, "e2e")]);
    let out = gate(&gh, &config(&[("wait", "false")], &[])).await;
    assert_eq!(out.ending, Ending::StillPending { waited: false });
    assert_eq!(out.elapsed, Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn rate_limit_429_and_secondary_403_honour_retry_after() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    gh.fault(
        "checks/list-for-ref",
        Fault::status(429).header("retry-after", "7"),
    );
    gh.fault(
        "repos/get-combined-status-for-ref",
        Fault::status(403)
            .header("retry-after", "30")
            .message("You have exceeded a secondary rate limit."),
    );
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert_eq!(out.elapsed, secs(37));
    assert_eq!(gh.count("checks/list-for-ref"), 2);
    assert_eq!(gh.count("repos/get-combined-status-for-ref"), 2);
}

#[tokio::test(start_paused = true)]
async fn primary_rate_limit_exhausted_waits_for_the_reset() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    let reset = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        + 20;
    gh.fault(
        "checks/list-for-ref",
        Fault::status(403)
            .header("x-ratelimit-remaining", "0")
            .header("x-ratelimit-reset", &reset.to_string())
            .message("API rate limit exceeded"),
    );
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert!(
        out.elapsed >= secs(19) && out.elapsed <= secs(22),
        "{:?}",
        out.elapsed
    );
}

#[tokio::test(start_paused = true)]
async fn bad_gateway_then_success() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    gh.fault("checks/list-for-ref", Fault::status(502));
    gh.fault("checks/list-for-ref", Fault::status(502));
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert_eq!(gh.count("checks/list-for-ref"), 3);
    assert_eq!(out.stats.sent, 7);
}

#[tokio::test(start_paused = true)]
async fn persistent_500_could_not_decide() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    for _ in 0..10 {
        gh.fault("checks/list-for-ref", Fault::status(500));
    }
    let client = client(&gh);
    let cfg = config(&[], &[]);
    let failure = gate_on_green::gate(&client, &cfg, &gh.clock())
        .await
        .expect_err("a persistent 500 cannot be decided");
    let report = failure.into_report("gate-on-green");
    assert_eq!(report.verdict, Verdict::Error);
    assert_eq!(report.verdict.exit_code(), 3);
    assert!(report.headline.contains("HTTP 500"), "{}", report.headline);
    // Bounded: the policy's attempts, no more.
    assert_eq!(gh.count("checks/list-for-ref"), 4);
    gh.assert_valid_requests();
}

#[tokio::test(start_paused = true)]
async fn ghes_base_url_with_api_v3() {
    let gh = GitHub::start_with_prefix("/api/v3").await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert!(
        gh.seen()
            .iter()
            .all(|s| s.path.starts_with("/api/v3/repos/"))
    );
}

#[tokio::test(start_paused = true)]
async fn require_head_of_branch() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![green(1, "build")];
        w.head_sha = "1111111111111111111111111111111111111111".into();
    });
    let cfg = config(&[("require-head-of-branch", "true")], &[]);
    let out = gate(&gh, &cfg).await;
    assert!(matches!(out.ending, Ending::NotHead { .. }));
    let report = gate_on_green::report(&cfg, &out);
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "not-head-of-branch")
    );
    assert!(
        report
            .outputs
            .contains(&("blocking".into(), "head-of-branch".into()))
    );

    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::Green);
}

#[tokio::test(start_paused = true)]
async fn checks_input_globs_and_ignore() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            RunSpec::new(1, "test (ubuntu)").done(10, "success"),
            RunSpec::new(2, "test (macos)").done(50, "success"),
            RunSpec::new(3, "docs").done(5, "failure"),
            RunSpec::new(4, "test (flaky)").done(5, "failure"),
        ];
    });
    let cfg = config(&[("checks", "test (*)"), ("ignore", "test (flaky)")], &[]);
    let out = gate(&gh, &cfg).await;
    assert_eq!(out.ending, Ending::Green, "{:?}", out.evaluation);
    assert!(out.elapsed >= secs(50));
    // Required checks are not read when the input lists them.
    assert_eq!(gh.count("repos/get-branch-rules"), 0);
}

#[test]
fn empty_inputs_mean_not_set() {
    let cfg = config(
        &[
            ("timeout", ""),
            ("wait", ""),
            ("checks", ""),
            ("interval", " "),
        ],
        &[],
    );
    assert!(cfg.wait);
    assert_eq!(cfg.timeout, Duration::from_secs(1800));
    assert_eq!(cfg.interval, Duration::from_secs(10));
    assert!(cfg.checks.is_empty());
    assert_eq!(cfg.allowed, vec!["success", "skipped", "neutral"]);
}

#[test]
fn sha_defaults_follow_the_event() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    let pr_head = "3dca65fa3e8d4b3da3f3d056c59aee1c50f41390";
    std::fs::write(
        &event,
        json!({"pull_request": {"head": {"sha": pr_head}}, "repository": {"default_branch": "trunk"}})
            .to_string(),
    )
    .unwrap();
    let mut a = args(&[]);
    a.sha = None;
    a.branch = None;
    let env: HashMap<&str, String> = HashMap::from([
        ("GITHUB_EVENT_NAME", "pull_request".to_string()),
        ("GITHUB_EVENT_PATH", event.display().to_string()),
        ("GITHUB_SHA", SHA.to_string()),
    ]);
    let cfg = Config::resolve(&a, &|k| env.get(k).cloned()).unwrap();
    assert_eq!(cfg.sha, pr_head);
    assert_eq!(cfg.branch.as_deref(), Some("trunk"));

    let env: HashMap<&str, String> = HashMap::from([
        ("GITHUB_EVENT_NAME", "push".to_string()),
        ("GITHUB_SHA", SHA.to_string()),
    ]);
    let cfg = Config::resolve(&a, &|k| env.get(k).cloned()).unwrap();
    assert_eq!(cfg.sha, SHA);
    assert_eq!(cfg.branch, None);
}

#[test]
fn branch_defaults_to_where_the_commit_goes() {
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    let resolve = |event_name: &str, body: serde_json::Value, github_ref: &str| {
        std::fs::write(&event, body.to_string()).unwrap();
        let mut a = args(&[]);
        a.branch = None;
        let env: HashMap<&str, String> = HashMap::from([
            ("GITHUB_EVENT_NAME", event_name.to_string()),
            ("GITHUB_EVENT_PATH", event.display().to_string()),
            ("GITHUB_REF", github_ref.to_string()),
            ("GITHUB_SHA", SHA.to_string()),
        ]);
        Config::resolve(&a, &|k| env.get(k).cloned())
            .unwrap()
            .branch
    };
    let repo = json!({"default_branch": "main"});
    assert_eq!(
        resolve(
            "push",
            json!({"repository": repo}),
            "refs/heads/release/1.x"
        )
        .as_deref(),
        Some("release/1.x")
    );
    assert_eq!(
        resolve(
            "pull_request",
            json!({"repository": repo, "pull_request": {"base": {"ref": "release/2.x"}}}),
            "refs/pull/7/merge"
        )
        .as_deref(),
        Some("release/2.x")
    );
    assert_eq!(
        resolve(
            "merge_group",
            json!({"repository": repo, "merge_group": {"base_ref": "refs/heads/release/3.x"}}),
            "refs/heads/gh-readonly-queue/release/3.x/pr-7"
        )
        .as_deref(),
        Some("release/3.x")
    );
    // A tag names no branch: the default branch.
    assert_eq!(
        resolve("push", json!({"repository": repo}), "refs/tags/v1.2.0").as_deref(),
        Some("main")
    );
}

/// The standard scenario of the issue: 20 check runs finishing over 10 minutes (one every 30 s),
/// against a peer that polls every 10 s without conditional requests (check runs + combined
/// status per poll). Prints the figures; `benches/gate_on_green.sh` runs it.
#[tokio::test(start_paused = true)]
async fn benchmark_20_checks_over_10_minutes() {
    let scenario = |w: &mut mock::World| {
        w.runs = (1..=20)
            .map(|k| RunSpec::new(k, &format!("job {k}")).done(30 * k + 3, "success"))
            .collect();
    };
    let last_completion = secs(603);

    let gh = GitHub::start().await;
    gh.with(scenario);
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    let ours_latency = out.elapsed - last_completion;

    // The peer: GET check runs and the combined status every 10 s, no If-None-Match.
    let peer = GitHub::start().await;
    peer.with(scenario);
    let http = reqwest::Client::builder()
        .pool_idle_timeout(None)
        .build()
        .unwrap();
    let start = tokio::time::Instant::now();
    let base = format!("{}/repos/octo-org/octo-repo/commits/{SHA}", peer.base());
    let mut peer_requests = 0;
    loop {
        peer.with(|w| w.now = start.elapsed());
        let body = http
            .get(format!("{base}/check-runs?per_page=100"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let runs: serde_json::Value = serde_json::from_slice(&body).unwrap();
        http.get(format!("{base}/status"))
            .bearer_auth(TOKEN)
            .send()
            .await
            .unwrap();
        peer_requests += 2;
        let done = runs["check_runs"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["status"] == "completed");
        if done {
            break;
        }
        tokio::time::sleep(secs(10)).await;
    }
    peer.assert_valid_requests();
    let peer_latency = start.elapsed() - last_completion;

    let billed = out.stats.billed();
    println!("gate-on-green benchmark: 20 check runs finishing over 10 minutes (one every 30 s)");
    println!(
        "  ready gate-on-green: {} requests, {} billed, {} answered 304; {} polls; verdict {:.1}s after the last check completed",
        out.stats.sent,
        billed,
        out.stats.not_modified,
        out.polls,
        ours_latency.as_secs_f64()
    );
    println!(
        "  10-second poll without conditional requests: {peer_requests} requests, {peer_requests} billed; verdict {:.1}s after the last check completed",
        peer_latency.as_secs_f64()
    );
    println!(
        "  billed ratio: {:.3} against that peer (target <= 0.1); {:.3} against a peer reading check runs only ({} requests)",
        billed as f64 / peer_requests as f64,
        billed as f64 / (peer_requests / 2) as f64,
        peer_requests / 2
    );

    // The price of fewer billed polls: how late a red check among many running ones is seen.
    let gh = GitHub::start().await;
    gh.with(|w| {
        scenario(w);
        w.runs[9].completes = Some((secs(303), "failure".into()));
    });
    let out = gate(&gh, &config(&[], &[])).await;
    assert_eq!(out.ending, Ending::Red);
    println!(
        "  fail fast: job 10 of 20 fails at 5m03s with 10 still running; blocked {:.1}s later after {} billed requests",
        (out.elapsed - secs(303)).as_secs_f64(),
        out.stats.billed()
    );
    assert!(
        billed * 10 <= peer_requests,
        "at most a tenth of the peer's billed requests"
    );
    assert!(ours_latency <= secs(10), "verdict within one interval");
}

// ---- End to end: the `ready` binary, real (short) time, clean environment. ----

/// `ready gate-on-green` as a step, pointed at the mock, for the default repository and commit.
fn ready(gh: &GitHub, extra_env: &[(&str, &str)]) -> Run {
    support::Step::new()
        .env("GITHUB_API_URL", gh.base())
        .input("github-token", TOKEN)
        .input("repository", "octo-org/octo-repo")
        .input("sha", SHA)
        .input("branch", "main")
        .arg("gate-on-green")
        .envs(extra_env)
        .run()
}

/// The value of one output, if the step set it.
fn output(run: &Run, name: &str) -> Option<String> {
    run.outputs.get(name).cloned()
}

#[tokio::test]
async fn cli_all_green_exits_0_with_outputs_and_summary() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![green(1, "build"), green(2, "test")];
        w.statuses = vec![StatusSpec::new(1, "ci/jenkins").done(0, "success")];
    });
    let run = ready(&gh, &[("INPUT_TIMEOUT", ""), ("INPUT_CHECKS", "")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout.starts_with("::add-mask::"),
        "the token is masked first"
    );
    assert_eq!(
        run.stdout.lines().next(),
        Some(format!("::add-mask::{TOKEN}").as_str())
    );
    assert_eq!(
        run.stdout.matches(TOKEN).count(),
        1,
        "only in the mask command"
    );
    assert!(!run.summary.contains(TOKEN) && !run.output_file.contains(TOKEN));
    assert_eq!(output(&run, "result").as_deref(), Some("passed"));
    assert_eq!(output(&run, "state").as_deref(), Some("success"));
    assert_eq!(output(&run, "blocking").as_deref(), Some(""));
    assert_eq!(output(&run, "requests").as_deref(), Some("5"));
    assert!(
        run.summary
            .contains("| check | source | required by | state | conclusion | details |")
    );
    assert!(
        run.summary
            .contains("| build | check run (github-actions) |")
    );
    assert!(run.summary.contains("| ci/jenkins | status |"));
    assert!(
        run.summary
            .contains("every check on the commit (branch main requires none)")
    );
    gh.assert_valid_requests();
}

#[tokio::test]
async fn cli_unreadable_event_payload_warns_and_bad_json_is_invalid() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.json");
    let run = ready(&gh, &[("GITHUB_EVENT_PATH", missing.to_str().unwrap())]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("event-payload-missing%3A Event payload missing::GITHUB_EVENT_PATH"),
        "{}",
        run.stdout
    );
    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, "{not json").unwrap();
    let run = ready(&gh, &[("GITHUB_EVENT_PATH", bad.to_str().unwrap())]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(output(&run, "result").as_deref(), Some("invalid"));
}

#[tokio::test]
async fn cli_red_check_exits_1_and_annotates_it() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![
            green(1, "build"),
            RunSpec::new(2, "test").done(0, "timed_out"),
            RunSpec::new(3, "e2e"),
        ];
    });
    let run = ready(&gh, &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("::error title=check-failed%3A test failed::test concluded timed_out (check run (github-actions)): https://github.com/octo-org/octo-repo/runs/2"),
        "{}",
        run.stdout
    );
    assert_eq!(output(&run, "state").as_deref(), Some("failure"));
    assert_eq!(output(&run, "blocking").as_deref(), Some("test"));
    assert_eq!(output(&run, "result").as_deref(), Some("blocked"));
    insta::assert_snapshot!("red_summary", run.summary);
}

#[tokio::test]
async fn cli_ghes_base_url() {
    let gh = GitHub::start_with_prefix("/api/v3").await;
    gh.with(|w| w.runs = vec![green(1, "build")]);
    let run = ready(&gh, &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    gh.assert_valid_requests();
    assert!(gh.seen().iter().all(|s| s.path.starts_with("/api/v3/")));
}

#[tokio::test]
async fn cli_persistent_500_exits_3() {
    let gh = GitHub::start().await;
    for _ in 0..10 {
        gh.fault("repos/get-branch-rules", Fault::status(500));
    }
    let run = ready(&gh, &[]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_eq!(output(&run, "result").as_deref(), Some("error"));
    assert!(run.stdout.contains("could-not-decide"), "{}", run.stdout);
    assert_eq!(gh.count("repos/get-branch-rules"), 4);
}

#[tokio::test]
async fn cli_exit_3_still_reports_the_requests_made() {
    let gh = GitHub::start().await;
    for _ in 0..10 {
        gh.fault("checks/list-for-ref", Fault::status(502));
    }
    let run = ready(&gh, &[]);
    assert_eq!(run.code, 3, "{}", run.stdout);
    assert_eq!(output(&run, "result").as_deref(), Some("error"));
    // rules + branch + four attempts at the check runs
    assert_eq!(output(&run, "requests").as_deref(), Some("6"));
    assert_eq!(gh.seen().len(), 6);
}

#[tokio::test]
async fn cli_invalid_input_exits_2() {
    let gh = GitHub::start().await;
    let run = ready(&gh, &[("INPUT_TIMEOUT", "soon")]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(output(&run, "result").as_deref(), Some("invalid"));
    assert!(run.stdout.contains("timeout"));
    assert!(
        gh.seen().is_empty(),
        "nothing is asked before the inputs are valid"
    );
}

#[tokio::test]
async fn cli_a_token_with_a_line_break_is_invalid_input_naming_it() {
    let gh = GitHub::start().await;
    let pasted = format!("{TOKEN}\nsecond-line");
    let run = ready(&gh, &[("INPUT_GITHUB_TOKEN", pasted.as_str())]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert_eq!(output(&run, "result").as_deref(), Some("invalid"));
    assert!(
        run.stdout
            .contains("`github-token` (or GITHUB_TOKEN) has a line break"),
        "{}",
        run.stdout
    );
    assert!(gh.seen().is_empty(), "nothing is asked with such a token");
}

#[tokio::test]
async fn cli_wait_false_with_pending_check_exits_1_naming_it() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![green(1, "build"), RunSpec::new(2, "e2e")]);
    let run = ready(&gh, &[("INPUT_WAIT", "false")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert_eq!(output(&run, "state").as_deref(), Some("pending"));
    assert_eq!(output(&run, "blocking").as_deref(), Some("e2e"));
    assert!(run.stdout.contains("check-pending"));
}

#[tokio::test(start_paused = true)]
async fn low_rate_limit_spreads_polls_until_the_reset() {
    let gh = GitHub::start().await;
    gh.with(|w| {
        w.runs = vec![RunSpec::new(1, "build").done(20, "success")];
        // 50 left, reset in an hour: at most ~25 polls of two requests in that hour.
        w.rate_remaining = 50;
    });
    let out = gate(&gh, &config(&[("timeout", "2h")], &[])).await;
    assert_eq!(out.ending, Ending::Green);
    assert_eq!(
        out.polls, 2,
        "one poll, then a pause of about 150 s, not 10 s"
    );
    assert!(out.elapsed >= secs(140), "{:?}", out.elapsed);
}
