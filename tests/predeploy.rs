//! `ready predeploy`: the checklist, item by item, and required variables named but never shown.

mod support;

#[path = "gate_on_green/mock.rs"]
mod mock;

use std::path::Path;

use support::Run;

fn predeploy(args: &[&str], env: &[(&str, &str)]) -> Run {
    support::Step::new()
        .arg("predeploy")
        .args(args)
        .envs(env)
        .run()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn a_missing_variable_is_named_and_no_value_is_ever_printed() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        ".env.example",
        "# app\nDATABASE_URL=postgres://localhost/app\nAPI_KEY=\n",
    );
    let config = write(
        dir.path(),
        "ready.yml",
        "required-env: [SENTRY_DSN]\nrequired-env-from: .env.example\n",
    );
    let run = predeploy(
        &["--config", &config],
        &[
            ("DATABASE_URL", "postgres://user:pw-VALUE-123@db/app"),
            ("API_KEY", ""),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    // Masked first (config-check registers every value it reads), then never printed.
    assert!(
        run.stdout
            .starts_with("::add-mask::postgres://user:pw-VALUE-123@db/app\n")
    );
    let log: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    for text in [&log.join("\n"), &run.summary, &run.output_file] {
        assert!(
            !text.contains("pw-VALUE-123"),
            "a value was printed:\n{text}"
        );
    }
    assert!(
        run.stdout.contains("::error title=missing-required"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("SENTRY_DSN is not set (required; looked in")
    );
    assert!(run.stdout.contains("API_KEY is empty (required; looked in"));
    assert!(!run.stdout.contains("DATABASE_URL is"));
    assert!(
        run.summary
            .contains("| required-env | ❌ blocked | missing: SENTRY_DSN, API_KEY |"),
        "{}",
        run.summary
    );
}

#[test]
fn all_variables_present_passes() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(dir.path(), "ready.yml", "required-env: [A, B]\n");
    let run = predeploy(&["--config", &config], &[("A", "1"), ("B", "2")]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.summary
            .contains("| required-env | ✅ passed | 2 variable(s) present |"),
        "{}",
        run.summary
    );
    assert!(run.output_file.contains("\npassed\n") || run.output_file.contains("passed<<"));
}

#[test]
fn gates_that_need_a_network_or_token_are_skipped_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "ready.yml",
        "gates:\n  gate-on-green: {}\n  smoke:\n    base-url: https://example.test\n  error-budget-gate:\n    prometheus-url: https://prom.example.test\n",
    );
    let run = predeploy(&["--config", &config, "--offline"], &[]);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.summary
            .contains("| gate-on-green | ⏭️ skipped | needs a GitHub token"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| smoke | ⏭️ skipped | needs the deployed service (--offline) |")
    );
    assert!(
        run.summary
            .contains("| error-budget-gate | ⏭️ skipped | needs Prometheus (--offline)")
    );
    assert!(run.output_file.contains("skipped<<"));
}

/// config-check reads GitHub only for its github-token: with one it is skipped under --offline
/// and runs (against the API mock) without; without one it runs offline too.
#[tokio::test]
async fn config_check_needs_the_network_only_with_its_github_token() {
    let gh = mock::GitHub::start().await;
    gh.with(|w| {
        w.environment_secrets
            .insert("production".into(), vec!["JWT_SECRET".into()]);
        w.environment_variables
            .insert("production".into(), Vec::new());
    });
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "schema.yml",
        "variables:\n  JWT_SECRET: {required: true, secret: true}\n",
    );
    let with_token = write(
        dir.path(),
        "ready.yml",
        &format!(
            "gates:\n  config-check:\n    schema: schema.yml\n    environment: production\n    step-env: false\n    github-token: {}\n",
            mock::TOKEN
        ),
    );
    let env = [
        ("GITHUB_API_URL", gh.base()),
        ("GITHUB_REPOSITORY", "octo-org/octo-repo".to_string()),
    ];
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let run = predeploy(&["--config", &with_token, "--offline"], &env);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.summary.contains(
            "| config-check | ⏭️ skipped | needs GitHub's API for its github-token (--offline) |"
        ),
        "{}",
        run.summary
    );
    assert_eq!(gh.seen().len(), 0, "GitHub was called under --offline");

    let run = predeploy(&["--config", &with_token], &env);
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.summary.contains("| config-check | ✅ passed |"),
        "{}",
        run.summary
    );
    assert_eq!(gh.count("actions/list-environment-secrets"), 1);
    gh.assert_valid_requests();

    let without_token = write(
        dir.path(),
        "ready.yml",
        "gates:\n  config-check:\n    required: APP_MODE\n",
    );
    let run = predeploy(
        &["--config", &without_token, "--offline"],
        &[("APP_MODE", "on")],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(
        run.summary.contains("| config-check | ✅ passed |"),
        "{}",
        run.summary
    );
}

