//! A copy of a report with every registered secret replaced by `***`.

use crate::gha::secrets::redact as r;
use crate::report::{Finding, Location, Report, Table};

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
        }),
        summary_extra: report.summary_extra.iter().map(|s| r(s)).collect(),
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
    }
}
