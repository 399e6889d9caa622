//! Presentation: the run's rows as a `Report` (verdict, headline, the table, findings on the
//! spec's lines, latency and certificate blocks) and as JUnit. Pure but for writing the
//! JUnit file.

use super::exec::Outcome;
use super::spec::{self, Step};
use super::{NAME, Row, cert, check, junit};
use crate::report::{Failure, Finding, Location, Report, Table, Verdict};
use std::time::Duration;

/// What a step sends, as the spec writes it: `POST /drafts`, `WS /drafts/${draft}/room`.
pub(super) fn request_cell(step: &Step) -> String {
    let (method, path, url) = match &step.websocket {
        Some(ws) => ("WS".to_string(), &ws.path, &ws.url),
        None if step.cors.is_some() => ("OPTIONS".to_string(), &step.path, &step.url),
        None => (
            step.method.as_deref().unwrap_or("GET").to_uppercase(),
            &step.path,
            &step.url,
        ),
    };
    let target = match (path, url) {
        (Some(path), _) => path.clone(),
        // An absolute URL may carry credentials: never shown.
        (None, Some(url)) => reqwest::Url::parse(url)
            .map(|u| crate::http::redacted_url(&u))
            .unwrap_or_else(|_| url.clone()),
        (None, None) => String::new(),
    };
    format!("{method} {target}")
}

fn outcome_words(o: &Outcome) -> (&'static str, String) {
    match o {
        Outcome::Passed => ("passed", String::new()),
        Outcome::Failed(f) => ("failed", f.join("; ")),
        Outcome::Unreachable(u) => ("unreachable", u.clone()),
        Outcome::Skipped(s) => ("skipped", s.clone()),
    }
}

pub(super) fn build_report(
    spec_file: &str,
    spec_text: &str,
    included: &[(String, String)],
    rows: &[Row],
    total: Duration,
    report_path: String,
) -> Report {
    let count = |f: fn(&Outcome) -> bool| rows.iter().filter(|(_, r, _)| f(&r.outcome)).count();
    let passed = count(|o| *o == Outcome::Passed);
    let failed = count(|o| matches!(o, Outcome::Failed(_)));
    let errors = count(|o| matches!(o, Outcome::Unreachable(_)));
    let skipped = count(|o| matches!(o, Outcome::Skipped(_)));
    let verdict = if failed > 0 {
        Verdict::Blocked
    } else if errors > 0 {
        Verdict::Error
    } else {
        Verdict::Passed
    };
    let first_bad = rows
        .iter()
        .find(|(_, r, _)| matches!(r.outcome, Outcome::Failed(_)))
        .or_else(|| {
            rows.iter()
                .find(|(_, r, _)| matches!(r.outcome, Outcome::Unreachable(_)))
        });
    let headline = match (verdict, first_bad) {
        (Verdict::Passed, _) => format!("all {passed} checks passed in {}", check::human(total)),
        (_, Some((p, r, _))) => {
            let (_, detail) = outcome_words(&r.outcome);
            let mut h = format!(
                "{passed} of {} checks passed; {} {:?}: {}",
                rows.len(),
                if verdict == Verdict::Blocked {
                    "failed"
                } else {
                    "could not reach the service at"
                },
                p.name,
                crate::http::excerpt(detail.as_bytes(), 200, false)
            );
            if skipped > 0 {
                h.push_str(&format!(" ({skipped} skipped)"));
            }
            h
        }
        (_, None) => format!("{passed} of {} checks passed", rows.len()),
    };
    let mut report = Report::new(NAME, verdict, headline);
    let mut table = Table::new([
        "Step", "Request", "Result", "Status", "Time", "Attempts", "Detail",
    ]);
    for (p, r, is_wait) in rows {
        let (word, detail) = outcome_words(&r.outcome);
        let icon = match r.outcome {
            Outcome::Passed => "✅ passed",
            Outcome::Failed(_) => "❌ failed",
            Outcome::Unreachable(_) => "⛔ error",
            Outcome::Skipped(_) => "⏭️ skipped",
        };
        table.row([
            p.name.clone(),
            request_cell(&p.step),
            icon.to_string(),
            r.status.map(|s| s.to_string()).unwrap_or_default(),
            check::human(r.elapsed),
            r.attempts.to_string(),
            crate::http::excerpt(detail.as_bytes(), 160, false).replace("(empty)", ""),
        ]);
        let rule = match (&r.outcome, p.version.is_some(), *is_wait) {
            (Outcome::Passed | Outcome::Skipped(_), _, _) => continue,
            (_, _, true) => "not-ready",
            (Outcome::Unreachable(_), _, _) => "service-unreachable",
            (_, true, _) => "wrong-version",
            _ => "step-failed",
        };
        let mut finding = Finding::error(
            rule,
            format!("{} {word}", p.name),
            format!("step {:?}: {detail}", p.name),
        );
        let (file, text) = match p.source {
            Some(k) => (included[k].0.as_str(), included[k].1.as_str()),
            None => (spec_file, spec_text),
        };
        let line = match (&r.outcome, p.line, p.place) {
            (Outcome::Failed(f), Some(line), Some(place)) => Some(
                f.first()
                    .and_then(|first| failure_line(text, place, first))
                    .unwrap_or(line),
            ),
            (_, line, _) => line,
        };
        // A preset has no file to point at.
        finding.location = match line {
            _ if text.is_empty() => None,
            Some(line) => Some(Location::line(file, line)),
            None => Some(Location::file(file)),
        };
        report.findings.push(finding);
    }
    report.table = Some(table);
    report.summary.extend(measurements(rows));
    report.output("passed", passed.to_string());
    report.output("failed", (failed + errors).to_string());
    report.output("report", report_path);
    report
}

