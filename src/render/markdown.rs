//! Markdown for the job summary. Cell text comes from users' files and services, so it is escaped:
//! it must not break the table or inject HTML into the summary.

use crate::report::Table;

pub fn escape_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' => out.push_str("\\|"),
            '\n' => out.push_str("<br>"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// The table with as many of its rows as fit in `budget` bytes, and how many were left out.
/// The header always comes, so that a cut table still says what it is.
pub fn table_within(table: &Table, budget: usize) -> (String, usize) {
    let mut md = String::new();
    md.push_str(&row(&table.headers));
    md.push('|');
    for _ in &table.headers {
        md.push_str(" --- |");
    }
    md.push('\n');
    for (shown, cells) in table.rows.iter().enumerate() {
        let line = row(cells);
        if md.len() + line.len() > budget {
            return (md, table.rows.len() - shown);
        }
        md.push_str(&line);
    }
    (md, 0)
}

fn row(cells: &[String]) -> String {
    let mut line = String::from("|");
    for cell in cells {
        line.push(' ');
        line.push_str(&escape_cell(cell));
        line.push_str(" |");
    }
    line.push('\n');
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cannot_break_the_table_or_inject_html() {
        assert_eq!(
            escape_cell("a|b\n<script>&"),
            "a\\|b<br>&lt;script&gt;&amp;"
        );
    }

    #[test]
    fn a_table_keeps_to_its_budget_and_counts_what_it_left_out() {
        let mut t = Table::new(["name"]);
        for i in 0..10 {
            t.row([format!("check {i}")]);
        }
        let (md, cut) = table_within(&t, 60);
        assert!(md.len() <= 60, "{md}");
        assert_eq!(md.lines().count() - 2 + cut, 10);
        assert!(cut > 0);
    }

    #[test]
    fn renders_header_separator_and_rows() {
        let mut t = Table::new(["name", "state"]);
        t.row(["lint", "success"]);
        assert_eq!(
            table_within(&t, usize::MAX).0,
            "| name | state |\n| --- | --- |\n| lint | success |\n"
        );
    }
}
