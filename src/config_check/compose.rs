//! The variable names a compose file passes to its services: every `services.*.environment`,
//! as a list (`- KEY=value`, `- KEY`) or a map (`KEY: value`), with the line of each.

use super::sources::NameList;
use crate::report::{Failure, Location};
use crate::yaml::Node;

pub fn names(text: &str, file: &str) -> Result<NameList, Failure> {
    let documents = crate::yaml::documents(text).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() as u32);
        Failure::invalid_at(
            format!("{file} is not a valid compose file: {e}"),
            Location::line(file, line),
        )
    })?;
    let mut names: Vec<(String, u32)> = Vec::new();
    let services = documents.first().and_then(|d| d.get("services"));
    for (_, service) in services.and_then(Node::as_map).into_iter().flatten() {
        let Some(environment) = service.get("environment") else {
            continue;
        };
        // `- KEY=value` items, or the keys of a map.
        let named: Vec<(&str, usize)> = match (environment.as_seq(), environment.as_map()) {
            (Some(items), _) => items
                .iter()
                .filter_map(|i| Some((i.as_str()?.split('=').next()?.trim(), i.line)))
                .collect(),
            (_, Some(entries)) => entries
                .iter()
                .filter_map(|(k, _)| Some((k.as_str()?, k.line)))
                .collect(),
            _ => Vec::new(),
        };
        for (key, line) in named {
            if !names.iter().any(|(n, _)| n == key) {
                names.push((key.to_string(), line as u32));
            }
        }
    }
    Ok(NameList {
        file: file.to_string(),
        names,
    })
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
