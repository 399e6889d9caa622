//! Every network action against a hostile loopback server (one fault per mode) and hostile
//! inputs: a verdict and a `result` output, never an abort; bounded memory; and no text from
//! outside read as a workflow command by the runner.

mod support;

use support::hostile::{Fault, Hostile, forged_commands};

const SHA: &str = "6dcb09b5b57875f334f61aebed695e2e4193db5e";
const TOKEN: &str = "ghs_hostileTestToken0123456789";
/// Lines that the runner would run if they reached the log as they are.
const FORGED: &str = "FORGED\n::add-mask::passed\r::error::FORGED\r\n::set-output name=result::passed\nx ##[set-output name=result;]passed";

/// A Prometheus instant-vector answer with one sample of `value`.
fn vector(value: &str) -> String {
    format!(
        r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{}},"value":[1717761600,"{value}"]}}]}}}}"#
    )
}

fn budget_gate(url: &str, extra: &[(&str, &str)]) -> support::Run {
    let mut env = vec![
        ("INPUT_PROMETHEUS_URL", url),
        ("INPUT_ERROR_QUERY", "sum(errors[{{.window}}])"),
        ("INPUT_TOTAL_QUERY", "sum(requests[{{.window}}])"),
        ("INPUT_OBJECTIVE", "99.5"),
        ("INPUT_WINDOW", "7d"),
        ("INPUT_AT", "2024-06-07T12:00:00Z"),
    ];
    env.extend_from_slice(extra);
    support::ready(&["error-budget-gate"], &env)
}

fn gate_on_green(url: &str) -> support::Run {
    support::ready(
        &["gate-on-green"],
        &[
            ("GITHUB_API_URL", url),
            ("INPUT_GITHUB_TOKEN", TOKEN),
            ("INPUT_REPOSITORY", "octo-org/octo-repo"),
            ("INPUT_SHA", SHA),
            ("INPUT_CHECKS", "lint"),
            ("INPUT_WAIT", "false"),
        ],
    )
}

fn promote(url: &str) -> support::Run {
    let image = format!("{}/app", url.trim_start_matches("http://"));
    support::ready(
        &["promote", "--image", &image, "--from", "v1", "--to", "prod"],
        &[],
    )
}

// ---- aborts

#[test]
fn a_rate_limit_reset_past_any_clock_still_gives_a_verdict() {
    let server = Hostile::start(Fault::FarRateLimitReset(vector("1")));
    // Every request answers 100% errors: a spent budget, decided, not an abort.
    let run = budget_gate(&server.url(), &[]);
    assert_eq!(run.code, 1, "{}", run.log());
    assert_eq!(run.output("result"), "blocked");
}

// ---- bounds

#[test]
fn an_endless_prometheus_answer_cannot_decide() {
    let server = Hostile::start(Fault::EndlessBody);
    let run = budget_gate(&server.url(), &[]);
    assert_eq!(run.code, 3, "{}", run.log());
    assert_eq!(run.output("result"), "error");
    assert!(run.log().contains("larger than 32 MiB"), "{}", run.log());
}

#[test]
fn an_endless_github_answer_cannot_decide() {
    let server = Hostile::start(Fault::EndlessBody);
    let run = gate_on_green(&server.url());
    assert_eq!(run.code, 3, "{}", run.log());
    assert_eq!(run.output("result"), "error");
    assert!(run.log().contains("larger than 16 MiB"), "{}", run.log());
}

#[test]
fn an_endless_manifest_cannot_decide() {
    let server = Hostile::start(Fault::EndlessBody);
    let run = promote(&server.url());
    assert_eq!(run.code, 3, "{}", run.log());
    assert_eq!(run.output("result"), "error");
    assert!(run.log().contains("larger than 4 MiB"), "{}", run.log());
}

// ---- forged workflow commands

fn assert_not_forged(run: &support::Run, secrets: &[&str]) {
    let forged = forged_commands(&run.log(), secrets);
    assert!(forged.is_empty(), "forged: {forged:?}\n{}", run.log());
    // Still there for the reader, as text.
    assert!(
        run.log().contains("::set-output name=result::passed"),
        "{}",
        run.log()
    );
    assert_ne!(run.output("result"), "passed");
}

#[test]
fn a_prometheus_error_message_cannot_forge_commands() {
    let body = serde_json::json!({"status": "error", "errorType": "bad_data", "error": FORGED});
    let server = Hostile::start(Fault::Answer(400, body.to_string()));
    let run = budget_gate(&server.url(), &[]);
    assert_eq!(run.code, 2, "{}", run.log());
    assert_not_forged(&run, &[]);
}

#[test]
fn a_github_error_message_cannot_forge_commands() {
    let body = serde_json::json!({"message": FORGED});
    let server = Hostile::start(Fault::Answer(404, body.to_string()));
    let run = gate_on_green(&server.url());
    // A 404 here means the token cannot see the checks: the user's setup.
    assert_eq!(run.code, 2, "{}", run.log());
    assert_not_forged(&run, &[TOKEN]);
}

#[test]
fn a_registry_error_message_cannot_forge_commands() {
    let body = serde_json::json!({"errors": [{"code": "UNSUPPORTED", "message": FORGED}]});
    let server = Hostile::start(Fault::Answer(400, body.to_string()));
    let run = promote(&server.url());
    assert_eq!(run.code, 2, "{}", run.log());
    assert_not_forged(&run, &[]);
}

