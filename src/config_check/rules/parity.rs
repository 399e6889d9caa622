//! `parity`: `.env.example`, a compose file's `environment:` and the schema name the same
//! variables. A name in one and not in another is a finding, at the line where it is named.

use super::super::sources::NameList;
use super::{Collected, Finding, Rule};
use crate::report::Location;

pub fn check(c: &Collected, out: &mut Vec<Finding>) {
    let schema = c.schema.as_ref().map(|s| NameList {
        file: s.file.clone(),
        names: s
            .variables
            .iter()
            .map(|v| (v.name.clone(), v.line))
            .collect(),
    });
    let lists: Vec<&NameList> = [schema.as_ref(), c.example.as_ref(), c.compose.as_ref()]
        .into_iter()
        .flatten()
        .collect();
    for (i, one) in lists.iter().enumerate() {
        for (j, other) in lists.iter().enumerate() {
            if i == j {
                continue;
            }
            for (name, line) in &one.names {
                if !other.contains(name) {
                    out.push(Rule::Parity.finding(
                        format!("{name} is named in {} but not in {}", one.file, other.file),
                        Some(Location::line(&one.file, *line)),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{collected, findings_of};
    use crate::config_check::sources::NameList;

    #[test]
    fn every_pair_both_ways() {
        let mut c = collected("variables:\n  A: {}\n  B: {}\n", None, &[]);
        c.example = Some(NameList {
            file: ".env.example".into(),
            names: vec![("A".into(), 1), ("C".into(), 2)],
        });
        c.compose = Some(NameList {
            file: "compose.yml".into(),
            names: vec![("A".into(), 7), ("B".into(), 8)],
        });
        assert_eq!(
            findings_of(Rule::Parity, &c),
            "config.schema.yml:3 parity: B is named in config.schema.yml but not in .env.example\n\
             .env.example:2 parity: C is named in .env.example but not in config.schema.yml\n\
             .env.example:2 parity: C is named in .env.example but not in compose.yml\n\
             compose.yml:8 parity: B is named in compose.yml but not in .env.example"
        );
    }
}