/// The latency distribution of each `repeat` step, and the certificates served, for the
/// summary.
fn measurements(rows: &[Row]) -> Vec<crate::report::Block> {
    use crate::report::{Block, Inline};
    let mut blocks = Vec::new();
    let latency: Vec<String> = rows
        .iter()
        .filter(|(_, r, _)| r.latencies.len() > 1)
        .map(|(p, r, _)| format!("{}: {}", p.name, distribution(&r.latencies)))
        .collect();
    if !latency.is_empty() {
        blocks.push(Block::paragraph([Inline::Strong("Latency".into())]));
        blocks.push(Block::List { items: latency });
    }
    let now = jiff::Timestamp::now();
    let certs: Vec<String> = rows
        .iter()
        .filter_map(|(p, r, _)| {
            let c = r.certificate.as_ref()?;
            Some(format!(
                "{}: expires {} ({} days left){}",
                p.name,
                cert::date(c.not_after),
                c.days_left(now),
                if c.valid_for_host {
                    ""
                } else {
                    ", not valid for the host"
                }
            ))
        })
        .collect();
    if !certs.is_empty() {
        blocks.push(Block::paragraph([Inline::Strong("Certificates".into())]));
        blocks.push(Block::List { items: certs });
    }
    blocks
}

/// `20 requests: min 2ms, p50 3ms, p95 8ms, p99 9ms, max 9ms`.
fn distribution(latencies: &[Duration]) -> String {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    let at = |p| check::human(check::percentile(&sorted, p));
    format!(
        "{} requests: min {}, p50 {}, p95 {}, p99 {}, max {}",
        sorted.len(),
        check::human(sorted[0]),
        at(50),
        at(95),
        at(99),
        check::human(sorted[sorted.len() - 1])
    )
}

