//! What the job summary draws: the budget left as a bar, and the error ratio over the SLO window
//! against the budget line as a line chart (`render/` draws it as a Mermaid `xychart-beta`).

use super::budget::trim_float;
use crate::report::{Chart, Inline};

/// `[████████░░░░░░░░░░░░] 40% of the budget left`; overspent budgets show an empty bar.
pub fn budget_bar(remaining: f64) -> Vec<Inline> {
    const CELLS: usize = 20;
    let filled = ((remaining.clamp(0.0, 1.0) * CELLS as f64).round() as usize).min(CELLS);
    let bar = format!("{}{}", "█".repeat(filled), "░".repeat(CELLS - filled));
    let pct = trim_float(remaining * 100.0, 1);
    let caption = if remaining < 0.0 {
        format!(" {pct}% of the budget left (overspent)")
    } else {
        format!(" {pct}% of the budget left")
    };
    vec![Inline::Code(bar), Inline::Text(caption)]
}

/// The error ratio per step (percent) and the budget line at 100 − objective.
/// `points` are (unix seconds, ratio); NaN (no traffic in that step) is drawn as 0.
pub fn error_ratio(title: &str, points: &[(i64, f64)], objective: f64) -> Chart {
    let budget_pct = 100.0 - objective;
    let x_labels = points
        .iter()
        .map(|(t, _)| {
            jiff::Timestamp::from_second(*t)
                .map(|ts| ts.strftime("%m-%d %H:%M").to_string())
                .unwrap_or_default()
        })
        .collect();
    let values: Vec<f64> = points
        .iter()
        .map(|(_, r)| if r.is_finite() { r * 100.0 } else { 0.0 })
        .collect();
    let y_max = values.iter().copied().fold(budget_pct, f64::max) * 1.2;
    let budget_line = vec![budget_pct; values.len()];
    Chart {
        title: title.to_string(),
        x_labels,
        y_label: "error ratio (%)".into(),
        y_max,
        lines: vec![values, budget_line],
        bars: Vec::new(),
    }
}

/// Each burn-rate window's rate (bars) against the threshold its rule fires at (line), in the
/// order the windows table lists them; `windows` are (label, rate, threshold). A window
/// without data is drawn as 0 and named in the second value.
pub fn burn_windows(windows: &[(String, Option<f64>, f64)]) -> (Chart, Vec<String>) {
    let rates: Vec<f64> = windows
        .iter()
        .map(|(_, r, _)| r.filter(|r| r.is_finite()).unwrap_or(0.0))
        .collect();
    let thresholds: Vec<f64> = windows.iter().map(|(_, _, t)| *t).collect();
    let y_max = rates.iter().chain(&thresholds).copied().fold(1.0, f64::max) * 1.2;
    let no_data = windows
        .iter()
        .filter(|(_, r, _)| !r.is_some_and(f64::is_finite))
        .map(|(w, _, _)| w.clone())
        .collect();
    let chart = Chart {
        title: "Burn rate per window (bars) against its threshold (line)".into(),
        x_labels: windows.iter().map(|(w, _, _)| w.clone()).collect(),
        y_label: "burn rate (× budget)".into(),
        y_max,
        lines: vec![thresholds],
        bars: vec![rates],
    };
    (chart, no_data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::block_markdown;
    use crate::report::Block;

    fn bar(remaining: f64) -> String {
        block_markdown(&Block::paragraph(budget_bar(remaining)))
    }

    #[test]
    fn bars() {
        assert_eq!(bar(0.8), "`████████████████░░░░` 80% of the budget left");
        assert_eq!(bar(0.0), "`░░░░░░░░░░░░░░░░░░░░` 0% of the budget left");
        assert_eq!(
            bar(-1.0),
            "`░░░░░░░░░░░░░░░░░░░░` -100% of the budget left (overspent)"
        );
    }

    #[test]
    fn burn_windows_are_bars_under_their_thresholds() {
        let (chart, no_data) = burn_windows(&[
            ("1h (long)".into(), Some(20.0), 14.4),
            ("5m (short)".into(), None, 14.4),
        ]);
        assert_eq!(no_data, ["5m (short)"]);
        assert_eq!(
            block_markdown(&Block::Chart(chart)),
            "```mermaid\nxychart-beta\n    title \"Burn rate per window (bars) against its threshold (line)\"\n    x-axis [\"1h (long)\", \"5m (short)\"]\n    y-axis \"burn rate (× budget)\" 0 --> 24\n    bar [20, 0]\n    line [14.4, 14.4]\n```\n"
        );
    }

    #[test]
    fn chart_has_the_ratio_and_the_budget_line() {
        let md = block_markdown(&Block::Chart(error_ratio(
            "Error ratio over 7d",
            &[(0, 0.001), (3_600, f64::NAN)],
            99.5,
        )));
        assert_eq!(
            md,
            "```mermaid\nxychart-beta\n    title \"Error ratio over 7d\"\n    x-axis [\"01-01 00:00\", \"01-01 01:00\"]\n    y-axis \"error ratio (%)\" 0 --> 0.6\n    line [0.1, 0]\n    line [0.5, 0.5]\n```\n"
        );
    }
}
