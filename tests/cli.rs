//! The binary's front door: version, help, usage errors and the `result` output.

use assert_cmd::Command;

fn ready() -> Command {
    let mut cmd = Command::cargo_bin("ready").unwrap();
    cmd.env_clear();
    cmd
}

#[test]
fn version_names_the_release_and_commit() {
    let out = ready().arg("--version").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let expected = format!("ready {} (", env!("CARGO_PKG_VERSION"));
    assert!(text.starts_with(&expected), "{text}");
    assert!(text.trim_end().ends_with(')'), "{text}");
}

#[test]
fn help_lists_exit_codes() {
    let out = ready().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("0 passed, 1 blocked, 2 invalid use, 3 could not decide"),
        "{text}"
    );
}

#[test]
fn usage_errors_exit_2_and_set_result_invalid() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output");
    let out = ready()
        .arg("no-such-action")
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let written = std::fs::read_to_string(&output).unwrap();
    let mut lines = written.lines();
    let head = lines.next().unwrap();
    assert!(head.starts_with("result<<ghadelimiter_"), "{written}");
    assert_eq!(lines.next(), Some("invalid"));
}

#[test]
fn an_empty_format_input_means_the_default() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ready.yml");
    // The smallest checklist that passes (an empty one is invalid).
    std::fs::write(&config, "required-env: [READY_CLI_CHECK]\n").unwrap();
    let out = ready()
        .args(["predeploy", "--config"])
        .arg(&config)
        .env("READY_CLI_CHECK", "1")
        .env("INPUT_FORMAT", "")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bad = ready()
        .args(["--format", "yaml", "predeploy"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("expected one of auto, text, github, json")
    );
}