#[test]
fn a_bad_checklist_is_invalid_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "ready.yml",
        "required-env: [A]\nrequired_env_from: x\n",
    );
    let run = predeploy(&["--config", &config], &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(
        run.stdout.contains("unknown field `required_env_from`"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains(",line=2::"), "{}", run.stdout);

    let config = write(dir.path(), "ready.yml", "gates:\n  promote: {}\n");
    let run = predeploy(&["--config", &config], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("promote is not a pre-deploy gate"),
        "{}",
        run.stdout
    );

    let config = write(dir.path(), "ready.yml", "gates:\n  no-such-gate: {}\n");
    let run = predeploy(&["--config", &config], &[]);
    assert_eq!(run.code, 2);
    assert!(run.stdout.contains("no-such-gate"), "{}", run.stdout);
}

#[test]
fn a_missing_checklist_says_what_was_looked_for() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.yml");
    let run = predeploy(&["--config", missing.to_str().unwrap()], &[]);
    assert_eq!(run.code, 2);
    assert!(
        run.stdout.contains("cannot read the checklist"),
        "{}",
        run.stdout
    );
    assert!(run.output_file.contains("invalid"));
}

const SESSION_SECRET: &str = "c2Vzc2lvbi1zZWNyZXQtb2YtdGhlLWRlbW8tMDEyMzQ1Njc4OWFiY2RlZg";

/// The demo's production configuration, by config-check: a short secret blocks, on its name.
#[test]
fn the_demo_checks_its_schema_for_production() {
    let run = predeploy(
        &["--config", &demo(), "--offline"],
        &[
            ("DATABASE_URL", "postgres://postgres:postgres@db/drafts"),
            ("SESSION_SECRET", "s3ssion-VALUE"),
        ],
    );
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("SESSION_SECRET (the step's environment): 13 characters, needs ≥ 32"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("::error title=default-credentials"));
    assert!(
        run.summary.contains(
            "| required-env | ❌ blocked | 3 problems in the configuration for production |"
        ),
        "{}",
        run.summary
    );
}

fn demo() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/demo/ready.yml")
        .display()
        .to_string()
}

