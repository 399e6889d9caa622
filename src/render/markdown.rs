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

pub fn table(table: &Table) -> String {
    let mut md = String::new();
    md.push_str(&row(&table.headers));
    md.push('|');
    for _ in &table.headers {
        md.push_str(" --- |");
    }
    md.push('\n');
    for cells in &table.rows {
        md.push_str(&row(cells));
    }
    md
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
    fn renders_header_separator_and_rows() {
        let mut t = Table::new(["name", "state"]);
        t.row(["lint", "success"]);
        assert_eq!(
            table(&t),
            "| name | state |\n| --- | --- |\n| lint | success |\n"
        );
    }
}
