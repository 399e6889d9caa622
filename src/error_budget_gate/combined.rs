//! Several SLOs in one decision (availability and latency together): each SLO is decided and
//! presented on its own, then the reports are merged. The deploy is blocked when any SLO blocks;
//! the headline and every finding name their SLO.

use super::NAME;
use crate::report::{Report, Table, Verdict};
use crate::slo::Slo;

fn output<'a>(report: &'a Report, name: &str) -> &'a str {
    report
        .outputs
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// `{"<slo>": {"result": …, "budget-remaining": …, "error-ratio": …}}`, numbers or null.
pub fn slos_output(slos: &[Slo], reports: &[Report]) -> String {
    let number = |text: &str| {
        text.parse::<f64>()
            .ok()
            .map_or(serde_json::Value::Null, serde_json::Value::from)
    };
    let map: serde_json::Map<String, serde_json::Value> = slos
        .iter()
        .zip(reports)
        .map(|(slo, r)| {
            (
                slo.name.clone(),
                serde_json::json!({
                    "result": r.verdict.as_str(),
                    "budget-remaining": number(output(r, "budget-remaining")),
                    "error-ratio": number(output(r, "error-ratio")),
                }),
            )
        })
        .collect();
    serde_json::Value::Object(map).to_string()
}

pub fn report(slos: &[Slo], reports: Vec<Report>) -> Report {
    let any = |v: Verdict| reports.iter().any(|r| r.verdict == v);
    let verdict = if any(Verdict::Blocked) {
        Verdict::Blocked
    } else if any(Verdict::Error) {
        Verdict::Error
    } else {
        Verdict::Passed
    };
    let deciding = reports.iter().filter(|r| r.verdict == verdict).count();
    let each: Vec<String> = slos
        .iter()
        .zip(&reports)
        .map(|(slo, r)| format!("{} — {}", slo.name, r.headline))
        .collect();
    let headline = match verdict {
        Verdict::Passed => format!("{} SLOs healthy: {}", reports.len(), each.join("; ")),
        Verdict::Blocked => format!(
            "blocked by {deciding} of {} SLOs: {}",
            reports.len(),
            each.join("; ")
        ),
        _ => format!(
            "could not decide for {deciding} of {} SLOs: {}",
            reports.len(),
            each.join("; ")
        ),
    };
    let mut merged = Report::new(NAME, verdict, headline);
    // The outputs of one value are the worst SLO's: the least budget left (no data is worst).
    let left = |r: &Report| {
        output(r, "budget-remaining")
            .parse::<f64>()
            .unwrap_or(f64::NEG_INFINITY)
    };
    let worst = reports
        .iter()
        .min_by(|a, b| left(a).total_cmp(&left(b)))
        .expect("several reports");
    for name in ["budget-remaining", "error-ratio", "burn-rates"] {
        merged.output(name, output(worst, name));
    }
    merged.output("frozen", output(&reports[0], "frozen"));
    let mut table: Option<Table> = None;
    for (slo, r) in slos.iter().zip(&reports) {
        for mut f in r.findings.iter().cloned() {
            f.message = format!("{}: {}", slo.name, f.message);
            merged.findings.push(f);
        }
        if let Some(t) = &r.table {
            let merged_table = table.get_or_insert_with(|| {
                Table::new(std::iter::once("SLO".to_string()).chain(t.headers.iter().cloned()))
            });
            for row in &t.rows {
                merged_table.row(std::iter::once(slo.name.clone()).chain(row.iter().cloned()));
            }
        }
        merged.summary.extend(r.summary.iter().cloned());
    }
    merged.table = table;
    merged
}
