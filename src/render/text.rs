//! The terminal renderer: what a person running `ready` locally reads.

use crate::report::{Report, Severity, Table, Verdict};
use anstyle::{AnsiColor, Style};
use std::io::Write;

/// Writes the report; styles are stripped unless `colour` (a terminal that wants colour).
pub fn write(report: &Report, colour: bool, out: &mut dyn Write) -> std::io::Result<()> {
    let mut styled = Vec::new();
    write_styled(report, &mut styled)?;
    let styled = String::from_utf8_lossy(&styled);
    if colour {
        out.write_all(styled.as_bytes())
    } else {
        write!(out, "{}", anstream::adapter::strip_str(&styled))
    }
}

fn write_styled(report: &Report, mut out: &mut dyn Write) -> std::io::Result<()> {
    let (mark, colour) = match report.verdict {
        Verdict::Passed => ("PASSED", AnsiColor::Green),
        Verdict::Blocked => ("BLOCKED", AnsiColor::Red),
        Verdict::Invalid => ("INVALID", AnsiColor::Yellow),
        Verdict::Error => ("ERROR", AnsiColor::Magenta),
    };
    let verdict = Style::new().bold().fg_color(Some(colour.into()));
    writeln!(
        out,
        "{verdict}{mark}{verdict:#} {}: {}",
        report.action, report.headline
    )?;
    for finding in &report.findings {
        let (label, colour) = match finding.severity {
            Severity::Error => ("error", AnsiColor::Red),
            Severity::Warning => ("warning", AnsiColor::Yellow),
            Severity::Notice => ("notice", AnsiColor::Cyan),
        };
        let style = Style::new().bold().fg_color(Some(colour.into()));
        let location = finding
            .location
            .as_ref()
            .map(|l| match (l.line, l.column) {
                (Some(line), Some(col)) => format!("{}:{line}:{col}: ", l.file),
                (Some(line), None) => format!("{}:{line}: ", l.file),
                _ => format!("{}: ", l.file),
            })
            .unwrap_or_default();
        let mut message = finding.message.replace('\n', "\n    ");
        if let Some(url) = &finding.url {
            message.push_str(&format!(": {url}"));
        }
        writeln!(
            out,
            "  {location}{style}{label}[{}]{style:#} {message}",
            finding.rule
        )?;
    }
    if let Some(table) = &report.table {
        writeln!(out)?;
        write_table(table, &mut out)?;
    }
    let dim = Style::new().dimmed();
    writeln!(out, "{dim}  outputs:{dim:#}")?;
    for (name, value) in report.all_outputs() {
        let value = value.replace('\n', "\n      ");
        writeln!(out, "{dim}  {name} = {value}{dim:#}")?;
    }
    Ok(())
}

/// The widest a table cell is shown. Values can be any length (a check name, a step path); a
/// column as wide as the longest would make the table unreadable (and `format!` cannot pad past
/// 65,535 characters), so longer ones are cut here, for display only.
pub const MAX_CELL_CHARS: usize = 100;

/// A cell as shown: on one line, at most `MAX_CELL_CHARS` characters, `…` where it was cut.
fn shown_cell(cell: &str) -> String {
    let flat = cell.replace(['\n', '\r'], " ");
    if flat.chars().count() <= MAX_CELL_CHARS {
        return flat;
    }
    let mut cut: String = flat.chars().take(MAX_CELL_CHARS - 1).collect();
    cut.push('…');
    cut
}

fn write_table(table: &Table, out: &mut dyn Write) -> std::io::Result<()> {
    let shown = |row: &[String]| -> Vec<String> { row.iter().map(|c| shown_cell(c)).collect() };
    let headers = shown(&table.headers);
    let rows: Vec<Vec<String>> = table.rows.iter().map(|r| shown(r)).collect();
    let width = |i: usize| {
        std::iter::once(&headers)
            .chain(&rows)
            .filter_map(|r| r.get(i))
            .map(|c| c.chars().count())
            .max()
            .unwrap_or(0)
    };
    let widths: Vec<usize> = (0..table.headers.len()).map(width).collect();
    let line = |cells: &[String]| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    // The headers, and a rule under each: they read as headers without colour too.
    let bold = Style::new().bold();
    writeln!(out, "  {bold}{}{bold:#}", line(&headers))?;
    let rules: Vec<String> = widths.iter().map(|w| "-".repeat((*w).max(1))).collect();
    writeln!(out, "  {}", line(&rules))?;
    for row in &rows {
        writeln!(out, "  {}", line(row))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_cells_are_cut_for_display() {
        let mut table = Table::new(["name", "state"]);
        table.row(["x".repeat(70_000), "success".to_string()]);
        let mut out = Vec::new();
        write_table(&table, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let row = text.lines().nth(2).unwrap();
        assert_eq!(
            row,
            format!("  {}…  success", "x".repeat(MAX_CELL_CHARS - 1))
        );
    }
}
