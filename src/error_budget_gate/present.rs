//! Presenting: the decision as a report — headline, outputs, the windows table and the
//! summary's SLO line, budget bar and chart.

use super::budget;
use super::collect::Measured;
use super::decision::{Decision, pct, rate_cell};
use super::slo::Slo;
use super::{NAME, chart, duration, freeze};
use crate::report::{Block, Inline, Report, Table};
use jiff::Timestamp;

pub fn report(
    d: &Decision,
    slo: &Slo,
    window: u64,
    at: Timestamp,
    measured: &Measured,
    active: Option<&freeze::Active>,
    burn_rate: bool,
) -> Report {
    let budget = slo.budget();
    let win = duration::format(window);
    let observed = |w: u64| measured.at(w);
    let main = observed(window);
    let (ratio, remaining) = (d.ratio, d.remaining);
    let left_text = remaining.map(pct).unwrap_or_else(|| "unknown".into());
    let headline = match (d.blocked, d.overridden.as_deref()) {
        _ if d.undecided => format!(
            "could not decide: the server answered with {} warning(s), so the answer may be partial (accept-warnings: on trusts it)",
            measured.warnings.len()
        ),
        (false, _) => match ratio {
            Some(r) => format!(
                "error budget healthy: {left_text} left (error ratio {} over {win}, objective {}%)",
                pct(r),
                slo.objective
            ),
            None => format!("no data over {win}; passing because on-no-data is pass"),
        },
        (true, None) => format!("blocked: {}", d.reasons.join("; ")),
        (true, Some(why)) => format!("overridden ({why}): {}", d.reasons.join("; ")),
    };
    let mut report = Report::new(NAME, d.verdict, headline);
    report.findings = d.findings.clone();
    let num = |v: f64, d| budget::trim_float(v, d);
    report.output(
        "budget-remaining",
        remaining.map(|v| num(v, 6)).unwrap_or_default(),
    );
    report.output("error-ratio", ratio.map(|v| num(v, 8)).unwrap_or_default());
    // Burn rates per window in the order the table lists them, SLO window first.
    let mut rates: Vec<(String, Option<f64>)> = Vec::new();
    let mut table = Table::new([
        "Window",
        "Rule",
        "Error ratio",
        "Burn rate",
        "Limit",
        "Status",
    ]);
    rates.push((win.clone(), ratio.map(|r| budget::burn_rate(r, budget))));
    table.row([
        win.clone(),
        "SLO window".into(),
        ratio.map(pct).unwrap_or_else(|| "no data".into()),
        rate_cell(ratio.map(|r| budget::burn_rate(r, budget))),
        "1".into(),
        match remaining {
            None => main.describe_missing().to_string(),
            Some(l) if l <= 0.0 => "budget spent".into(),
            Some(_) => "ok".into(),
        },
    ]);
    for r in &d.results {
        for (w, rate, role) in [
            (r.pair.long, r.long_rate, "long"),
            (r.pair.short, r.short_rate, "short"),
        ] {
            let name = duration::format(w);
            if !rates.iter().any(|(n, _)| *n == name) {
                rates.push((name.clone(), rate));
            }
            let exceeds = rate.is_some_and(|x| x > r.pair.factor + budget::EPSILON);
            table.row([
                name,
                format!(
                    "page {}% in {}: {role}",
                    budget::trim_float(r.pair.budget_share * 100.0, 2),
                    duration::format(r.pair.long)
                ),
                observed(w)
                    .ratio()
                    .map(pct)
                    .unwrap_or_else(|| observed(w).describe_missing().into()),
                rate_cell(rate),
                budget::trim_float(r.pair.factor, 2),
                if r.firing {
                    "firing".into()
                } else if exceeds {
                    "above (not confirmed)".into()
                } else {
                    "ok".into()
                },
            ]);
        }
    }
    let rates_json: Vec<String> = rates
        .iter()
        .map(|(w, rate)| {
            let value = rate
                .map(|r| budget::trim_float(r, 6))
                .unwrap_or_else(|| "null".into());
            format!("{}:{value}", serde_json::Value::String(w.clone()))
        })
        .collect();
    report.output("burn-rates", format!("{{{}}}", rates_json.join(",")));
    report.output(
        "frozen",
        active
            .as_ref()
            .map(|a| a.reason.clone())
            .unwrap_or_default(),
    );
    report.table = Some(table);

    let mut about = format!(
        " · objective {}% over {win} · evaluated at {} · ",
        slo.objective,
        at.strftime("%Y-%m-%dT%H:%M:%SZ")
    );
    about.push_str(&match measured.round_trips {
        0 => "source: metrics file".to_string(),
        n => format!("source: Prometheus, {n} queries"),
    });
    if !burn_rate {
        about.push_str(" · burn-rate rule off");
    }
    report.summary.push(Block::paragraph([
        Inline::Strong("SLO".into()),
        Inline::Text(" ".into()),
        Inline::Code(slo.name.clone()),
        Inline::Text(about),
    ]));
    if let Some(left) = remaining {
        let mut bar = vec![
            Inline::Strong("Error budget".into()),
            Inline::Text(" ".into()),
        ];
        bar.extend(chart::budget_bar(left));
        report.summary.push(Block::paragraph(bar));
    }
    // The burn-rate windows against the thresholds their rules fire at.
    let windows: Vec<(String, Option<f64>, f64)> = d
        .results
        .iter()
        .flat_map(|r| {
            [
                (r.pair.long, r.long_rate, "long"),
                (r.pair.short, r.short_rate, "short"),
            ]
            .map(|(w, rate, role)| {
                (
                    format!("{} ({role})", duration::format(w)),
                    rate,
                    r.pair.factor,
                )
            })
        })
        .collect();
    if !windows.is_empty() {
        let (burn, no_data) = chart::burn_windows(&windows);
        report.summary.push(Block::Chart(burn));
        if !no_data.is_empty() {
            report
                .summary
                .push(Block::paragraph([Inline::Emphasis(format!(
                    "No data (drawn as 0): {}.",
                    no_data.join(", ")
                ))]));
        }
    }
    let no_chart =
        |why: String| Block::paragraph([Inline::Emphasis(format!("No error-ratio chart: {why}"))]);
    match &measured.chart {
        Some(Ok(points)) if !points.is_empty() => {
            report.summary.push(Block::Chart(chart::error_ratio(
                &format!(
                    "Error ratio (%) over {win}, per {}, against the budget line",
                    duration::format((window / 30).max(60))
                ),
                points,
                slo.objective,
            )))
        }
        Some(Ok(_)) => report
            .summary
            .push(no_chart("the range query returned no points.".into())),
        Some(Err(e)) => report.summary.push(no_chart(e.clone())),
        None => {}
    }
    report
}
