//! Markdown for the job summary. Cell text comes from users' files and services, so it is escaped:
//! it must not break the table or inject HTML into the summary.

use crate::report::{Block, Chart, Diagram, Edge, Event, Inline, Link, Mark, Node, Picture, Table};

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

/// A markdown link, where the target is an http(s) URL; anything else is shown as text, so a
/// value from outside cannot become a `javascript:` link. The text cannot close the brackets,
/// and the URL is percent-encoded where markdown would end it.
pub fn link(link: &Link) -> String {
    let text = escape_cell(&link.text)
        .replace('[', "\\[")
        .replace(']', "\\]");
    let url = link.url.trim();
    let web = url.starts_with("https://") || url.starts_with("http://");
    if !web || url.chars().any(char::is_control) {
        return format!("{text} ({})", escape_cell(url));
    }
    let mut target = String::with_capacity(url.len());
    for c in url.chars() {
        match c {
            ' ' | '(' | ')' | '<' | '>' | '"' | '\'' | '|' | '[' | ']' | '`' | '\\' => {
                target.push_str(&format!("%{:02X}", c as u32))
            }
            c => target.push(c),
        }
    }
    format!("[{text}]({target})")
}

fn inline(part: &Inline) -> String {
    match part {
        Inline::Link(l) => link(l),
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
        Block::Mermaid(diagram) => picture(diagram),
    }
}

