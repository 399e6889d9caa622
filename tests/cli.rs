//! The binary's front door: version, help, usage errors and the `result` output.

mod support;

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
    let run = support::Step::new().arg("no-such-action").run();
    assert_eq!(run.code, 2);
    let written = &run.output_file;
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

/// `ready predeploy` with an empty checklist, as an Actions step; returns the command and the
/// output file's path.
fn passing_step(dir: &std::path::Path) -> (std::process::Command, std::path::PathBuf) {
    let config = dir.join("ready.yml");
    std::fs::write(&config, "required-env: []\n").unwrap();
    let output = dir.join("output");
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("ready"));
    cmd.env_clear()
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_OUTPUT", &output)
        .args(["predeploy", "--config"])
        .arg(&config);
    (cmd, output)
}

fn result_in(output: &std::path::Path) -> Vec<(String, String)> {
    ready_actions::gha::read_outputs(&std::fs::read_to_string(output).unwrap()).unwrap()
}

#[test]
fn closed_stdout_and_stderr_end_with_result_error_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let (mut cmd, output) = passing_step(dir.path());
    // Pipes whose reading ends are closed: every write fails (EPIPE).
    let (out_reader, out_writer) = std::io::pipe().unwrap();
    let (err_reader, err_writer) = std::io::pipe().unwrap();
    drop((out_reader, err_reader));
    let status = cmd
        .stdin(std::process::Stdio::null())
        .stdout(out_writer)
        .stderr(err_writer)
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(3));
    // The log could not be written: the step says so rather than pass unseen.
    assert_eq!(
        result_in(&output).last(),
        Some(&("result".to_string(), "error".to_string()))
    );
}

#[test]
fn a_panic_ends_with_result_error_and_exit_3() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("ready.yml");
    std::fs::write(&config, "required-env: []\n").unwrap();
    let run = support::Step::new()
        .args(["predeploy", "--config"])
        .arg(&config)
        .env("READY_TEST_PANIC", "1")
        .run();
    assert_eq!(run.code, 3);
    assert_eq!(
        ready_actions::gha::read_outputs(&run.output_file).unwrap(),
        vec![("result".to_string(), "error".to_string())]
    );
    let stderr = &run.stderr;
    assert!(
        stderr.contains("internal error at src/main.rs:"),
        "{stderr}"
    );
    // The panic's own message is not printed: it could hold a secret.
    assert!(!stderr.contains("READY_TEST_PANIC is set"), "{stderr}");
}

/// Outside Actions the text is coloured only for a terminal: `CLICOLOR_FORCE` forces colour
/// (a pipe here), `NO_COLOR` wins over it, and a pipe without either gets plain text.
#[test]
fn colour_only_when_wanted_no_color_and_clicolor_force_honoured() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ready.yml"),
        "required-env: [READY_ABSENT_VAR]\n",
    )
    .unwrap();
    let text = |env: &[(&str, &str)]| {
        let out = ready()
            .current_dir(dir.path())
            .args(["predeploy", "--config", "ready.yml"])
            .envs(env.iter().copied())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8(out.stdout).unwrap()
    };
    let forced = text(&[("CLICOLOR_FORCE", "1")]);
    assert!(forced.contains("\u{1b}[1m\u{1b}[31mBLOCKED"), "{forced:?}");
    let plain = text(&[]);
    assert!(!plain.contains('\u{1b}'), "{plain:?}");
    assert_eq!(text(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), plain);
    // The same words either way, under column headers.
    assert_eq!(anstream::adapter::strip_str(&forced).to_string(), plain);
    insta::assert_snapshot!("plain_text_report", plain);
}
