//! SARIF 2.1.0, the format code scanning reads (`github/codeql-action/upload-sarif`): findings
//! then show in the Security tab and on the pull request's diff, as zizmor's and squawk's do.
//! Any rule-based action uses it: its rule table gives the rules, its report the results.
//!
//! ```ignore
//! let rules: Vec<sarif::Rule> = Rule::ALL.iter().map(|r| sarif::Rule { .. }).collect();
//! sarif::write_file(Path::new("ready.sarif"), "check-alembic-heads", &rules, &report.findings)?;
//! ```

use crate::gha::secrets::redact;
use crate::report::{Finding, Severity};
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Value, json};

/// One rule as code scanning lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// The kebab-case id findings carry (`multiple-heads`).
    pub id: String,
    /// One line: the rule's title.
    pub title: String,
    /// What the rule finds and how to fix it (markdown).
    pub help: String,
    /// Where the rule is documented.
    pub help_uri: Option<String>,
}

/// What a relative URI reference must encode (RFC 3986): a path keeps its `/`.
const URI_PATH: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Notice => "note",
    }
}

/// The SARIF log of one run of `tool` (an action's name): its rules and one result per finding,
/// redacted. Findings of rules not in `rules` (such as `invalid-input`) carry their id only.
pub fn log(tool: &str, rules: &[Rule], findings: &[Finding]) -> Value {
    let rule_objects: Vec<Value> = rules
        .iter()
        .map(|r| {
            let mut rule = json!({
                "id": r.id,
                "name": r.id,
                "shortDescription": {"text": r.title},
                "fullDescription": {"text": r.help},
                "help": {"text": r.help, "markdown": r.help},
            });
            if let Some(uri) = &r.help_uri {
                rule["helpUri"] = json!(uri);
            }
            rule
        })
        .collect();
    let results: Vec<Value> = findings
        .iter()
        .map(|f| {
            let mut result = json!({
                "ruleId": f.rule,
                "level": level(f.severity),
                "message": {"text": redact(&format!("{}: {}", f.title, f.message))},
            });
            if let Some(index) = rules.iter().position(|r| r.id == f.rule) {
                result["ruleIndex"] = json!(index);
            }
            if let Some(at) = &f.location {
                let uri =
                    utf8_percent_encode(&redact(&at.file).replace('\\', "/"), URI_PATH).to_string();
                let mut location = json!({
                    "physicalLocation": {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    }
                });
                if let Some(line) = at.line.filter(|l| *l > 0) {
                    let mut region = json!({"startLine": line});
                    if let Some(end) = at.end_line.filter(|e| *e >= line) {
                        region["endLine"] = json!(end);
                    }
                    if let Some(col) = at.column.filter(|c| *c > 0) {
                        region["startColumn"] = json!(col);
                    }
                    if let Some(end) = at.end_column.filter(|c| *c > 0) {
                        region["endColumn"] = json!(end);
                    }
                    location["physicalLocation"]["region"] = region;
                }
                result["locations"] = json!([location]);
            }
            result
        })
        .collect();
    json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "ready-actions",
                "fullName": format!("ready-actions {tool}"),
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": env!("CARGO_PKG_REPOSITORY"),
                "rules": rule_objects,
            }},
            // Code scanning tells the tools of one repository apart by this category.
            "automationDetails": {"id": format!("ready-actions/{tool}/")},
            "results": results,
        }],
    })
}

/// Writes the log to `path` (the action's `sarif` input); a path that cannot be written is
/// invalid input.
pub fn write_file(
    path: &std::path::Path,
    tool: &str,
    rules: &[Rule],
    findings: &[Finding],
) -> Result<(), crate::report::Failure> {
    let text =
        serde_json::to_string_pretty(&log(tool, rules, findings)).expect("a JSON value serialises");
    std::fs::write(path, text + "\n").map_err(|e| {
        crate::report::Failure::invalid(format!("sarif: cannot write {}: {e}", path.display()))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::Location;

    #[test]
    fn results_point_at_their_rule_file_and_line() {
        let rules = [Rule {
            id: "multiple-heads".into(),
            title: "Multiple heads".into(),
            help: "Merge them.".into(),
            help_uri: Some("https://example.com/#multiple-heads".into()),
        }];
        let findings = [
            Finding::error("multiple-heads", "Multiple heads", "2 heads")
                .at(Location::line("my versions/a.py", 3)),
            Finding::warning("invalid-input", "Invalid input", "no config"),
        ];
        let log = log("check-alembic-heads", &rules, &findings);
        let results = &log["runs"][0]["results"];
        assert_eq!(results[0]["ruleIndex"], 0);
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            "my%20versions/a.py"
        );
        assert_eq!(
            results[0]["locations"][0]["physicalLocation"]["region"]["startLine"],
            3
        );
        assert_eq!(results[1]["level"], "warning");
        assert!(results[1].get("ruleIndex").is_none() && results[1].get("locations").is_none());
    }
}