#[test]
fn a_freeze_reason_cannot_forge_commands() {
    let dir = tempfile::tempdir().unwrap();
    let freezes = dir.path().join("freezes.yml");
    let reason = serde_json::to_string(FORGED).unwrap();
    std::fs::write(
        &freezes,
        format!(
            "freezes:\n  - reason: {reason}\n    start: \"2024-01-01\"\n    end: \"2025-01-01\"\n"
        ),
    )
    .unwrap();
    let metrics = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/error_budget_gate/metrics-healthy.json");
    let run = support::ready(
        &["error-budget-gate"],
        &[
            ("INPUT_METRICS_FILE", metrics.to_str().unwrap()),
            ("INPUT_FREEZE_FILE", freezes.to_str().unwrap()),
            ("INPUT_OBJECTIVE", "99.5"),
            ("INPUT_WINDOW", "7d"),
            ("INPUT_AT", "2024-06-05T12:00:00Z"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.log());
    assert_not_forged(&run, &[]);
}

#[test]
fn a_usage_error_cannot_forge_commands() {
    let run = support::ready(&["--format", FORGED, "predeploy"], &[]);
    assert_eq!(run.code, 2, "{}", run.log());
    assert_not_forged(&run, &[]);
}

#[test]
fn text_format_inside_actions_cannot_forge_commands() {
    let freeze_dir = tempfile::tempdir().unwrap();
    let config = freeze_dir.path().join("ready.yml");
    std::fs::write(
        &config,
        format!(
            "required-env: [{}]\n",
            serde_json::to_string(FORGED).unwrap()
        ),
    )
    .unwrap();
    let run = support::ready(
        &[
            "--format",
            "text",
            "predeploy",
            "--config",
            config.to_str().unwrap(),
        ],
        &[],
    );
    assert_ne!(run.code, 0, "{}", run.log());
    assert_not_forged(&run, &[]);
}

#[test]
fn a_smoke_step_name_cannot_forge_commands() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("smoke.yml");
    let name = serde_json::to_string(FORGED).unwrap();
    std::fs::write(&spec, format!("steps:\n  - name: {name}\n    path: /\n")).unwrap();
    // Every answer is a 500: the step fails, and its name is in the log.
    let server = Hostile::start(Fault::Answer(500, "{}".into()));
    let run = support::ready(
        &[
            "smoke",
            "--spec",
            spec.to_str().unwrap(),
            "--base-url",
            &server.url(),
        ],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.log());
    assert_not_forged(&run, &[]);
}

// ---- JSON stays JSON

#[test]
fn json_inside_actions_is_one_document_and_masks_still_reach_the_runner() {
    let server = Hostile::start(Fault::Answer(404, r#"{"message":"Not Found"}"#.into()));
    let run = support::Step::new()
        .env("GITHUB_API_URL", server.url())
        .input("github-token", TOKEN)
        .input("repository", "octo-org/octo-repo")
        .input("sha", SHA)
        .input("wait", "false")
        .args(["--format", "json", "gate-on-green"])
        .run();
    assert_eq!(run.code, 2);
    let (stdout, stderr) = (&run.stdout, &run.stderr);
    let doc: serde_json::Value = serde_json::from_str(stdout).expect("stdout is one JSON document");
    assert_eq!(doc["outputs"]["result"], "invalid");
    assert!(
        stderr.contains(&format!("::add-mask::{TOKEN}\n")),
        "{stderr}"
    );
    assert!(!stdout.contains(TOKEN));
}

// ---- deep YAML

#[test]
fn deeply_nested_yaml_is_refused_at_once_in_every_yaml_input() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("deep.yml");
    std::fs::write(
        &deep,
        format!("a: 1\nb: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)),
    )
    .unwrap();
    let deep = deep.to_str().unwrap();
    let metrics = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/error_budget_gate/metrics-healthy.json");
    let metrics = metrics.to_str().unwrap();
    let budget = |input: &'static str| {
        let mut env = vec![
            ("INPUT_METRICS_FILE", metrics),
            (input, deep),
            ("INPUT_WINDOW", "7d"),
        ];
        if input != "INPUT_SLO_FILE" {
            env.push(("INPUT_OBJECTIVE", "99.5"));
        }
        env
    };
    let runs = [
        (
            "predeploy",
            support::ready(&["predeploy", "--config", deep], &[]),
        ),
        (
            "smoke",
            support::ready(
                &["smoke", "--spec", deep, "--base-url", "http://127.0.0.1:9"],
                &[],
            ),
        ),
        (
            "freeze",
            support::ready(&["error-budget-gate"], &budget("INPUT_FREEZE_FILE")),
        ),
        (
            "slo",
            support::ready(&["error-budget-gate"], &budget("INPUT_SLO_FILE")),
        ),
    ];
    for (what, run) in runs {
        assert_eq!(run.code, 2, "{what}: {}", run.log());
        assert_eq!(run.output("result"), "invalid", "{what}");
        assert!(
            run.log().contains("nested more than 128 levels deep"),
            "{what}: {}",
            run.log()
        );
        assert!(run.log().contains("line=2"), "{what}: {}", run.log());
    }
}
