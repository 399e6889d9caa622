//! `ready.yml`: which gates the pre-deploy checklist runs, with their inputs, and which
//! environment variables must be present.

use serde::Deserialize;

#[derive(Debug, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Config {
    /// Variables that must be set and non-empty.
    #[serde(default)]
    pub required_env: Vec<String>,
    /// A `.env.example`-style file whose variable names are required too (with
    /// `config-schema`: whose names must match the schema's).
    #[serde(default)]
    pub required_env_from: Option<String>,
    /// A config-check schema: the required variables, their types and rules.
    #[serde(default)]
    pub config_schema: Option<String>,
    /// The environment the schema is checked for (`production`, `staging`).
    #[serde(default)]
    pub environment: Option<String>,
    /// `.env` files config-check reads besides the step's environment.
    #[serde(default)]
    pub env_files: Vec<String>,
    /// Gates in the order they run: action name → its inputs, as in the action's `with:`.
    #[serde(default)]
    pub gates: yaml_serde::Mapping,
}

impl Config {
    /// Lists no variable, no variables file, no schema and no gate.
    pub fn is_empty(&self) -> bool {
        !self.checks_variables() && self.gates.is_empty()
    }

    /// Whether the `required-env` item has anything to check.
    pub fn checks_variables(&self) -> bool {
        !self.required_env.is_empty()
            || self.required_env_from.is_some()
            || self.config_schema.is_some()
    }
}

/// A gate's inputs as flags: `name: value` becomes `--name value`; lists become one value per line.
pub fn gate_flags(inputs: &yaml_serde::Value) -> Result<Vec<(String, String)>, String> {
    let Some(map) = inputs.as_mapping() else {
        return match inputs {
            yaml_serde::Value::Null => Ok(Vec::new()),
            _ => Err("a gate's inputs must be a map of input names to values".into()),
        };
    };
    let mut flags = Vec::new();
    for (key, value) in map {
        let key = key
            .as_str()
            .ok_or_else(|| "input names must be strings".to_string())?;
        flags.push((
            key.to_string(),
            scalar(value).map_err(|e| format!("{key}: {e}"))?,
        ));
    }
    Ok(flags)
}

fn scalar(value: &yaml_serde::Value) -> Result<String, String> {
    use yaml_serde::Value;
    match value {
        Value::String(s) => Ok(s.clone()),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Null => Ok(String::new()),
        Value::Sequence(items) => Ok(items
            .iter()
            .map(scalar)
            .collect::<Result<Vec<_>, _>>()?
            .join("\n")),
        _ => Err("expected a string, number, boolean or list".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gate_inputs_become_flags() {
        let v: yaml_serde::Value = yaml_serde::from_str(
            "config: a.ini\nmax-heads: 2\nrequire-contract: true\nchecks: [lint, test]\n",
        )
        .unwrap();
        assert_eq!(
            gate_flags(&v).unwrap(),
            vec![
                ("config".into(), "a.ini".into()),
                ("max-heads".into(), "2".into()),
                ("require-contract".into(), "true".into()),
                ("checks".into(), "lint\ntest".into()),
            ]
        );
        assert!(gate_flags(&yaml_serde::Value::String("x".into())).is_err());
    }

    #[test]
    fn unknown_top_level_keys_are_refused() {
        let err = yaml_serde::from_str::<Config>("gates: {}\nrequired_env: [A]\n").unwrap_err();
        assert!(
            err.to_string().contains("unknown field `required_env`"),
            "{err}"
        );
    }
}
