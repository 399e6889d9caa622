//! The JSON report (`json-report`): every check with its request, result, timing, the
//! assertions that failed, the latency distribution and the certificate. Redacted as a whole
//! before it is written: every secret form registered (JSON-escaped ones too) is replaced.

use super::Row;
use super::exec::Outcome;
use crate::report::{Failure, Report};
use serde_json::{Value, json};
use std::time::Duration;

pub fn render(file: &str, report: &Report, rows: &[Row], total: Duration) -> String {
    let ms = |d: Duration| (d.as_secs_f64() * 1000.0 * 1000.0).round() / 1000.0;
    let now = jiff::Timestamp::now();
    let steps: Vec<Value> = rows
        .iter()
        .map(|(p, r, is_wait)| {
            let (result, failures, reason) = match &r.outcome {
                Outcome::Passed => ("passed", Vec::new(), None),
                Outcome::Failed(f) => ("failed", f.clone(), None),
                Outcome::Unreachable(u) => ("error", Vec::new(), Some(u.clone())),
                Outcome::Skipped(s) => ("skipped", Vec::new(), Some(s.clone())),
            };
            let mut step = json!({
                "name": p.name,
                "kind": if *is_wait { "wait" } else if p.version.is_some() { "version" } else { "step" },
                "request": super::present::request_cell(&p.step),
                "line": p.line,
                "result": result,
                "status": r.status,
                "attempts": r.attempts,
                "ms": ms(r.elapsed),
                "failures": failures,
            });
            if let Some(reason) = reason {
                step["reason"] = json!(reason);
            }
            if let Some(v) = &r.http_version {
                step["http_version"] = json!(v);
            }
            if r.latencies.len() > 1 {
                let mut sorted = r.latencies.clone();
                sorted.sort();
                let at = |p| ms(super::check::percentile(&sorted, p));
                step["latency"] = json!({
                    "requests": sorted.len(),
                    "min_ms": ms(sorted[0]),
                    "p50_ms": at(50),
                    "p95_ms": at(95),
                    "p99_ms": at(99),
                    "max_ms": ms(sorted[sorted.len() - 1]),
                });
            }
            if let Some(c) = &r.certificate {
                step["certificate"] = json!({
                    "not_after": c.not_after.to_string(),
                    "days_left": c.days_left(now),
                    "valid_for_host": c.valid_for_host,
                });
            }
            step
        })
        .collect();
    let doc = json!({
        "action": "smoke",
        "spec": file,
        "result": report.verdict.as_str(),
        "headline": report.headline,
        "ms": ms(total),
        "checks": steps,
    });
    let text = serde_json::to_string_pretty(&doc).unwrap_or_default();
    crate::gha::secrets::redact(&text) + "\n"
}

pub fn write(path: &std::path::Path, json: &str) -> Result<(), Failure> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(path, json).map_err(|e| {
        Failure::undecided(format!(
            "cannot write the JSON report {}: {e}",
            path.display()
        ))
    })
}
