//! Alembic's configuration, read as Alembic reads it: `alembic.ini` through Python's configparser
//! rules (continuation lines, full-line comments, `%(here)s` interpolation) and `[tool.alembic]` in
//! pyproject.toml. The ini's `[alembic]` section wins over the toml, option by option. Pure: the
//! caller reads the files.

use std::collections::BTreeMap;

/// One parsed ini file: section name → option (lower case) → raw value.
#[derive(Debug, Default, Clone)]
pub struct Ini {
    defaults: BTreeMap<String, String>,
    sections: BTreeMap<String, BTreeMap<String, String>>,
}

impl Ini {
    /// Parses like `configparser.ConfigParser` (strict, `=` or `:`, `#`/`;` full-line comments,
    /// indented continuation lines, empty lines kept inside values).
    pub fn parse(text: &str) -> Result<Ini, String> {
        let mut ini = Ini::default();
        // (section, option, lines)
        let mut current: Option<String> = None;
        let mut option: Option<String> = None;
        let mut indent_level = 0usize;
        let mut pending: BTreeMap<String, BTreeMap<String, Vec<String>>> = BTreeMap::new();
        let mut default_lines: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut seen_sections = std::collections::BTreeSet::new();
        for (index, line) in text.lines().enumerate() {
            let lineno = index + 1;
            let stripped = line.trim();
            let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
            let value = if is_comment { "" } else { stripped };
            if value.is_empty() {
                if !is_comment && let (Some(sect), Some(opt)) = (&current, &option) {
                    let map = if sect == "DEFAULT" {
                        &mut default_lines
                    } else {
                        pending.entry(sect.clone()).or_default()
                    };
                    if let Some(lines) = map.get_mut(opt) {
                        lines.push(String::new());
                    }
                }
                continue;
            }
            let indent = line.len() - line.trim_start().len();
            if let (Some(sect), Some(opt)) = (&current, &option)
                && indent > indent_level
            {
                let map = if sect == "DEFAULT" {
                    &mut default_lines
                } else {
                    pending.entry(sect.clone()).or_default()
                };
                if let Some(lines) = map.get_mut(opt) {
                    lines.push(value.to_string());
                }
                continue;
            }
            indent_level = indent;
            if value.starts_with('[')
                && let Some(end) = value.rfind(']')
                && end > 1
            {
                let name = value[1..end].to_string();
                if !seen_sections.insert(name.clone()) {
                    return Err(format!("line {lineno}: section [{name}] appears twice"));
                }
                if name != "DEFAULT" {
                    pending.entry(name.clone()).or_default();
                }
                current = Some(name);
                option = None;
                continue;
            }
            let Some(sect) = &current else {
                return Err(format!(
                    "line {lineno}: an option comes before any [section] header"
                ));
            };
            let Some(delim) = value.find(['=', ':']) else {
                return Err(format!(
                    "line {lineno}: expected `name = value`, found {value:?}"
                ));
            };
            let name = value[..delim].trim_end().to_lowercase();
            let val = value[delim + 1..].trim().to_string();
            let map = if sect == "DEFAULT" {
                &mut default_lines
            } else {
                pending.entry(sect.clone()).or_default()
            };
            if map.insert(name.clone(), vec![val]).is_some() {
                return Err(format!(
                    "line {lineno}: option {name:?} appears twice in [{sect}]"
                ));
            }
            option = Some(name);
        }
        let join = |lines: Vec<String>| lines.join("\n").trim_end().to_string();
        ini.defaults = default_lines
            .into_iter()
            .map(|(k, v)| (k, join(v)))
            .collect();
        ini.sections = pending
            .into_iter()
            .map(|(s, opts)| (s, opts.into_iter().map(|(k, v)| (k, join(v))).collect()))
            .collect();
        Ok(ini)
    }

    pub fn has_section(&self, section: &str) -> bool {
        self.sections.contains_key(section)
    }