/// The README's first command: the demo, with no network and no token.
#[test]
fn the_demo_gives_a_real_verdict_offline() {
    let run = predeploy(&["--config", &demo(), "--offline"], &[]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    // The checklist as GitHub shows it: one table, a state icon per item.
    let checklist: String = run
        .summary
        .lines()
        .filter(|l| l.starts_with("| "))
        .take(6)
        .collect::<Vec<_>>()
        .join("\n");
    insta::assert_snapshot!("demo_checklist", checklist);
    assert!(
        run.summary
            .contains("| required-env | ❌ blocked | missing: DATABASE_URL, SESSION_SECRET |"),
        "{}",
        run.summary
    );
    assert!(
        run.summary.contains(
            "| check-alembic-heads | ✅ passed | 1 head (3c4d5e6f7a8b) over 3 revisions |"
        ),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| error-budget-gate | ✅ passed | error budget healthy"),
        "{}",
        run.summary
    );
    assert!(
        run.summary
            .contains("| gate-on-green | ⏭️ skipped | needs a GitHub token"),
        "{}",
        run.summary
    );

    let run = predeploy(
        &["--config", &demo(), "--offline"],
        &[
            ("DATABASE_URL", "postgres://drafts:Xk2-rot8ted-Pw@db/drafts"),
            ("SESSION_SECRET", SESSION_SECRET),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    let log: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| !l.starts_with("::add-mask::"))
        .collect();
    assert!(!log.join("\n").contains(SESSION_SECRET) && !run.summary.contains(SESSION_SECRET));
    assert!(
        run.summary
            .contains("| required-env | ✅ passed | 7 variable(s) present |"),
        "{}",
        run.summary
    );
    let checklist = run
        .output_file
        .split("checklist<<")
        .nth(1)
        .unwrap()
        .lines()
        .nth(1)
        .unwrap();
    let checklist: serde_json::Value = serde_json::from_str(checklist).unwrap();
    assert_eq!(checklist[1]["item"], "check-alembic-heads");
    assert_eq!(
        checklist[1]["outputs"]["requires-maintenance-window"],
        "true"
    );
}

#[test]
fn the_demo_smoke_spec_is_valid() {
    // Port 9 on loopback refuses connections: a valid spec gets as far as the network (exit 3);
    // an invalid one would stop before any request (exit 2).
    let spec = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/demo/smoke.yml");
    let run = support::Step::new()
        .outside_actions()
        .args([
            "smoke",
            "--base-url",
            "http://127.0.0.1:9",
            "--timeout",
            "2s",
            "--spec",
        ])
        .arg(&spec)
        .run();
    assert_eq!(run.code, 3, "{}", run.stdout);
}

#[test]
fn a_checklist_with_nothing_to_check_is_invalid() {
    let dir = tempfile::tempdir().unwrap();
    for text in ["", "{}\n", "# to do\n", "gates: {}\nrequired-env: []\n"] {
        let config = write(dir.path(), "ready.yml", text);
        let run = predeploy(&["--config", &config], &[]);
        assert_eq!(run.code, 2, "{text:?}: {}", run.stdout);
        assert!(run.output_file.contains("invalid"), "{}", run.output_file);
        assert!(
            run.stdout.contains("lists nothing to check"),
            "{}",
            run.stdout
        );
    }
}

/// A checklist named relative to the workspace, as a workflow names it: its gates read their
/// files beside it, and annotations name those files from the workspace, where GitHub looks.
#[test]
fn a_checklist_in_a_subdirectory_reads_its_gates_files_beside_it() {
    let workspace = tempfile::tempdir().unwrap();
    let app = workspace.path().join("app");
    std::fs::create_dir_all(app.join("migrations/versions")).unwrap();
    write(
        &app,
        "alembic.ini",
        "[alembic]\nscript_location = %(here)s/migrations\n",
    );
    write(
        &app,
        "ready.yml",
        "gates:\n  check-alembic-heads:\n    config: alembic.ini\n",
    );
    for (revision, file) in [("aaaa", "a.py"), ("bbbb", "b.py")] {
        write(
            &app.join("migrations/versions"),
            file,
            &format!("revision = \"{revision}\"\ndown_revision = None\n"),
        );
    }
    let run = support::Step::new()
        .current_dir(workspace.path())
        .args(["predeploy", "--config", "app/ready.yml", "--offline"])
        .run();
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.summary
            .contains("| check-alembic-heads | ❌ blocked | "),
        "{}",
        run.summary
    );
    assert!(
        run.stdout.contains("file=app/migrations/versions/"),
        "{}",
        run.stdout
    );
}

/// Annotations land on the line that caused them: the gate's entry, the missing variable's name.
#[test]
fn errors_and_findings_name_their_line_in_the_checklist() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(
        dir.path(),
        "ready.yml",
        "# checklist\ngates:\n  check-alembic-heads: {}\n  no-such-gate: {}\n",
    );
    let run = predeploy(&["--config", &config], &[]);
    assert_eq!(run.code, 2, "{}", run.stdout);
    assert!(run.stdout.contains(",line=4::"), "{}", run.stdout);

    write(dir.path(), ".env.example", "API_KEY=\n");
    let config = write(
        dir.path(),
        "ready.yml",
        "required-env:\n  - SET_ONE\n  - SENTRY_DSN\nrequired-env-from: .env.example\n",
    );
    let run = predeploy(&["--config", &config], &[("SET_ONE", "x")]);
    assert_eq!(run.code, 1, "{}", run.stdout);
    let line_of = |name: &str| {
        run.stdout
            .lines()
            .find(|l| l.contains(&format!("{name} is not set")))
            .and_then(|l| l.split(",line=").nth(1))
            .and_then(|rest| rest.split([',', ':']).next())
            .map(str::to_string)
    };
    assert_eq!(
        line_of("SENTRY_DSN").as_deref(),
        Some("3"),
        "{}",
        run.stdout
    );
    assert_eq!(line_of("API_KEY").as_deref(), Some("4"), "{}", run.stdout);
}

/// config-check as a gate of its own: its files are read beside ready.yml, and it blocks on its
/// findings like any gate.
#[test]
fn config_check_runs_as_a_gate_with_paths_beside_the_checklist() {
    let dir = tempfile::tempdir().unwrap();
    let deploy = dir.path().join("deploy");
    std::fs::create_dir(&deploy).unwrap();
    write(
        &deploy,
        "schema.yml",
        "variables:\n  WORKERS: {required: true, type: int, min: 1}\n",
    );
    write(&deploy, ".env.prod", "WORKERS=0\n");
    let config = write(
        &deploy,
        "ready.yml",
        "gates:\n  config-check:\n    schema: schema.yml\n    env-files: .env.prod\n",
    );
    let run = support::Step::new()
        .current_dir(dir.path())
        .args(["predeploy", "--config", &config])
        .run();
    assert_eq!(run.code, 1, "{}", run.stdout);
    assert!(
        run.stdout.contains("out-of-range") && run.stdout.contains("WORKERS ("),
        "{}",
        run.stdout
    );
    assert!(
        run.summary
            .contains("| config-check | ❌ blocked | 1 problem in the configuration |"),
        "{}",
        run.summary
    );
}
