//! A copy of a report with every registered secret replaced by `***`.

use crate::gha::secrets::redact as r;
use crate::report::{
    Block, Chart, Diagram, Edge, Event, Finding, Inline, Link, Location, Node, Picture, Report,
    Table,
};

pub fn report(report: &Report) -> Report {
    Report {
        action: report.action.clone(),
        verdict: report.verdict,
        headline: r(&report.headline),
        findings: report.findings.iter().map(finding).collect(),
        outputs: report
            .outputs
            .iter()
            .map(|(k, v)| (k.clone(), r(v)))
            .collect(),
        table: report.table.as_ref().map(|t| Table {
            headers: t.headers.iter().map(|h| r(h)).collect(),
            rows: t
                .rows
                .iter()
                .map(|row| row.iter().map(|c| r(c)).collect())
                .collect(),
            link_columns: t.link_columns.clone(),
        }),
        summary: report.summary.iter().map(block).collect(),
    }
}

fn block(b: &Block) -> Block {
    match b {
        Block::Paragraph { text } => Block::Paragraph {
            text: text
                .iter()
                .map(|part| match part {
                    Inline::Text(t) => Inline::Text(r(t)),
                    Inline::Code(t) => Inline::Code(r(t)),
                    Inline::Strong(t) => Inline::Strong(r(t)),
                    Inline::Emphasis(t) => Inline::Emphasis(r(t)),
                    Inline::Link(l) => Inline::Link(Link {
                        text: r(&l.text),
                        url: r(&l.url),
                    }),
                })
                .collect(),
        },
        Block::List { items } => Block::List {
            items: items.iter().map(|i| r(i)).collect(),
        },
        Block::Details { summary, text } => Block::Details {
            summary: r(summary),
            text: r(text),
        },
        Block::Chart(chart) => Block::Chart(Chart {
            title: r(&chart.title),
            x_labels: chart.x_labels.iter().map(|l| r(l)).collect(),
            y_label: r(&chart.y_label),
            ..chart.clone()
        }),
        Block::Mermaid(d) => Block::Mermaid(Diagram {
            title: r(&d.title),
            picture: match &d.picture {
                Picture::Flowchart { nodes, edges } => Picture::Flowchart {
                    nodes: nodes
                        .iter()
                        .map(|n| Node {
                            label: r(&n.label),
                            mark: n.mark,
                        })
                        .collect(),
                    edges: edges
                        .iter()
                        .map(|e| Edge {
                            label: e.label.as_deref().map(r),
                            ..e.clone()
                        })
                        .collect(),
                },
                Picture::Timeline { events } => Picture::Timeline {
                    events: events
                        .iter()
                        .map(|e| Event {
                            time: r(&e.time),
                            lines: e.lines.iter().map(|l| r(l)).collect(),
                        })
                        .collect(),
                },
            },
            left_out: d.left_out.as_deref().map(r),
        }),
    }
}

fn finding(f: &Finding) -> Finding {
    Finding {
        severity: f.severity,
        rule: f.rule.clone(),
        title: r(&f.title),
        message: r(&f.message),
        location: f.location.as_ref().map(|l| Location {
            file: r(&l.file),
            ..l.clone()
        }),
        url: f.url.as_deref().map(r),
    }
}
