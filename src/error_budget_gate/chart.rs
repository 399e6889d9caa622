//! What the job summary draws: the budget left as a bar, and the error ratio over the SLO window
//! against the budget line as a Mermaid `xychart-beta`, which GitHub renders in summaries.

use super::budget::trim_float;

/// `[████████░░░░░░░░░░░░] 40% of the budget left`; overspent budgets show an empty bar.
pub fn budget_bar(remaining: f64) -> String {
    const CELLS: usize = 20;
    let filled = ((remaining.clamp(0.0, 1.0) * CELLS as f64).round() as usize).min(CELLS);
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(CELLS - filled));
    let pct = trim_float(remaining * 100.0, 1);
    if remaining < 0.0 {
        format!("`{bar}` {pct}% of the budget left (overspent)")
    } else {
        format!("`{bar}` {pct}% of the budget left")
    }
}

/// A Mermaid line chart: the error ratio per step (percent) and the budget line at 100 − objective.
/// `points` are (unix seconds, ratio); NaN (no traffic in that step) is drawn as 0.
pub fn mermaid(title: &str, points: &[(i64, f64)], objective: f64) -> String {
    let budget_pct = 100.0 - objective;
    let labels: Vec<String> = points
        .iter()
        .map(|(t, _)| {
            jiff::Timestamp::from_second(*t)
                .map(|ts| ts.strftime("%m-%d %H:%M").to_string())
                .unwrap_or_default()
        })
        .map(|l| format!("\"{l}\""))
        .collect();
    let values: Vec<f64> = points
        .iter()
        .map(|(_, r)| if r.is_finite() { r * 100.0 } else { 0.0 })
        .collect();
    let top = values.iter().copied().fold(budget_pct, f64::max) * 1.2;
    let fmt = |v: f64| trim_float(v, 4);
    let line = |vs: &[f64]| vs.iter().map(|v| fmt(*v)).collect::<Vec<_>>().join(", ");
    let budget_line = vec![budget_pct; values.len()];
    format!(
        "```mermaid\nxychart-beta\n    title \"{}\"\n    x-axis [{}]\n    y-axis \"error ratio (%)\" 0 --> {}\n    line [{}]\n    line [{}]\n```\n",
        title.replace('"', "'"),
        labels.join(", "),
        fmt(top),
        line(&values),
        line(&budget_line),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars() {
        assert_eq!(
            budget_bar(0.8),
            "`████████████████░░░░` 80% of the budget left"
        );
        assert_eq!(
            budget_bar(0.0),
            "`░░░░░░░░░░░░░░░░░░░░` 0% of the budget left"
        );
        assert_eq!(
            budget_bar(-1.0),
            "`░░░░░░░░░░░░░░░░░░░░` -100% of the budget left (overspent)"
        );
    }

    #[test]
    fn chart_has_the_ratio_and_the_budget_line() {
        let md = mermaid(
            "Error ratio over 7d",
            &[(0, 0.001), (3_600, f64::NAN)],
            99.5,
        );
        assert_eq!(
            md,
            "```mermaid\nxychart-beta\n    title \"Error ratio over 7d\"\n    x-axis [\"01-01 00:00\", \"01-01 01:00\"]\n    y-axis \"error ratio (%)\" 0 --> 0.6\n    line [0.1, 0]\n    line [0.5, 0.5]\n```\n"
        );
    }
}
