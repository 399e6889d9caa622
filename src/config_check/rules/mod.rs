//! The rules: from what was collected to findings. Pure.
//!
//! Each rule is one unit (squawk's shape, as check-alembic-heads' rules): a [`Rule`] variant with
//! its kebab-case id and title, and one file with its `check` and its own tests. Every id is
//! documented in docs/config-check.md (a test keeps the two in step). No message holds a value:
//! it says what the value is (its length, its entropy, its type) and what the schema wants.

mod default_credentials;
mod forbidden_value;
mod invalid_line;
mod invalid_value;
mod low_entropy;
mod missing_required;
mod must_equal;
mod out_of_range;
mod parity;
mod scheme_not_allowed;
mod secret_in_variable;
mod too_short;
mod unknown_variable;

use super::schema::Variable;
use super::sources::{Collected, Found, Origin};
use super::values::{Typed, typed};
use crate::report::{Finding, Location};

pub use missing_required::present;

/// Every rule of config-check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    InvalidLine,
    MissingRequired,
    InvalidValue,
    OutOfRange,
    SchemeNotAllowed,
    TooShort,
    LowEntropy,
    MustEqual,
    ForbiddenValue,
    DefaultCredentials,
    SecretInVariable,
    UnknownVariable,
    Parity,
}

impl Rule {
    /// In the order the docs list them and the report shows their findings.
    pub const ALL: [Rule; 13] = [
        Rule::InvalidLine,
        Rule::MissingRequired,
        Rule::InvalidValue,
        Rule::OutOfRange,
        Rule::SchemeNotAllowed,
        Rule::TooShort,
        Rule::LowEntropy,
        Rule::MustEqual,
        Rule::ForbiddenValue,
        Rule::DefaultCredentials,
        Rule::SecretInVariable,
        Rule::UnknownVariable,
        Rule::Parity,
    ];

    pub fn id(self) -> &'static str {
        match self {
            Rule::InvalidLine => "invalid-line",
            Rule::MissingRequired => "missing-required",
            Rule::InvalidValue => "invalid-value",
            Rule::OutOfRange => "out-of-range",
            Rule::SchemeNotAllowed => "scheme-not-allowed",
            Rule::TooShort => "too-short",
            Rule::LowEntropy => "low-entropy",
            Rule::MustEqual => "must-equal",
            Rule::ForbiddenValue => "forbidden-value",
            Rule::DefaultCredentials => "default-credentials",
            Rule::SecretInVariable => "secret-in-variable",
            Rule::UnknownVariable => "unknown-variable",
            Rule::Parity => "parity",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            Rule::InvalidLine => "Env file line does not parse",
            Rule::MissingRequired => "Required variable missing",
            Rule::InvalidValue => "Value is not of its type",
            Rule::OutOfRange => "Number out of range",
            Rule::SchemeNotAllowed => "URL scheme not allowed",
            Rule::TooShort => "Value too short",
            Rule::LowEntropy => "Secret too guessable",
            Rule::MustEqual => "Value differs from the required one",
            Rule::ForbiddenValue => "Forbidden value",
            Rule::DefaultCredentials => "Default credentials",
            Rule::SecretInVariable => "Secret stored as a plain variable",
            Rule::UnknownVariable => "Variable not in the schema",
            Rule::Parity => "Variable lists disagree",
        }
    }

    /// Where the rule is documented: its section in docs/config-check.md.
    pub fn doc_link(self) -> String {
        format!(
            "{}/blob/main/docs/config-check.md#{}",
            env!("CARGO_PKG_REPOSITORY"),
            self.id()
        )
    }

    /// The rule table as the shared SARIF writer lists it; the help is the rule's doc section.
    pub fn sarif_rules() -> Vec<crate::render::sarif::Rule> {
        Rule::ALL
            .iter()
            .map(|r| crate::render::sarif::Rule {
                id: r.id().into(),
                title: r.title().into(),
                help: format!(
                    "{}: what it finds and how to fix it are in [its section of the docs]({}).",
                    r.title(),
                    r.doc_link()
                ),
                help_uri: Some(r.doc_link()),
            })
            .collect()
    }

    fn check(self, c: &Collected, out: &mut Vec<Finding>) {
        match self {
            Rule::InvalidLine => invalid_line::check(c, out),
            Rule::MissingRequired => missing_required::check(c, out),
            Rule::InvalidValue => invalid_value::check(c, out),
            Rule::OutOfRange => out_of_range::check(c, out),
            Rule::SchemeNotAllowed => scheme_not_allowed::check(c, out),
            Rule::TooShort => too_short::check(c, out),
            Rule::LowEntropy => low_entropy::check(c, out),
            Rule::MustEqual => must_equal::check(c, out),
            Rule::ForbiddenValue => forbidden_value::check(c, out),
            Rule::DefaultCredentials => default_credentials::check(c, out),
            Rule::SecretInVariable => secret_in_variable::check(c, out),
            Rule::UnknownVariable => unknown_variable::check(c, out),
            Rule::Parity => parity::check(c, out),
        }
    }

    /// A finding of this rule.
    fn finding(self, message: String, location: Option<Location>) -> Finding {
        let mut f = Finding::error(self.id(), self.title(), message);
        f.location = location;
        f
    }
}

