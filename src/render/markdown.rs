//! Markdown for the job summary. Cell text comes from users' files and services, so it is escaped:
//! it must not break the table or inject HTML into the summary.

use crate::report::{Block, Chart, Inline, Table};

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

/// Text inside HTML (a `<summary>`), where markdown's backslash escapes do not apply.
fn escape_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' | '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// A run of backticks one longer than the longest in `text` (at least `min`): a fence the text
/// cannot close.
fn fence(text: &str, min: usize) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    "`".repeat((longest + 1).max(min))
}

fn inline(part: &Inline) -> String {
    match part {
        Inline::Text(t) => escape_cell(t),
        Inline::Strong(t) => format!("**{}**", escape_cell(t)),
        Inline::Emphasis(t) => format!("_{}_", escape_cell(t)),
        Inline::Code(t) => {
            let t = t.replace(['\n', '\r'], " ");
            let f = fence(&t, 1);
            // A code span that starts or ends with a backtick needs a space inside its fence.
            if t.starts_with('`') || t.ends_with('`') {
                format!("{f} {t} {f}")
            } else {
                format!("{f}{t}{f}")
            }
        }
    }
}

/// One summary section, without the blank line that follows it.
pub fn block(block: &Block) -> String {
    match block {
        Block::Paragraph { text } => text.iter().map(inline).collect(),
        Block::List { items } => items
            .iter()
            .map(|i| format!("- {}", escape_cell(i)))
            .collect::<Vec<_>>()
            .join("\n"),
        Block::Details { summary, text } => {
            let f = fence(text, 3);
            format!(
                "<details><summary>{}</summary>\n\n{f}\n{text}\n{f}\n\n</details>",
                escape_html(summary)
            )
        }
        Block::Chart(chart) => mermaid(chart),
    }
}

/// A Mermaid `xychart-beta`, which GitHub renders in summaries. Quotes would end a label.
fn mermaid(chart: &Chart) -> String {
    let quoted = |t: &str| format!("\"{}\"", t.replace(['"', '\n', '\r'], "'"));
    let num = |v: f64| {
        let s = format!("{v:.4}");
        if s.contains('.') {
            s.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            s
        }
    };
    let mut md = format!(
        "```mermaid\nxychart-beta\n    title {}\n    x-axis [{}]\n    y-axis {} 0 --> {}\n",
        quoted(&chart.title),
        chart
            .x_labels
            .iter()
            .map(|l| quoted(l))
            .collect::<Vec<_>>()
            .join(", "),
        quoted(&chart.y_label),
        num(chart.y_max)
    );
    for line in &chart.lines {
        let values: Vec<String> = line.iter().map(|v| num(*v)).collect();
        md.push_str(&format!("    line [{}]\n", values.join(", ")));
    }
    md.push_str("```\n");
    md
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
    fn outside_text_cannot_leave_its_block() {
        let code = block(&Block::paragraph([
            Inline::Strong("a|b".into()),
            Inline::Text(" <img> ".into()),
            Inline::Code("x`y".into()),
        ]));
        assert_eq!(code, "**a\\|b** &lt;img&gt; ``x`y``");
        let details = block(&Block::Details {
            summary: "<b>".into(),
            text: "```\n</details>".into(),
        });
        assert_eq!(
            details,
            "<details><summary>&lt;b&gt;</summary>\n\n````\n```\n</details>\n````\n\n</details>"
        );
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
