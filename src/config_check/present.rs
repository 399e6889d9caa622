//! The report: verdict, headline, a table of the variables and where each was found, the
//! findings, and outputs. Values never appear; only where they came from.

use super::NAME;
use super::rules;
use super::sources::{Collected, Origin};
use crate::report::{Block, Finding, Inline, Report, Table, Verdict};

pub fn report(c: &Collected, findings: Vec<Finding>) -> Report {
    let env = c.environment.as_deref();
    let mut names: Vec<(String, bool)> = Vec::new();
    if let Some(s) = &c.schema {
        names.extend(
            s.variables
                .iter()
                .map(|v| (v.name.clone(), v.required(env))),
        );
    }
    for name in &c.required {
        if !names.iter().any(|(n, _)| n == name) {
            names.push((name.clone(), true));
        }
    }
    let missing: Vec<&str> = names
        .iter()
        .filter(|(n, required)| *required && !rules::present(c, n))
        .map(|(n, _)| n.as_str())
        .collect();
    let values = rules::valued(c).len();
    let mut table = Table::new(["Variable", "Required", "Found in", "Checked"]);
    for (name, required) in &names {
        let found = c.found.get(name).map(Vec::as_slice).unwrap_or_default();
        let places: Vec<String> = found.iter().map(|f| where_(&f.origin)).collect();
        let valued = found
            .iter()
            .filter(|f| f.value.as_deref().is_some_and(|v| !v.is_empty()))
            .count();
        let checked = match (valued, found.is_empty()) {
            (0, true) => "-".to_string(),
            (0, false) => "name only".to_string(),
            (n, _) => format!("{n} value(s)"),
        };
        table.row([
            name.clone(),
            if *required { "yes" } else { "no" }.to_string(),
            if places.is_empty() {
                "-".to_string()
            } else {
                places.join(", ")
            },
            checked,
        ]);
    }
    let scope = env.map(|e| format!(" for {e}")).unwrap_or_default();
    let (verdict, headline) = if findings.is_empty() {
        (
            Verdict::Passed,
            format!(
                "{} variable(s){scope}: all required present, {values} value(s) valid",
                names.len()
            ),
        )
    } else {
        let n = findings.len();
        (
            Verdict::Blocked,
            format!(
                "{n} problem{} in the configuration{scope}{}",
                if n == 1 { "" } else { "s" },
                if missing.is_empty() {
                    String::new()
                } else {
                    format!(" ({} required variable(s) missing)", missing.len())
                }
            ),
        )
    };
    let mut report = Report::new(NAME, verdict, headline);
    report.output("problems", findings.len().to_string());
    report.output("missing", missing.join(","));
    report.output("variables", names.len().to_string());
    report.output("checked", values.to_string());
    report.findings = findings;
    report.table = Some(table);
    report.summary.push(Block::paragraph([
        Inline::Text("Read: ".into()),
        Inline::Text(sources(c)),
        Inline::Text(". Values are never shown; each one read is masked in the log.".into()),
    ]));
    report
}

fn where_(origin: &Origin) -> String {
    match origin {
        Origin::File { file, line } => format!("{file}:{line}"),
        Origin::Step => "step env".into(),
        Origin::GitHub { secret: true, .. } => "GitHub secret".into(),
        Origin::GitHub { secret: false, .. } => "GitHub variable".into(),
    }
}

fn sources(c: &Collected) -> String {
    let mut read: Vec<String> = Vec::new();
    if let Some(s) = &c.schema {
        read.push(format!("the schema {}", s.file));
    }
    read.extend(c.env_files.iter().map(|f| f.file.clone()));
    read.push("the step's environment".into());
    if let Some(g) = &c.github {
        read.push(format!(
            "GitHub environment {} ({} secret and {} variable names)",
            g.environment,
            g.secrets.len(),
            g.variables.len()
        ));
    }
    for list in [&c.example, &c.compose].into_iter().flatten() {
        read.push(list.file.clone());
    }
    read.join(", ")
}
