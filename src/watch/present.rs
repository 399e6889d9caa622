//! Presenting: the watch's verdict and why, the `measurements` and `verdict-at` outputs, a table
//! of every measurement, and one chart per metric (the new version, the baseline and the
//! absolute threshold over the watch).

use super::decide::{Status, show};
use super::engine::{Measured, Watched};
use super::spec::Rule;
use super::{NAME, Setup};
use crate::error_budget_gate::budget::trim_float;
use crate::report::{Block, Chart, Failure, Finding, Inline, Report, Table, Verdict};
use jiff::Timestamp;

fn rfc3339(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// `+4m30s` after the start, as the table and the headline say when.
fn offset(setup: &Setup, at: Timestamp) -> String {
    let secs = at.duration_since(setup.plan.start).as_secs().max(0) as u64;
    format!("+{}", crate::prometheus::duration::format(secs))
}

fn cell(value: Option<f64>, ratio: bool) -> String {
    value.map(|v| show(v, ratio)).unwrap_or_else(|| "–".into())
}

fn measurements_json(watched: &Watched) -> String {
    let reading = |r: &super::engine::Reading| {
        serde_json::json!({
            "values": r.values,
            "requests": r.requests,
        })
    };
    let list: Vec<serde_json::Value> = watched
        .measured
        .iter()
        .map(|m| {
            serde_json::json!({
                "at": rfc3339(m.sample.at),
                "status": m.judgement.status.as_str(),
                "new": reading(&m.sample.new),
                "baseline": m.sample.baseline.as_ref().map(reading),
                "reasons": m.judgement.reasons,
            })
        })
        .collect();
    serde_json::Value::Array(list).to_string()
}

pub fn report(setup: &Setup, watched: &Watched, ratio: impl Fn(&str) -> bool) -> Report {
    let plan = &setup.plan;
    let policy = &setup.policy;
    let (version, baseline) = &setup.versions;
    let failures: Vec<&Measured> = watched
        .measured
        .iter()
        .filter(|m| m.judgement.status == Status::Failed)
        .collect();
    let last_at = watched
        .stopped
        .as_ref()
        .map(|(at, _)| *at)
        .or_else(|| watched.measured.last().map(|m| m.sample.at))
        .unwrap_or(plan.start);
    let samples: Vec<_> = watched.measured.iter().map(|m| &m.sample).collect();
    let judged: Vec<_> = watched.measured.iter().map(|m| &m.judgement).collect();

    let mut findings = Vec::new();
    let (verdict, headline) = if let Some((at, failure)) = &watched.stopped {
        let verdict = match failure {
            Failure::Invalid { .. } => Verdict::Invalid,
            Failure::Undecided(_) => Verdict::Error,
        };
        findings.push(Finding::error(
            "could-not-measure",
            "Could not measure",
            failure.to_string(),
        ));
        (
            verdict,
            format!(
                "could not decide: the measurement at {} failed after {} measurement(s): {failure}",
                offset(setup, *at),
                watched.measured.len()
            ),
        )
    } else if failures.len() >= policy.failure_limit as usize {
        let last = failures.last().expect("the limit is at least 1");
        (
            Verdict::Blocked,
            format!(
                "blocked: {} failed measurements by {} of {} (failure-limit {}); last: {}",
                failures.len(),
                offset(setup, last.sample.at),
                offset(setup, plan.at(plan.count)),
                policy.failure_limit,
                last.judgement.reasons.join("; ")
            ),
        )
    } else if let Some(why) = policy.unsettled(&samples, &judged) {
        (Verdict::Error, format!("could not decide: {why}"))
    } else {
        (
            Verdict::Passed,
            format!(
                "passed: {} measurements of {version} over {}, {} failed (failure-limit {})",
                watched.measured.len(),
                offset(setup, last_at),
                failures.len(),
                policy.failure_limit
            ),
        )
    };
    let severity_of_failures = if verdict == Verdict::Blocked {
        crate::report::Severity::Error
    } else {
        crate::report::Severity::Warning
    };
    for m in &failures {
        findings.push(Finding::new(
            severity_of_failures,
            "failed-measurement",
            "Failed measurement",
            format!(
                "{} ({}): {}",
                offset(setup, m.sample.at),
                rfc3339(m.sample.at),
                m.judgement.reasons.join("; ")
            ),
        ));
    }

    let mut report = Report::new(NAME, verdict, headline);
    report.findings = findings;
    report.output("measurements", measurements_json(watched));
    report.output("verdict-at", rfc3339(last_at));

    let metrics = &setup.ask.metrics;
    let mut headers = vec!["Time".to_string(), "Status".to_string()];
    for m in metrics {
        headers.push(format!("{} ({version})", m.name));
        if let Some(b) = baseline {
            headers.push(format!("{} ({b})", m.name));
        }
    }
    headers.push("Requests".into());
    headers.push("Why".into());
    let mut table = Table::new(headers);
    for m in &watched.measured {
        let s = &m.sample;
        let mut row = vec![offset(setup, s.at), m.judgement.status.as_str().to_string()];
        for metric in metrics {
            let r = ratio(&metric.name);
            row.push(cell(s.new.values.get(&metric.name).copied(), r));
            if baseline.is_some() {
                let b = s.baseline.as_ref().and_then(|b| b.values.get(&metric.name));
                row.push(cell(b.copied(), r));
            }
        }
        let count = |r: Option<f64>| r.map(|n| trim_float(n, 0)).unwrap_or_else(|| "–".into());
        row.push(match &s.baseline {
            Some(b) => format!("{} / {}", count(s.new.requests), count(b.requests)),
            None => count(s.new.requests),
        });
        row.push(m.judgement.reasons.join("; "));
        table.row(row);
    }
    report.table = Some(table);

    let queries: u32 = watched.measured.iter().map(|m| m.sample.queries).sum();
    let slowest = watched
        .measured
        .iter()
        .map(|m| m.took)
        .max()
        .unwrap_or_default();
    let mut about = format!(
        " vs {} · started {} · every {} for {} · window {} · min-requests {} · on-no-data {} · {} queries ({} per measurement, the slowest took {} ms)",
        baseline.as_deref().unwrap_or("no baseline"),
        rfc3339(plan.start),
        crate::prometheus::duration::format(plan.interval.as_secs()),
        crate::prometheus::duration::format(plan.interval.as_secs() * u64::from(plan.count)),
        crate::prometheus::duration::format(setup.ask.window),
        trim_float(policy.min_requests, 0),
        policy.on_no_data.as_str(),
        queries,
        if watched.measured.is_empty() {
            0
        } else {
            queries / watched.measured.len() as u32
        },
        slowest.as_millis()
    );
    about.push_str(&format!(
        " · thresholds: {}",
        policy
            .thresholds
            .iter()
            .map(|t| t.text.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    ));
    report.summary.push(Block::paragraph([
        Inline::Strong("Watched".into()),
        Inline::Text(" ".into()),
        Inline::Code(version.clone()),
        Inline::Text(about),
    ]));
    for metric in metrics {
        if let Some(chart) = chart(setup, watched, &metric.name, ratio(&metric.name)) {
            report.summary.push(Block::Chart(chart));
        }
    }
    if !watched.measured.is_empty() {
        report.summary.push(Block::paragraph([Inline::Emphasis(format!(
            "Lines: {version}, then {}the absolute threshold where there is one; a measurement without data is drawn at 0.",
            baseline.as_ref().map(|b| format!("{b}, ")).unwrap_or_default()
        ))]));
    }
    report
}

/// One metric over the watch: the new version, the baseline, the absolute threshold.
fn chart(setup: &Setup, watched: &Watched, metric: &str, ratio: bool) -> Option<Chart> {
    if watched.measured.is_empty() {
        return None;
    }
    let scale = if ratio { 100.0 } else { 1.0 };
    let drawn = |v: Option<&f64>| v.filter(|v| v.is_finite()).map_or(0.0, |v| v * scale);
    let new: Vec<f64> = watched
        .measured
        .iter()
        .map(|m| drawn(m.sample.new.values.get(metric)))
        .collect();
    let mut lines = vec![new];
    if setup.versions.1.is_some() {
        lines.push(
            watched
                .measured
                .iter()
                .map(|m| {
                    drawn(
                        m.sample
                            .baseline
                            .as_ref()
                            .and_then(|b| b.values.get(metric)),
                    )
                })
                .collect(),
        );
    }
    let limit = setup.policy.thresholds.iter().find_map(|t| match t.rule {
        Rule::AtMost(l) if t.metric == metric => Some(l * scale),
        _ => None,
    });
    if let Some(l) = limit {
        lines.push(vec![l; watched.measured.len()]);
    }
    let top = lines.iter().flatten().copied().fold(0.0, f64::max);
    Some(Chart {
        title: format!("{metric}{} over the watch", if ratio { " (%)" } else { "" }),
        x_labels: watched
            .measured
            .iter()
            .map(|m| offset(setup, m.sample.at))
            .collect(),
        y_label: if ratio {
            format!("{metric} (%)")
        } else {
            metric.to_string()
        },
        y_max: if top > 0.0 { top * 1.2 } else { 1.0 },
        lines,
        bars: Vec::new(),
    })
}
