//! gate-on-green through the binary against the project's GitHub mock (documented shapes,
//! every request checked against the spec subset), with hostile values in valid answers: check
//! names that look like workflow commands or are 70,000 characters long, and a rate-limit reset
//! past any clock.

#[path = "gate_on_green/mock.rs"]
mod mock;
mod support;

use mock::{Fault, GitHub, RunSpec, SHA, TOKEN};
use support::hostile::forged_commands;

/// Runs the gate as a step would (inside Actions unless `in_actions` is false); no waiting.
fn gate_on_green(gh: &GitHub, in_actions: bool) -> support::Run {
    let base = gh.base();
    let mut env = vec![
        ("GITHUB_API_URL", base.as_str()),
        ("INPUT_GITHUB_TOKEN", TOKEN),
        ("INPUT_REPOSITORY", "octo-org/octo-repo"),
        ("INPUT_SHA", SHA),
        ("INPUT_WAIT", "false"),
    ];
    if !in_actions {
        env.push(("GITHUB_ACTIONS", "false"));
    }
    support::ready(&["gate-on-green"], &env)
}

/// `gate_on_green` off the runtime that serves the mock; then every request it sent is checked.
async fn run(gh: &GitHub, in_actions: bool) -> support::Run {
    let mock = gh.clone();
    let run = tokio::task::spawn_blocking(move || gate_on_green(&mock, in_actions))
        .await
        .unwrap();
    gh.assert_valid_requests();
    run
}

#[tokio::test]
async fn check_names_cannot_forge_workflow_commands() {
    let gh = GitHub::start().await;
    let forged = "lint\n::add-mask::passed\n::error::FORGED\n::set-output name=result::passed";
    gh.with(|w| {
        w.runs = vec![
            RunSpec::new(1, forged).done(0, "failure"),
            RunSpec::new(2, "::warning::FORGED").done(0, "success"),
        ]
    });
    let run = run(&gh, true).await;
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("result"), "blocked");
    let forged = forged_commands(&run.log(), &[TOKEN]);
    assert!(forged.is_empty(), "forged: {forged:?}\n{}", run.log());
    assert!(run.log().contains("\n::warning::FORGED"), "{}", run.log());
}

#[tokio::test]
async fn a_check_name_too_long_for_a_table_is_cut_in_the_terminal() {
    let gh = GitHub::start().await;
    let long = "n".repeat(70_000);
    gh.with(|w| w.runs = vec![RunSpec::new(1, &long).done(0, "success")]);
    let run = run(&gh, false).await;
    assert_eq!(run.code, 0, "{}", &run.log()[..2000.min(run.log().len())]);
    assert!(run.log().contains(&format!("{}…", "n".repeat(99))));
    assert!(!run.log().contains(&"n".repeat(101)));
}

#[tokio::test]
async fn a_rate_limit_reset_past_any_clock_still_gives_a_verdict() {
    let gh = GitHub::start().await;
    gh.with(|w| w.runs = vec![RunSpec::new(1, "lint").done(0, "success")]);
    let mut fault = Fault::status(200)
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-reset", "18446744073709551615");
    fault.body = serde_json::json!({"total_count": 0, "check_runs": []});
    gh.fault("checks/list-for-ref", fault);
    let run = run(&gh, true).await;
    // The answer (no check runs) is decided on: nothing to wait for, not an abort.
    assert!([0, 1].contains(&run.code), "{}", run.log());
    assert_ne!(run.output("result"), "error");
}