/// Text inside a Mermaid label or timeline line. Mermaid reads `#name;` as an entity, so every
/// character that could end the label, start a comment or leave the code fence is one.
fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '#' => out.push_str("#35;"),
            ':' => out.push_str("#58;"),
            ';' => out.push_str("#59;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            '%' => out.push_str("#37;"),
            '\n' | '\r' | '\t' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A diagram's title: one line in which Mermaid reads no entity, comment or quote (a title is
/// not decoded as labels are, so those characters are dropped).
fn mermaid_title(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .filter(|c| !matches!(c, '"' | '#' | ';' | '`' | '<' | '>' | '%'))
        .collect()
}

/// A Mermaid flowchart or timeline in a fence, and under it what it leaves out.
fn picture(diagram: &Diagram) -> String {
    let max = Diagram::MAX_NODES;
    let mut md = String::from("```mermaid\n");
    let cut = match &diagram.picture {
        Picture::Flowchart { nodes, edges } => {
            md.push_str(&format!(
                "---\ntitle: \"{}\"\n---\nflowchart TD\n",
                mermaid_title(&diagram.title)
            ));
            flowchart(&mut md, &nodes[..nodes.len().min(max)], edges);
            nodes.len().saturating_sub(max)
        }
        Picture::Timeline { events } => {
            md.push_str(&format!(
                "timeline\n    title {}\n",
                mermaid_title(&diagram.title)
            ));
            // The newest are the ones that matter: the oldest are cut.
            let cut = events.len().saturating_sub(max);
            for Event { time, lines } in &events[cut..] {
                md.push_str(&format!("    {}", mermaid_text(time)));
                for line in lines {
                    md.push_str(&format!(" : {}", mermaid_text(line)));
                }
                md.push('\n');
            }
            cut
        }
    };
    md.push_str("```\n");
    let mut notes: Vec<String> = diagram.left_out.iter().cloned().collect();
    if cut > 0 {
        notes.push(format!("{cut} more not drawn (at most {max})."));
    }
    if !notes.is_empty() {
        md.push_str(&format!("\n_{}_\n", escape_cell(&notes.join(" "))));
    }
    md
}

fn flowchart(md: &mut String, nodes: &[Node], edges: &[Edge]) {
    for (i, node) in nodes.iter().enumerate() {
        let label = mermaid_text(&node.label);
        let shape = match node.mark {
            Mark::Fork => format!("{{{{\"{label}\"}}}}"),
            Mark::Elided => format!("[/\"{label}\"/]"),
            Mark::Focus => format!("([\"{label}\"])"),
            _ => format!("[\"{label}\"]"),
        };
        md.push_str(&format!("    n{i}{shape}\n"));
    }
    for edge in edges
        .iter()
        .filter(|e| e.from < nodes.len() && e.to < nodes.len())
    {
        match &edge.label {
            Some(label) => md.push_str(&format!(
                "    n{} -->|\"{}\"| n{}\n",
                edge.from,
                mermaid_text(label),
                edge.to
            )),
            None => md.push_str(&format!("    n{} --> n{}\n", edge.from, edge.to)),
        }
    }
    for (mark, name, style) in [
        (Mark::Focus, "focus", "fill:#dafbe1,stroke:#1a7f37"),
        (Mark::Fork, "fork", "fill:#ddf4ff,stroke:#0969da"),
        (Mark::Problem, "problem", "fill:#ffebe9,stroke:#cf222e"),
        (
            Mark::Elided,
            "elided",
            "fill:#f6f8fa,stroke:#8c959f,stroke-dasharray:4",
        ),
    ] {
        let ids: Vec<String> = (0..nodes.len())
            .filter(|&i| nodes[i].mark == mark)
            .map(|i| format!("n{i}"))
            .collect();
        if !ids.is_empty() {
            md.push_str(&format!(
                "    classDef {name} {style}\n    class {} {name}\n",
                ids.join(",")
            ));
        }
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
    for bar in &chart.bars {
        let values: Vec<String> = bar.iter().map(|v| num(*v)).collect();
        md.push_str(&format!("    bar [{}]\n", values.join(", ")));
    }
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
        let line = linked_row(table, cells);
        if md.len() + line.len() > budget {
            return (md, table.rows.len() - shown);
        }
        md.push_str(&line);
    }
    (md, 0)
}

/// A row whose link columns show their URL as a link named by the column's header.
fn linked_row(table: &Table, cells: &[String]) -> String {
    if table.link_columns.is_empty() {
        return row(cells);
    }
    let mut line = String::from("|");
    for (i, cell) in cells.iter().enumerate() {
        line.push(' ');
        if table.link_columns.contains(&i) && !cell.trim().is_empty() {
            let name = table
                .headers
                .get(i)
                .cloned()
                .unwrap_or_else(|| "link".into());
            line.push_str(&link(&Link {
                text: name,
                url: cell.clone(),
            }));
        } else {
            line.push_str(&escape_cell(cell));
        }
        line.push_str(" |");
    }
    line.push('\n');
    line
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

    #[test]
    fn links_are_markdown_links_and_only_to_the_web() {
        assert_eq!(
            block(&Block::paragraph([Inline::link(
                "run [1]",
                "https://github.com/o/r/actions/runs/1?a=(b) c"
            )])),
            "[run \\[1\\]](https://github.com/o/r/actions/runs/1?a=%28b%29%20c)"
        );
        assert_eq!(
            block(&Block::paragraph([Inline::link(
                "x",
                "javascript:alert(1)"
            )])),
            "x (javascript:alert(1))"
        );
        let mut t = Table::new(["check", "details"]).links_in(1);
        t.row(["lint", "https://example.com/1"]);
        t.row(["test", ""]);
        assert_eq!(
            table_within(&t, usize::MAX).0,
            "| check | details |\n| --- | --- |\n| lint | [details](https://example.com/1) |\n| test |  |\n"
        );
    }

    #[test]
    fn outside_text_cannot_leave_a_mermaid_label_or_its_fence() {
        let diagram = Diagram {
            title: "t".into(),
            picture: Picture::Flowchart {
                nodes: vec![
                    Node {
                        label: "a\"]; click n0 \"javascript:x\"".into(),
                        mark: Mark::Focus,
                    },
                    Node {
                        label: "```\n<b>".into(),
                        mark: Mark::Plain,
                    },
                ],
                edges: vec![Edge {
                    from: 0,
                    to: 1,
                    label: Some("|x|".into()),
                }],
            },
            left_out: Some("3 more".into()),
        };
        let md = block(&Block::Mermaid(diagram));
        assert_eq!(
            md,
            "```mermaid\n---\ntitle: \"t\"\n---\nflowchart TD\n    n0([\"a#quot;]#59; click n0 #quot;javascript#58;x#quot;\"])\n    n1[\"#96;#96;#96; #lt;b#gt;\"]\n    n0 -->|\"|x|\"| n1\n    classDef focus fill:#dafbe1,stroke:#1a7f37\n    class n0 focus\n```\n\n_3 more_\n"
        );
    }

    #[test]
    fn a_long_timeline_keeps_its_newest_events_and_counts_the_rest() {
        let events = (0..45)
            .map(|i| Event {
                time: format!("12:{i:02}"),
                lines: vec![format!("move {i}")],
            })
            .collect();
        let md = block(&Block::Mermaid(Diagram {
            title: "prod".into(),
            picture: Picture::Timeline { events },
            left_out: None,
        }));
        assert!(md.starts_with("```mermaid\ntimeline\n    title prod\n    12#58;05 : move 5\n"));
        assert!(md.ends_with("    12#58;44 : move 44\n```\n\n_5 more not drawn (at most 40)._\n"));
    }
}
