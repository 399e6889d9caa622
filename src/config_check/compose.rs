//! The variable names a compose file passes to its services: every `services.*.environment`,
//! as a list (`- KEY=value`, `- KEY`) or a map (`KEY: value`), with the line of each.

use super::sources::NameList;
use crate::report::{Failure, Location};
use yaml_serde::Value;

pub fn names(text: &str, file: &str) -> Result<NameList, Failure> {
    let doc: Value = crate::yaml::from_str(text).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() as u32);
        Failure::invalid_at(
            format!("{file} is not a valid compose file: {e}"),
            Location::line(file, line),
        )
    })?;
    let mut names: Vec<(String, u32)> = Vec::new();
    let services = doc.get("services").and_then(Value::as_mapping);
    for (_, service) in services.into_iter().flatten() {
        let keys: Vec<String> = match service.get("environment") {
            Some(Value::Sequence(items)) => items
                .iter()
                .filter_map(Value::as_str)
                .map(|i| i.split('=').next().unwrap_or_default().trim().to_string())
                .collect(),
            Some(Value::Mapping(map)) => map
                .keys()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect(),
            _ => Vec::new(),
        };
        for key in keys {
            if !names.iter().any(|(n, _)| n == &key) {
                let line = line_of(text, &key);
                names.push((key, line));
            }
        }
    }
    Ok(NameList {
        file: file.to_string(),
        names,
    })
}

/// The first line that names `key` as a list item or a map key (1 when none does).
fn line_of(text: &str, key: &str) -> u32 {
    let names_it = |line: &str| {
        let item = line.trim_start().trim_start_matches("- ").trim_start();
        let item = item.trim_start_matches(['"', '\'']);
        item.strip_prefix(key)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(['=', ':', '"', '\'', ' ']))
    };
    text.lines()
        .position(names_it)
        .map_or(1, |i| i as u32 + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_and_maps_of_every_service() {
        let text = "services:\n  api:\n    environment:\n      - DATABASE_URL=postgres://db/app\n      - \"JWT_SECRET\"\n  worker:\n    environment:\n      REDIS_URL: redis://cache\n      DATABASE_URL: x\n";
        let list = names(text, "compose.yml").unwrap();
        assert_eq!(
            list.names,
            vec![
                ("DATABASE_URL".to_string(), 4),
                ("JWT_SECRET".to_string(), 5),
                ("REDIS_URL".to_string(), 8)
            ]
        );
        assert!(names("services: [", "compose.yml").is_err());
    }
}