/// Every rule over what was collected, findings in rule order.
pub fn check(c: &Collected) -> Vec<Finding> {
    let mut out = Vec::new();
    for rule in Rule::ALL {
        rule.check(c, &mut out);
    }
    out
}

/// One value to check: a declared variable, where the value came from, and the value.
pub struct Valued<'a> {
    pub variable: &'a Variable,
    pub found: &'a Found,
    pub value: &'a str,
}

impl Valued<'_> {
    /// Where a finding about this value points: its env file line, else the schema's line.
    pub fn location(&self, c: &Collected) -> Option<Location> {
        match &self.found.origin {
            Origin::File { file, line } => Some(Location::line(file, *line)),
            _ => schema_location(c, self.variable),
        }
    }

    /// `NAME (where)`, the start of every message about the value.
    pub fn subject(&self) -> String {
        format!("{} ({})", self.variable.name, self.found.origin.describe())
    }

    /// The value read as its type, when it is of its type (invalid-value reports the others).
    pub fn typed(&self) -> Option<Typed> {
        typed(self.variable, self.value).ok()
    }
}

/// Every non-empty value found for a declared variable.
pub fn valued(c: &Collected) -> Vec<Valued<'_>> {
    let Some(schema) = &c.schema else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for variable in &schema.variables {
        for found in c.found.get(&variable.name).into_iter().flatten() {
            if let Some(value) = found.value.as_deref().filter(|v| !v.is_empty()) {
                out.push(Valued {
                    variable,
                    found,
                    value,
                });
            }
        }
    }
    out
}

/// The line of a variable's declaration in the schema.
pub fn schema_location(c: &Collected, variable: &Variable) -> Option<Location> {
    c.schema
        .as_ref()
        .map(|s| Location::line(&s.file, variable.line))
}

/// ` in production`, or nothing when no environment is named.
pub fn in_environment(c: &Collected) -> String {
    c.environment
        .as_deref()
        .map(|e| format!(" in {e}"))
        .unwrap_or_default()
}

#[cfg(test)]
pub(super) mod testing {
    use super::super::schema;
    use super::super::sources::{Collected, Found, Origin};
    use super::{Rule, check};

    /// What the rules see for `schema_yaml`, in `environment`, with `values` from `.env:<line>`.
    pub fn collected(
        schema_yaml: &str,
        environment: Option<&str>,
        values: &[(&str, &str)],
    ) -> Collected {
        let mut c = Collected {
            schema: Some(schema::parse(schema_yaml, "config.schema.yml").unwrap()),
            environment: environment.map(str::to_string),
            required: Vec::new(),
            required_at: Vec::new(),
            found: Default::default(),
            env_files: Vec::new(),
            github: None,
            example: None,
            compose: None,
        };
        for (i, (name, value)) in values.iter().enumerate() {
            c.found.entry(name.to_string()).or_default().push(Found {
                value: Some(value.to_string()),
                origin: Origin::File {
                    file: ".env".into(),
                    line: i as u32 + 1,
                },
            });
        }
        c
    }

    /// One rule's findings, one line each: `file:line rule: message`.
    pub fn findings_of(rule: Rule, c: &Collected) -> String {
        check(c)
            .into_iter()
            .filter(|f| f.rule == rule.id())
            .map(|f| {
                let at = f
                    .location
                    .map(|l| format!("{}:{}", l.file, l.line.unwrap_or(0)))
                    .unwrap_or_else(|| "-".into());
                format!("{at} {}: {}", f.rule, f.message)
            })
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod docs {
    use super::Rule;

    #[test]
    fn every_rule_is_documented() {
        let docs = include_str!("../../../docs/config-check.md");
        for rule in Rule::ALL {
            assert!(
                docs.contains(&format!("\n### {}\n", rule.id())),
                "docs/config-check.md has no section for {}",
                rule.id()
            );
        }
    }
}
