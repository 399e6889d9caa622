//! `ready predeploy`: the checklist, item by item, and required variables named but never shown.

mod support;

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
    for text in [&run.stdout, &run.summary, &run.output_file] {
        assert!(
            !text.contains("pw-VALUE-123"),
            "a value was printed:\n{text}"
        );
    }
    assert!(
        run.stdout.contains("::error title=required-env-missing"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("SENTRY_DSN is not set or is empty"));
    assert!(run.stdout.contains("API_KEY is not set or is empty"));
    assert!(!run.stdout.contains("DATABASE_URL is not set"));
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
            ("DATABASE_URL", "postgres://db/drafts"),
            ("SESSION_SECRET", "s3ssion-VALUE"),
        ],
    );
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(!run.stdout.contains("s3ssion-VALUE") && !run.summary.contains("s3ssion-VALUE"));
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