/// The spec line of the expectation a failure message is about (the JSON assertion, the
/// header, `status`, `p95`, `schema`, …), found in the spanned tree under the step.
fn failure_line(text: &str, place: spec::Place, failure: &str) -> Option<u32> {
    // A burst's failure is about one of its requests: the same expectation.
    if let Some((_, rest)) = failure
        .strip_prefix("request ")
        .and_then(|r| r.split_once(": "))
    {
        return failure_line(text, place, rest);
    }
    if failure.starts_with('$') {
        let (path, rest) = failure.split_once(": ")?;
        return spec::json_assert_line(text, place, path, json_check_key(rest));
    }
    let in_expect = |key: &str| spec::key_line(text, Some(place), &["expect", key]);
    if let Some(rest) = failure.strip_prefix("header ") {
        let name = rest.split_once(':')?.0;
        return spec::key_line(text, Some(place), &["expect", "headers", name]);
    }
    if failure.starts_with("expected status") || failure.starts_with("expected a 2xx") {
        return in_expect("status");
    }
    if failure.starts_with("expected latency") {
        return in_expect("latency");
    }
    if let Some(p) = failure
        .strip_prefix("expected p")
        .and_then(|r| r.split_once(' '))
        .map(|(p, _)| format!("p{p}"))
    {
        return in_expect(&p);
    }
    if failure.starts_with("certificate:") {
        return in_expect("certificate");
    }
    if failure.starts_with("body:") {
        return in_expect("body");
    }
    let own = |key: &str| spec::key_line(text, Some(place), &[key]);
    if failure.starts_with("schema:") {
        return own("schema");
    }
    if failure.starts_with("cors:") {
        return own("cors");
    }
    if failure.starts_with("the 429 after") || failure.starts_with("expected a 429") {
        return own("rate-limit");
    }
    if failure.starts_with("websocket ") && failure.contains("close code") {
        return in_expect("close");
    }
    if failure.starts_with("websocket ") && failure.contains("no matching message") {
        return spec::key_line(text, Some(place), &["websocket", "within"]);
    }
    None
}

/// The key of the JSON assertion check a failure names (`expected equals …` → `equals`).
fn json_check_key(rest: &str) -> Option<&'static str> {
    [
        ("expected equals", "equals"),
        ("expected not equal", "not-equals"),
        ("expected type", "type"),
        ("expected contains", "contains"),
        ("expected matches", "matches"),
        ("expected <=", "le"),
        ("expected >=", "ge"),
        ("expected <", "lt"),
        ("expected >", "gt"),
        ("expected it to exist", "exists"),
        ("expected nothing", "exists"),
        ("expected ", "count"),
    ]
    .iter()
    .find(|(prefix, _)| rest.starts_with(prefix))
    .map(|(_, key)| *key)
}

pub(super) fn write_junit(path: &std::path::Path, file: &str, rows: &[Row]) -> Result<(), Failure> {
    let cases: Vec<junit::Case> = rows
        .iter()
        .map(|(p, r, _)| {
            let outcome = match &r.outcome {
                Outcome::Passed => junit::CaseOutcome::Passed,
                Outcome::Failed(f) => junit::CaseOutcome::Failed {
                    message: f.first().cloned().unwrap_or_default(),
                    detail: f.join("\n"),
                },
                Outcome::Unreachable(u) => junit::CaseOutcome::Error {
                    message: u.clone(),
                    detail: u.clone(),
                },
                Outcome::Skipped(s) => junit::CaseOutcome::Skipped { message: s.clone() },
            };
            junit::Case {
                name: p.name.clone(),
                classname: format!("smoke.{file}"),
                seconds: r.elapsed.as_secs_f64(),
                outcome,
            }
        })
        .collect();
    let xml = junit::render(&format!("smoke {file}"), &iso_timestamp(), &cases);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(path, xml).map_err(|e| {
        Failure::undecided(format!(
            "cannot write the JUnit report {}: {e}",
            path.display()
        ))
    })
}

/// `2026-11-21T22:00:10` in UTC from the system clock (JUnit's timestamp has no zone).
fn iso_timestamp() -> String {
    jiff::Timestamp::now()
        .strftime("%Y-%m-%dT%H:%M:%S")
        .to_string()
}
