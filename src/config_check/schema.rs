//! The schema file: which variables a deployment needs, per environment, and what their values
//! must look like (docs/config-check.md). Read once, checked for sense (a bad schema is exit 2 at
//! its file and line), then handed to the rules as typed [`Variable`]s.

use crate::report::{Failure, Location};
use crate::yaml::{Node, PathItem};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The value types a variable can declare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Type {
    #[default]
    String,
    Int,
    Bool,
    Url,
    /// Comma-separated items, each trimmed.
    List,
    Enum,
    Duration,
}

impl Type {
    pub fn name(self) -> &'static str {
        match self {
            Type::String => "string",
            Type::Int => "int",
            Type::Bool => "bool",
            Type::Url => "url",
            Type::List => "list",
            Type::Enum => "enum",
            Type::Duration => "duration",
        }
    }
}

/// `required: true`, `false`, or the environments that need it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
enum Required {
    Always(bool),
    In(Vec<String>),
}

/// `equals: <value>` for every environment, or `{production: <value>}` per environment.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
enum Equals {
    PerEnvironment(BTreeMap<String, yaml_serde::Value>),
    Everywhere(yaml_serde::Value),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    environments: Vec<String>,
    variables: BTreeMap<String, Declared>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Declared {
    #[serde(default)]
    description: String,
    #[serde(default)]
    required: Option<Required>,
    #[serde(default)]
    secret: bool,
    #[serde(default, rename = "type")]
    kind: Type,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(default)]
    schemes: Vec<String>,
    #[serde(default)]
    values: Vec<String>,
    min_length: Option<usize>,
    min_entropy: Option<f64>,
    equals: Option<Equals>,
    #[serde(default)]
    forbidden: Vec<String>,
}

/// One declared variable, checked for sense.
#[derive(Debug, Clone, PartialEq)]
pub struct Variable {
    pub name: String,
    /// The line of its name in the schema.
    pub line: u32,
    pub description: String,
    /// `None`: required in every environment; `Some([])`: optional.
    required_in: Option<Vec<String>>,
    pub secret: bool,
    pub kind: Type,
    pub min: Option<i64>,
    pub max: Option<i64>,
    pub schemes: Vec<String>,
    pub values: Vec<String>,
    pub min_length: Option<usize>,
    /// Estimated bits: length × Shannon entropy per character.
    pub min_entropy: Option<f64>,
    /// Per environment; the key `*` applies to every environment.
    equals: BTreeMap<String, String>,
    pub forbidden: Vec<String>,
}

impl Variable {
    /// Whether the variable must be present in `environment` (`None`: no environment named,
    /// so only what every environment needs).
    pub fn required(&self, environment: Option<&str>) -> bool {
        match (&self.required_in, environment) {
            (None, _) => true,
            (Some(envs), Some(env)) => envs.iter().any(|e| e == env),
            (Some(_), None) => false,
        }
    }

    /// The value it must have in `environment`, if the schema says.
    pub fn must_equal(&self, environment: Option<&str>) -> Option<&str> {
        environment
            .and_then(|e| self.equals.get(e))
            .or_else(|| self.equals.get("*"))
            .map(String::as_str)
    }
}

/// A read schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The schema's path as the findings show it.
    pub file: String,
    pub environments: Vec<String>,
    /// The line of `environments:` (1 when absent).
    pub environments_line: u32,
    /// In the order the file declares them.
    pub variables: Vec<Variable>,
}

impl Schema {
    pub fn get(&self, name: &str) -> Option<&Variable> {
        self.variables.iter().find(|v| v.name == name)
    }

    /// Refuses an environment the schema does not list (a typo would check nothing).
    pub fn check_environment(&self, environment: &str) -> Result<(), Failure> {
        if self.environments.is_empty() || self.environments.iter().any(|e| e == environment) {
            return Ok(());
        }
        Err(Failure::invalid_at(
            format!(
                "environment {environment:?} is not one of the schema's environments ({})",
                self.environments.join(", ")
            ),
            Location::line(&self.file, self.environments_line),
        ))
    }
}

/// A valid environment variable name: what a shell, compose and GitHub accept.
pub fn is_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Reads and checks a schema; `file` is the path findings show.
pub fn parse(text: &str, file: &str) -> Result<Schema, Failure> {
    let read: File = crate::yaml::from_str(text).map_err(|e| {
        let line = e.location().map_or(1, |l| l.line() as u32);
        Failure::invalid_at(
            format!("{file} is not a valid config-check schema: {e}"),
            Location::line(file, line),
        )
    })?;
    // The same text parsed once more with its places, for the lines of what serde read.
    let documents = crate::yaml::documents(text).unwrap_or_default();
    let doc = documents.first();
    if read.variables.is_empty() {
        return Err(Failure::invalid_at(
            format!("{file} declares no variables"),
            Location::line(file, key_line(doc, &["variables"])),
        ));
    }
    let mut variables = Vec::new();
    for (name, declared) in read.variables {
        let line = key_line(doc, &["variables", &name]);
        // On the line of the field that is wrong, else of the variable.
        let bad = |bad: Bad| {
            let field = key_line(doc, &["variables", &name, bad.key]);
            let at = if bad.key.is_empty() || field == 1 {
                line
            } else {
                field
            };
            Failure::invalid_at(
                format!("{file}: {name}: {}", bad.message),
                Location::line(file, at),
            )
        };
        let variable = checked(&name, line, declared, &read.environments).map_err(bad)?;
        variables.push(variable);
    }
    // In the order the file declares them.
    variables.sort_by_key(|v| v.line);
    Ok(Schema {
        file: file.to_string(),
        environments: read.environments,
        environments_line: key_line(doc, &["environments"]),
        variables,
    })
}