    fn raw(&self, section: &str, option: &str, vars: &BTreeMap<String, String>) -> Option<String> {
        self.sections
            .get(section)
            .and_then(|s| s.get(option))
            .or_else(|| self.defaults.get(option))
            .or_else(|| vars.get(option))
            .cloned()
    }

    /// `ConfigParser.get(section, option)` with `BasicInterpolation`; `vars` are the parser's
    /// defaults (Alembic passes `here`).
    pub fn get(
        &self,
        section: &str,
        option: &str,
        vars: &BTreeMap<String, String>,
    ) -> Result<Option<String>, String> {
        if !self.sections.contains_key(section) {
            return Ok(None);
        }
        let Some(raw) = self.raw(section, option, vars) else {
            return Ok(None);
        };
        let mut out = String::new();
        self.interpolate(section, option, &raw, vars, 1, &mut out)?;
        Ok(Some(out))
    }

    fn interpolate(
        &self,
        section: &str,
        option: &str,
        value: &str,
        vars: &BTreeMap<String, String>,
        depth: usize,
        out: &mut String,
    ) -> Result<(), String> {
        if depth > 10 {
            return Err(format!(
                "option {option:?} in [{section}]: interpolation is nested too deeply"
            ));
        }
        let mut rest = value;
        while let Some(p) = rest.find('%') {
            out.push_str(&rest[..p]);
            rest = &rest[p..];
            match rest.as_bytes().get(1) {
                Some(b'%') => {
                    out.push('%');
                    rest = &rest[2..];
                }
                Some(b'(') => {
                    let Some(close) = rest.find(')') else {
                        return Err(format!(
                            "option {option:?} in [{section}]: bad interpolation in {value:?}"
                        ));
                    };
                    if close == 2 || rest.as_bytes().get(close + 1) != Some(&b's') {
                        return Err(format!(
                            "option {option:?} in [{section}]: bad interpolation in {value:?}"
                        ));
                    }
                    let name = rest[2..close].to_lowercase();
                    rest = &rest[close + 2..];
                    let Some(v) = self.raw(section, &name, vars) else {
                        return Err(format!(
                            "option {option:?} in [{section}]: %({name})s names no option"
                        ));
                    };
                    if v.contains('%') {
                        self.interpolate(section, &name, &v, vars, depth + 1, out)?;
                    } else {
                        out.push_str(&v);
                    }
                }
                _ => {
                    return Err(format!(
                        "option {option:?} in [{section}]: '%' must be followed by '%' or '(' in {value:?}"
                    ));
                }
            }
        }
        out.push_str(rest);
        Ok(())
    }
}

/// Python's `value % mapping` for the strings of `[tool.alembic]`: `%%` and `%(name)s`.
pub fn percent_format(value: &str, vars: &BTreeMap<String, String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = value;
    while let Some(p) = rest.find('%') {
        out.push_str(&rest[..p]);
        rest = &rest[p..];
        if rest.as_bytes().get(1) == Some(&b'%') {
            out.push('%');
            rest = &rest[2..];
            continue;
        }
        let close = rest.find(')');
        match close {
            Some(close)
                if rest.starts_with("%(") && rest.as_bytes().get(close + 1) == Some(&b's') =>
            {
                let name = &rest[2..close];
                let Some(v) = vars.get(name) else {
                    return Err(format!("%({name})s in {value:?} names nothing"));
                };
                out.push_str(v);
                rest = &rest[close + 2..];
            }
            _ => return Err(format!("unsupported '%' format in {value:?}")),
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// The `[tool.alembic]` table of a pyproject.toml, if any.
pub fn toml_alembic(text: &str) -> Result<Option<toml::Table>, String> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| e.to_string())?;
    Ok(doc
        .get("tool")
        .and_then(|t| t.get("alembic"))
        .and_then(|a| a.as_table())
        .cloned())
}

/// What Alembic needs to find the migration files.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Settings {
    pub script_location: Option<String>,
    pub version_locations: Option<Vec<String>>,
    pub recursive: bool,
    pub sourceless: bool,
}

