//! `--format json`: the report as one JSON document, outputs as an object with `result`.

use crate::report::Report;
use std::io::Write;

pub fn write(report: &Report, out: &mut dyn Write) -> std::io::Result<()> {
    let outputs: serde_json::Map<String, serde_json::Value> = report
        .all_outputs()
        .into_iter()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    let mut doc = serde_json::to_value(report).map_err(std::io::Error::other)?;
    doc["outputs"] = serde_json::Value::Object(outputs);
    doc["exit_code"] = report.verdict.exit_code().into();
    let json = serde_json::to_string_pretty(&doc).map_err(std::io::Error::other)?;
    writeln!(out, "{}", unreadable_as_command(&json))
}

/// The runner reads workflow commands from stdout even when it is JSON. Pretty JSON has no line
/// that starts with `::`, but a string may hold the legacy `##[command]` form, which the runner
/// finds anywhere in a line: its `#` is written as `\u0023`, the same JSON string. `##[` can
/// only occur inside strings, so the document stays valid and means the same.
fn unreadable_as_command(json: &str) -> String {
    json.replace("##[", "#\\u0023[")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_commands_in_strings_are_escaped_and_mean_the_same() {
        let doc = serde_json::json!({"name": "x ##[set-output name=result;]passed ###["});
        let json = unreadable_as_command(&serde_json::to_string_pretty(&doc).unwrap());
        assert!(!json.contains("##["), "{json}");
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&json).unwrap(),
            doc
        );
    }
}