/// One declaration, checked for sense: keys that fit its type, ranges that can be met, known
/// environments, `equals` values of its type.
/// What is wrong with a declaration, and the field (`""`: the variable itself) it is about.
struct Bad {
    key: &'static str,
    message: String,
}

fn checked(name: &str, line: u32, d: Declared, environments: &[String]) -> Result<Variable, Bad> {
    let at = |key: &'static str| move |message: String| Bad { key, message };
    if !is_name(name) {
        return Err(at("")(
            "is not a variable name (letters, digits and _, not starting with a digit)".into(),
        ));
    }
    let only_for = |set: bool, key: &'static str, kind: Type| {
        if set && d.kind != kind {
            Err(at(key)(format!(
                "`{key}` applies to type {} only",
                kind.name()
            )))
        } else {
            Ok(())
        }
    };
    only_for(d.min.is_some(), "min", Type::Int)?;
    only_for(d.max.is_some(), "max", Type::Int)?;
    only_for(!d.schemes.is_empty(), "schemes", Type::Url)?;
    only_for(!d.values.is_empty(), "values", Type::Enum)?;
    if d.kind == Type::Enum && d.values.is_empty() {
        return Err(at("type")("type enum needs `values`".into()));
    }
    if let (Some(min), Some(max)) = (d.min, d.max)
        && min > max
    {
        return Err(at("min")(format!("min {min} is above max {max}")));
    }
    if d.min_entropy.is_some_and(|e| !e.is_finite() || e < 0.0) {
        return Err(at("min-entropy")(
            "min-entropy must be a number of bits, 0 or more".into(),
        ));
    }
    let known = |env: &str| -> Result<(), String> {
        if environments.is_empty() || environments.iter().any(|e| e == env) {
            Ok(())
        } else {
            Err(format!(
                "environment {env:?} is not listed in `environments` ({})",
                environments.join(", ")
            ))
        }
    };
    let required_in = match d.required {
        None | Some(Required::Always(false)) => Some(Vec::new()),
        Some(Required::Always(true)) => None,
        Some(Required::In(envs)) => {
            envs.iter()
                .try_for_each(|e| known(e))
                .map_err(at("required"))?;
            Some(envs)
        }
    };
    let mut equals = BTreeMap::new();
    match d.equals {
        None => {}
        Some(Equals::Everywhere(v)) => {
            equals.insert("*".to_string(), scalar(&v).map_err(at("equals"))?);
        }
        Some(Equals::PerEnvironment(map)) => {
            for (env, v) in map {
                known(&env).map_err(at("equals"))?;
                equals.insert(env, scalar(&v).map_err(at("equals"))?);
            }
        }
    }
    let variable = Variable {
        name: name.to_string(),
        line,
        description: d.description,
        required_in,
        secret: d.secret,
        kind: d.kind,
        min: d.min,
        max: d.max,
        schemes: d.schemes.iter().map(|s| s.to_ascii_lowercase()).collect(),
        values: d.values,
        min_length: d.min_length,
        min_entropy: d.min_entropy,
        equals,
        forbidden: d.forbidden,
    };
    for wanted in variable.equals.values() {
        if let Err(e) = super::values::typed(&variable, wanted) {
            return Err(at("equals")(format!(
                "`equals` {wanted:?} is not valid for it: {e}"
            )));
        }
    }
    Ok(variable)
}

fn scalar(value: &yaml_serde::Value) -> Result<String, String> {
    match value {
        yaml_serde::Value::String(s) => Ok(s.clone()),
        yaml_serde::Value::Bool(b) => Ok(b.to_string()),
        yaml_serde::Value::Number(n) => Ok(n.to_string()),
        _ => Err("`equals` takes a string, number or boolean".into()),
    }
}

/// The line of the last key of `path` in the schema's spanned tree (1 when it is not there).
fn key_line(doc: Option<&Node>, path: &[&str]) -> u32 {
    let Some((last, parents)) = path.split_last() else {
        return 1;
    };
    let parents: Vec<PathItem> = parents.iter().map(|k| PathItem::Key(k)).collect();
    doc.and_then(|d| d.at(&parents))
        .and_then(|parent| parent.entry(last))
        .map_or(1, |(key, _)| key.line as u32)
}