/// The two configuration sources, already read, with their directories (`%(here)s`).
pub struct Sources<'a> {
    pub ini: Option<(&'a Ini, String)>,
    pub toml: Option<(&'a toml::Table, String)>,
    pub section: &'a str,
}

impl Sources<'_> {
    fn ini_get(&self, name: &str) -> Result<Option<String>, String> {
        match &self.ini {
            Some((ini, here)) => {
                let vars = BTreeMap::from([("here".to_string(), here.clone())]);
                ini.get(self.section, name, &vars)
                    .map_err(|e| format!("alembic ini: {e}"))
            }
            None => Ok(None),
        }
    }

    fn toml_vars(&self) -> BTreeMap<String, String> {
        let here = self.toml.as_ref().map(|t| t.1.clone()).unwrap_or_default();
        BTreeMap::from([("here".to_string(), here)])
    }

    fn toml_str(&self, name: &str) -> Result<Option<String>, String> {
        let Some((table, _)) = &self.toml else {
            return Ok(None);
        };
        match table.get(name) {
            None => Ok(None),
            Some(toml::Value::String(s)) => percent_format(s, &self.toml_vars())
                .map(Some)
                .map_err(|e| format!("[tool.alembic] {name}: {e}")),
            Some(other) => Err(format!(
                "[tool.alembic] {name}: expected a string, found {}",
                other.type_str()
            )),
        }
    }

    fn toml_list(&self, name: &str) -> Result<Option<Vec<String>>, String> {
        let Some((table, _)) = &self.toml else {
            return Ok(None);
        };
        match table.get(name) {
            None => Ok(None),
            Some(toml::Value::Array(items)) => items
                .iter()
                .map(|v| match v {
                    toml::Value::String(s) => percent_format(s, &self.toml_vars())
                        .map_err(|e| format!("[tool.alembic] {name}: {e}")),
                    other => Err(format!(
                        "[tool.alembic] {name}: expected strings, found {}",
                        other.type_str()
                    )),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(format!(
                "[tool.alembic] {name}: expected a list of strings, found {}",
                other.type_str()
            )),
        }
    }

    fn boolean(&self, name: &str) -> Result<bool, String> {
        if let Some(v) = self.ini_get(name)? {
            return Ok(v == "true");
        }
        match self.toml.as_ref().and_then(|(t, _)| t.get(name)) {
            None => Ok(false),
            Some(toml::Value::Boolean(b)) => Ok(*b),
            Some(_) => Err(format!(
                "[tool.alembic] {name}: boolean value expected for TOML parameter"
            )),
        }
    }

    /// `get_alembic_option`, `get_version_locations_list` and the boolean options, in Alembic's
    /// order: the ini section first, then `[tool.alembic]`.
    pub fn settings(&self) -> Result<Settings, String> {
        let script_location = match self.ini_get("script_location")? {
            Some(v) => Some(v),
            None => self.toml_str("script_location")?,
        };
        let version_locations = match self.ini_get("version_locations")? {
            Some(v) if !v.is_empty() => {
                let sep = match self.ini_get("path_separator")? {
                    Some(s) => Some(s),
                    None => self.ini_get("version_path_separator")?,
                };
                Some(split_version_locations(&v, sep.as_deref())?)
            }
            _ => self.toml_list("version_locations")?,
        };
        Ok(Settings {
            script_location,
            version_locations,
            recursive: self.boolean("recursive_version_locations")?,
            sourceless: self.boolean("sourceless")?,
        })
    }
}

/// Splits an ini `version_locations` value as Alembic does: by `path_separator` (`space`,
/// `newline`, `os`, `:`, `;`), else the legacy split on commas and spaces.
pub fn split_version_locations(
    value: &str,
    separator: Option<&str>,
) -> Result<Vec<String>, String> {
    let Some(separator) = separator else {
        return Ok(legacy_split(value));
    };
    let ch = match separator {
        "space" => ' ',
        "newline" => '\n',
        "os" => {
            if cfg!(windows) {
                ';'
            } else {
                ':'
            }
        }
        ":" => ':',
        ";" => ';',
        other => {
            return Err(format!(
                "'{other}' is not a valid value for path_separator; expected 'space', 'newline', 'os', ':', ';'"
            ));
        }
    };
    Ok(value
        .split(ch)
        .filter(|x| !x.is_empty())
        .map(|x| x.trim().to_string())
        .collect())
}

/// `re.split(r", *|(?: +)", value)`: empty pieces are kept, as in Python.
fn legacy_split(value: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ',' => {
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
                out.push(std::mem::take(&mut current));
            }
            ' ' => {
                while chars.peek() == Some(&' ') {
                    chars.next();
                }
                out.push(std::mem::take(&mut current));
            }
            c => current.push(c),
        }
    }
    out.push(current);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn here() -> BTreeMap<String, String> {
        BTreeMap::from([("here".to_string(), "/repo".to_string())])
    }

    #[test]
    fn ini_continuations_comments_and_here() {
        let ini = Ini::parse(
            "# top\n[alembic]\nscript_location = %(here)s/migrations\nversion_locations =\n    %(here)s/a\n    # comment\n    b\n\n; c\nprepend_sys_path: .\n",
        )
        .unwrap();
        assert_eq!(
            ini.get("alembic", "script_location", &here())
                .unwrap()
                .unwrap(),
            "/repo/migrations"
        );
        assert_eq!(
            ini.get("alembic", "version_locations", &here())
                .unwrap()
                .unwrap(),
            "\n/repo/a\nb"
        );
        assert_eq!(
            ini.get("alembic", "prepend_sys_path", &here())
                .unwrap()
                .unwrap(),
            "."
        );
        assert_eq!(ini.get("alembic", "nope", &here()).unwrap(), None);
    }

    #[test]
    fn ini_errors_are_reported() {
        assert!(Ini::parse("x = 1\n").is_err());
        assert!(Ini::parse("[a]\nx = 1\nx = 2\n").is_err());
        let ini = Ini::parse("[a]\nx = 100%\ny = %(nope)s\nz = 100%%\n").unwrap();
        assert!(ini.get("a", "x", &here()).is_err());
        assert!(ini.get("a", "y", &here()).is_err());
        assert_eq!(ini.get("a", "z", &here()).unwrap().unwrap(), "100%");
    }

    #[test]
    fn every_separator_form() {
        let v = |s, sep| split_version_locations(s, sep).unwrap();
        assert_eq!(v("a b", Some("space")), ["a", "b"]);
        assert_eq!(v("\na\nb", Some("newline")), ["a", "b"]);
        assert_eq!(v("a:b", Some("os")), ["a", "b"]);
        assert_eq!(v("a: b", Some(":")), ["a", "b"]);
        assert_eq!(v("a; b", Some(";")), ["a", "b"]);
        assert_eq!(v("a, b  c", None), ["a", "b", "c"]);
        assert_eq!(v("a ,b", None), ["a", "", "b"]);
        assert!(split_version_locations("a", Some("tab")).is_err());
    }

    #[test]
    fn ini_wins_over_toml_option_by_option() {
        let ini = Ini::parse("[alembic]\nscript_location = from_ini\n").unwrap();
        let toml = toml_alembic(
            "[tool.alembic]\nscript_location = \"x\"\nversion_locations = [\"%(here)s/v\"]\nrecursive_version_locations = true\n",
        )
        .unwrap()
        .unwrap();
        let s = Sources {
            ini: Some((&ini, "/i".into())),
            toml: Some((&toml, "/t".into())),
            section: "alembic",
        }
        .settings()
        .unwrap();
        assert_eq!(s.script_location.as_deref(), Some("from_ini"));
        assert_eq!(s.version_locations, Some(vec!["/t/v".to_string()]));
        assert!(s.recursive);
    }

    #[test]
    fn toml_boolean_must_be_boolean() {
        let toml = toml_alembic("[tool.alembic]\nrecursive_version_locations = \"true\"\n")
            .unwrap()
            .unwrap();
        let s = Sources {
            ini: None,
            toml: Some((&toml, "/t".into())),
            section: "alembic",
        };
        assert!(s.settings().is_err());
    }
}
