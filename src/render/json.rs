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
    serde_json::to_writer_pretty(&mut *out, &doc).map_err(std::io::Error::other)?;
    writeln!(out)
}
