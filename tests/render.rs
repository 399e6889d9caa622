//! What a user sees from a report: the log (annotations), the outputs file, the job summary and
//! the terminal text, with secrets masked before anything else and redacted everywhere.

use ready_actions::gha::secrets;
use ready_actions::render::{Format, Sinks, emit};
use ready_actions::report::{Finding, Location, Report, Table, Verdict};

fn sample(secret: &str) -> Report {
    let mut report = Report::new(
        "demo",
        Verdict::Blocked,
        format!("2 problems in migrations, token {secret}"),
    );
    report.findings.push(
        Finding::error(
            "multiple-heads",
            "Multiple heads",
            "2 heads: a1, b2\nbranch point: 000",
        )
        .at(Location {
            file: "migrations/versions/a1,x.py".into(),
            line: Some(3),
            end_line: Some(4),
            column: Some(1),
            end_column: Some(12),
        }),
    );
    report.findings.push(Finding::warning(
        "no-downgrade",
        "No downgrade",
        "100% sure: downgrade() only passes",
    ));
    let mut table = Table::new(["name", "state"]);
    table.row(["lint | fmt", "success"]);
    table.row(["leak", secret]);
    report.table = Some(table);
    report.output("heads", "a1 b2");
    report.output("note", "line one\nline two");
    report
}

/// Renders the sample; each test passes its own secret, since masks are registered once per process.
fn run(format: Format, secret: &str) -> (String, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let sinks = Sinks {
        in_actions: true,
        output_file: Some(dir.path().join("out")),
        summary_file: Some(dir.path().join("summary")),
        colour: false,
    };
    let mut log = Vec::new();
    secrets::register_to(secret, &mut log, true);
    emit(&sample(secret), format, &sinks, &mut log).unwrap();
    let read = |n: &str| std::fs::read_to_string(dir.path().join(n)).unwrap();
    (
        String::from_utf8(log).unwrap(),
        read("out"),
        read("summary"),
    )
}

#[test]
fn the_secret_is_masked_first_and_never_printed_again() {
    let (log, outputs, summary) = run(Format::Github, "hunter2-mask-first");
    assert!(log.starts_with("::add-mask::hunter2-mask-first\n"), "{log}");
    assert_eq!(log.matches("hunter2-mask-first").count(), 1, "{log}");
    assert!(!summary.contains("hunter2"), "{summary}");
    assert!(!outputs.contains("hunter2"));
}

#[test]
fn github_log_has_escaped_annotations() {
    let (log, _, _) = run(Format::Github, "hunter2-log");
    insta::assert_snapshot!("github_log", log);
}

#[test]
fn outputs_carry_result_and_multiline_values() {
    let (_, outputs, _) = run(Format::Github, "hunter2-outputs");
    let lines: Vec<&str> = outputs.lines().collect();
    assert!(lines[0].starts_with("result<<ghadelimiter_"));
    assert_eq!(lines[1], "blocked");
    let delim = lines[0].split_once("<<").unwrap().1;
    assert_eq!(lines[2], delim);
    assert!(outputs.contains(&format!("note<<{delim}\nline one\nline two\n{delim}\n")));
}

#[test]
fn summary_is_verdict_first_then_table_then_findings() {
    let (_, _, summary) = run(Format::Github, "hunter2-summary");
    insta::assert_snapshot!("summary", summary);
}

#[test]
fn text_for_a_terminal() {
    let (log, _, _) = run(Format::Text, "hunter2-text");
    insta::assert_snapshot!("text", log);
}

#[test]
fn json_has_outputs_and_exit_code() {
    let (log, _, _) = run(Format::Json, "hunter2-json");
    let json = log.split_once('\n').unwrap().1;
    let doc: serde_json::Value = serde_json::from_str(json).unwrap();
    assert_eq!(doc["verdict"], "blocked");
    assert_eq!(doc["exit_code"], 1);
    assert_eq!(doc["outputs"]["result"], "blocked");
    assert_eq!(doc["outputs"]["heads"], "a1 b2");
    assert_eq!(doc["findings"][0]["rule"], "multiple-heads");
    assert_eq!(doc["findings"][0]["location"]["line"], 3);
    assert!(!json.contains("hunter2"));
}

#[test]
fn terminal_text_cuts_a_cell_too_long_to_show() {
    let mut report = Report::new("demo", Verdict::Passed, "one long check name");
    let mut table = Table::new(["name", "state"]);
    table.row(["c".repeat(70_000), "success".to_string()]);
    report.table = Some(table);
    let mut out = Vec::new();
    emit(&report, Format::Text, &Sinks::default(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let row = text.lines().find(|l| l.contains("success")).unwrap();
    assert!(row.len() < 200, "{row}");
    assert!(row.contains("c…  success"), "{row}");
}
