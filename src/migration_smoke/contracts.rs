//! Migration contracts against the SQL: what squawk (PyPI `squawk-cli`) finds in a revision's
//! offline SQL, and what each of its findings means for the contract the revision must declare.
//! The table `MEANINGS` is the rule set, one line per squawk rule that matters; any other squawk
//! rule (style, timeouts, types) says nothing about the contract and is left out.

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The contracts, from the least to the most a deploy must plan for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Contract {
    SafeOnline,
    RequiresMaintenanceWindow,
    Destructive,
}

impl Contract {
    pub fn parse(text: &str) -> Option<Contract> {
        match text {
            "safe_online" => Some(Contract::SafeOnline),
            "requires_maintenance_window" => Some(Contract::RequiresMaintenanceWindow),
            "destructive" => Some(Contract::Destructive),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Contract::SafeOnline => "safe_online",
            Contract::RequiresMaintenanceWindow => "requires_maintenance_window",
            Contract::Destructive => "destructive",
        }
    }
}

/// What one squawk rule's finding means for the contract.
pub struct Meaning {
    pub rule: &'static str,
    pub needs: Contract,
    pub why: &'static str,
}

const WINDOW: Contract = Contract::RequiresMaintenanceWindow;

/// Every squawk rule that decides a contract (squawk 2.70's ids).
pub const MEANINGS: &[Meaning] = &[
    Meaning {
        rule: "changing-column-type",
        needs: WINDOW,
        why: "changing a column's type rewrites the table under an ACCESS EXCLUSIVE lock",
    },
    Meaning {
        rule: "adding-not-nullable-field",
        needs: WINDOW,
        why: "setting NOT NULL on an existing column scans the table under an ACCESS EXCLUSIVE lock",
    },
    Meaning {
        rule: "adding-required-field",
        needs: WINDOW,
        why: "a NOT NULL column without a default fails on a table with rows, or rewrites it",
    },
    Meaning {
        rule: "adding-field-with-default",
        needs: WINDOW,
        why: "a column with a volatile default rewrites the table under an ACCESS EXCLUSIVE lock",
    },
    Meaning {
        rule: "adding-serial-primary-key-field",
        needs: WINDOW,
        why: "a serial primary key rewrites the table and builds its index under an ACCESS EXCLUSIVE lock",
    },
    Meaning {
        rule: "require-concurrent-index-creation",
        needs: WINDOW,
        why: "an index built without CONCURRENTLY blocks writes to the table while it builds",
    },
    Meaning {
        rule: "require-concurrent-index-deletion",
        needs: WINDOW,
        why: "an index dropped without CONCURRENTLY takes an ACCESS EXCLUSIVE lock on the table",
    },
    Meaning {
        rule: "disallowed-unique-constraint",
        needs: WINDOW,
        why: "a unique constraint builds its index under an ACCESS EXCLUSIVE lock",
    },
    Meaning {
        rule: "constraint-missing-not-valid",
        needs: WINDOW,
        why: "a constraint added without NOT VALID checks every row under a lock that blocks writes",
    },
    Meaning {
        rule: "adding-foreign-key-constraint",
        needs: WINDOW,
        why: "a foreign key added without NOT VALID locks both tables while it checks every row",
    },
    Meaning {
        rule: "ban-drop-column",
        needs: Contract::Destructive,
        why: "dropping a column loses its data, and code that still reads it breaks",
    },
    Meaning {
        rule: "ban-drop-table",
        needs: Contract::Destructive,
        why: "dropping a table loses its data",
    },
    Meaning {
        rule: "renaming-column",
        needs: Contract::Destructive,
        why: "renaming a column breaks the running code that uses the old name",
    },
    Meaning {
        rule: "renaming-table",
        needs: Contract::Destructive,
        why: "renaming a table breaks the running code that uses the old name",
    },
    Meaning {
        rule: "ban-drop-database",
        needs: Contract::Destructive,
        why: "dropping a database loses all of its data",
    },
    Meaning {
        rule: "ban-truncate-cascade",
        needs: Contract::Destructive,
        why: "TRUNCATE ... CASCADE empties every table that refers to this one",
    },
];

/// The squawk rule for SQL it cannot parse: the contract cannot be told.
pub const SYNTAX_ERROR: &str = "syntax-error";

/// One squawk finding.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Lint {
    #[serde(rename = "rule_name")]
    pub rule: String,
    #[serde(default)]
    pub line: u32,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub file: String,
}

