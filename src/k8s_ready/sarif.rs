//! SARIF 2.1.0 for code scanning (`sarif` input): one run, the rules with their doc links, one
//! result per finding at its file, line and column. Kept small and on its own so that it can
//! give way to a shared SARIF writer. Text is redacted as every other output is.

use super::rules::Rule;
use crate::gha::secrets::redact;
use crate::report::{Report, Severity};
use serde_json::{Value, json};

pub fn document(report: &Report) -> Value {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|r| {
            json!({
                "id": r.id(),
                "name": r.id(),
                "shortDescription": {"text": r.title()},
                "helpUri": r.doc_link(),
                "defaultConfiguration": {"level": level(r.default_severity())},
            })
        })
        .collect();
    let results: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": redact(&f.message)},
            });
            if let Some(index) = Rule::ALL.iter().position(|r| r.id() == f.rule) {
                result["ruleIndex"] = json!(index);
            }
            if let Some(at) = &f.location {
                let mut region = json!({"startLine": at.line.unwrap_or(1)});
                if let Some(column) = at.column {
                    region["startColumn"] = json!(column);
                }
                result["locations"] = json!([{
                    "physicalLocation": {
                        "artifactLocation": {"uri": redact(&at.file)},
                        "region": region,
                    }
                }]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ready k8s-ready",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": format!("{}/blob/main/docs/k8s-ready.md", env!("CARGO_PKG_REPOSITORY")),
                "rules": rules,
            }},
            "results": results,
        }],
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "note",
    }
}