/// What a revision's SQL does to the contract: the contract it needs and the lints that say so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observed {
    pub needs: Contract,
    /// The lints that raise it above safe_online, with what each means.
    pub reasons: Vec<(Lint, &'static str)>,
    /// Squawk could not parse the SQL: the contract is unknown.
    pub unreadable: Option<Lint>,
}

/// The contract `lints` show; nothing that matters is safe_online.
pub fn observe(lints: &[Lint]) -> Observed {
    let mut observed = Observed {
        needs: Contract::SafeOnline,
        reasons: Vec::new(),
        unreadable: None,
    };
    for lint in lints {
        if lint.rule == SYNTAX_ERROR {
            observed.unreadable.get_or_insert_with(|| lint.clone());
            continue;
        }
        if let Some(meaning) = MEANINGS.iter().find(|m| m.rule == lint.rule) {
            observed.needs = observed.needs.max(meaning.needs);
            observed.reasons.push((lint.clone(), meaning.why));
        }
    }
    observed
}

/// Runs squawk once over `files` and sorts its findings by file: one list per file, in order.
/// A squawk that cannot run or answers something that is not its JSON report is an error.
pub fn lint(squawk: &[String], files: &[PathBuf]) -> Result<Vec<Vec<Lint>>, String> {
    let mut per_file = vec![Vec::new(); files.len()];
    if files.is_empty() {
        return Ok(per_file);
    }
    let (program, args) = squawk.split_first().ok_or("`squawk` is empty")?;
    let out = std::process::Command::new(program)
        .args(args)
        .args(["--reporter", "json", "--no-error-on-unmatched-pattern"])
        .args(files)
        .output()
        .map_err(|e| format!("cannot run `{}`: {e}", squawk.join(" ")))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let lints: Vec<Lint> = serde_json::from_str(text.trim()).map_err(|e| {
        format!(
            "squawk (exit {}) did not answer its JSON report ({e}): {}",
            out.status.code().unwrap_or(-1),
            super::driver::last_lines(&String::from_utf8_lossy(&out.stderr), 5).trim()
        )
    })?;
    for lint in lints {
        let at = files
            .iter()
            .position(|f| same_file(f, Path::new(&lint.file)));
        match at {
            Some(i) => per_file[i].push(lint),
            None => {
                return Err(format!(
                    "squawk reported a file it was not given: {}",
                    lint.file
                ));
            }
        }
    }
    Ok(per_file)
}

fn same_file(a: &Path, b: &Path) -> bool {
    a == b || std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lint(rule: &str) -> Lint {
        Lint {
            rule: rule.into(),
            line: 4,
            message: String::new(),
            file: "x.sql".into(),
        }
    }

    #[test]
    fn the_strongest_finding_decides_and_style_says_nothing() {
        let o = observe(&[lint("require-lock-timeout"), lint("prefer-bigint-over-int")]);
        assert_eq!(o.needs, Contract::SafeOnline);
        assert!(o.reasons.is_empty());
        let o = observe(&[
            lint("changing-column-type"),
            lint("require-statement-timeout"),
        ]);
        assert_eq!(o.needs, Contract::RequiresMaintenanceWindow);
        let o = observe(&[
            lint("require-concurrent-index-creation"),
            lint("ban-drop-column"),
        ]);
        assert_eq!(o.needs, Contract::Destructive);
        assert_eq!(o.reasons.len(), 2);
    }

    #[test]
    fn each_lock_or_rewrite_needs_a_window_and_each_drop_or_rename_is_destructive() {
        for rule in [
            "changing-column-type",
            "adding-not-nullable-field",
            "require-concurrent-index-creation",
            "adding-foreign-key-constraint",
            "constraint-missing-not-valid",
        ] {
            assert_eq!(observe(&[lint(rule)]).needs, WINDOW, "{rule}");
        }
        for rule in [
            "ban-drop-column",
            "ban-drop-table",
            "renaming-column",
            "renaming-table",
        ] {
            assert_eq!(
                observe(&[lint(rule)]).needs,
                Contract::Destructive,
                "{rule}"
            );
        }
    }

    #[test]
    fn sql_squawk_cannot_parse_leaves_the_contract_unknown() {
        assert!(observe(&[lint(SYNTAX_ERROR)]).unreadable.is_some());
    }

    #[test]
    fn contracts_are_ordered_and_named_as_check_alembic_heads_names_them() {
        for name in crate::check_alembic_heads::rules::CONTRACTS {
            assert_eq!(Contract::parse(name).unwrap().as_str(), name);
        }
        assert!(Contract::SafeOnline < WINDOW && WINDOW < Contract::Destructive);
    }
}
