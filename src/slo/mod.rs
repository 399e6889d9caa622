//! SLOs, shared by error-budget-gate and watch: from a Sloth `prometheus/v1` spec file, or one
//! given inline. Sloth's queries carry a `{{.window}}` placeholder that each action fills with
//! the windows it measures.

pub mod openslo;

use serde::Deserialize;

/// The window an SLO is measured over, when its file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    /// The last this many seconds.
    Rolling(u64),
    /// The calendar period so far (UTC).
    Calendar(Calendar),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Calendar {
    Month,
    Quarter,
}

/// How the error ratio is measured.
#[derive(Debug, Clone, PartialEq)]
pub enum Sli {
    /// Bad and total event counts, summed by the gate: the ratio is weighted by traffic.
    Events { error: String, total: String },
    /// A query that already returns the error ratio (Sloth's `sli.raw.error_ratio_query`).
    Raw { ratio: String },
}

/// The SLO the gate evaluates.
#[derive(Debug, Clone, PartialEq)]
pub struct Slo {
    pub name: String,
    /// Percent of good events, e.g. 99.5.
    pub objective: f64,
    /// None when the SLO came from a metrics file without queries.
    pub sli: Option<Sli>,
    /// The window its file names (OpenSLO `timeWindow`); None: the action's input decides.
    pub window: Option<Window>,
}

impl Slo {
    /// The error budget as a fraction: 0.005 for 99.5%.
    pub fn budget(&self) -> f64 {
        budget(self.objective)
    }
}

/// The error budget of an objective in percent; computed from the percent so that 99.5 gives
/// exactly the double nearest 0.005, as a ratio of counts does.
pub fn budget(objective: f64) -> f64 {
    (100.0 - objective) / 100.0
}

pub const PLACEHOLDER: &str = "{{.window}}";

/// Fills Sloth's window placeholder (with or without inner spaces).
pub fn fill(query: &str, window: &str) -> String {
    query
        .replace(PLACEHOLDER, window)
        .replace("{{ .window }}", window)
}

pub fn has_placeholder(query: &str) -> bool {
    query.contains(PLACEHOLDER) || query.contains("{{ .window }}")
}

/// Checks an objective in percent.
pub fn check_objective(objective: f64) -> Result<f64, String> {
    if objective.is_finite() && objective > 0.0 && objective < 100.0 {
        Ok(objective)
    } else {
        Err(format!(
            "objective {objective} must be a percentage between 0 and 100 (exclusive), such as 99.5"
        ))
    }
}

/// Parses an objective given as text (`99.5`, `99.5%`).
pub fn parse_objective(text: &str) -> Result<f64, String> {
    let t = text.trim().trim_end_matches('%').trim();
    let value: f64 = t
        .parse()
        .map_err(|_| format!("objective `{text}` is not a number such as 99.5"))?;
    check_objective(value)
}

/// Checks that a query carries the window placeholder.
pub fn check_query(what: &str, query: &str) -> Result<(), String> {
    if query.trim().is_empty() {
        return Err(format!("{what} is empty"));
    }
    if !has_placeholder(query) {
        return Err(format!(
            "{what} must contain the window placeholder {PLACEHOLDER}, as in Sloth: `{query}`"
        ));
    }
    Ok(())
}

#[derive(Deserialize)]
struct SpecFile {
    version: String,
    #[serde(default)]
    service: String,
    #[serde(default)]
    slos: Vec<SpecSlo>,
}

#[derive(Deserialize)]
struct SpecSlo {
    name: String,
    objective: f64,
    sli: SpecSli,
}

#[derive(Deserialize)]
struct SpecSli {
    events: Option<SpecEvents>,
    raw: Option<SpecRaw>,
    plugin: Option<yaml_serde::Value>,
}

#[derive(Deserialize)]
struct SpecEvents {
    error_query: String,
    total_query: String,
}

#[derive(Deserialize)]
struct SpecRaw {
    error_ratio_query: String,
}

/// A problem in the spec file, with the line where the parser knows it.
#[derive(Debug, PartialEq)]
pub struct SpecError {
    pub message: String,
    pub line: Option<u32>,
}

impl SpecError {
    /// The error as invalid input, at the file (and line) of `input`.
    pub fn at(self, input: &str, file: &str) -> crate::report::Failure {
        use crate::report::Location;
        let loc = match self.line {
            Some(l) => Location::line(file, l),
            None => Location::file(file),
        };
        crate::report::Failure::invalid_at(format!("{input}: {}", self.message), loc)
    }

    fn new(message: impl Into<String>) -> Self {
        SpecError {
            message: message.into(),
            line: None,
        }
    }
}

/// The names of a `slo` input: comma-separated, blanks dropped.
pub fn names(input: Option<&str>) -> Vec<&str> {
    input
        .map(|w| {
            w.split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// The SLOs a file's SLOs `names` picks, Sloth or OpenSLO: none names the only one (several
/// in the file is invalid, naming them), `*` all of them, else the named ones in that order.
pub fn pick(text: &str, file: &str, names: &[&str]) -> Result<Vec<Slo>, crate::report::Failure> {
    if !openslo::is_openslo(text) {
        return match names {
            [] => from_sloth(text, None).map(|s| vec![s]),
            ["*"] => all_from_sloth(text, &[]),
            [one] => from_sloth(text, Some(one)).map(|s| vec![s]),
            many => all_from_sloth(text, many),
        }
        .map_err(|e| e.at("slo-file", file));
    }
    let all = openslo::parse(text).map_err(|e| e.at("slo-file", file))?;
    let listed = || {
        all.iter()
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match names {
        [] if all.len() > 1 => Err(crate::report::Failure::invalid_at(
            format!(
                "slo-file: the file has {} SLOs; pick one or several with `slo` (or `*` for all): {}",
                all.len(),
                listed()
            ),
            crate::report::Location::file(file),
        )),
        [] | ["*"] => Ok(all),
        many => many
            .iter()
            .map(|n| {
                all.iter()
                    .find(|s| s.name == *n || s.name.ends_with(&format!("/{n}")))
                    .cloned()
                    .ok_or_else(|| {
                        crate::report::Failure::invalid_at(
                            format!(
                                "slo-file: no SLO named `{n}` in the file; it has: {}",
                                listed()
                            ),
                            crate::report::Location::file(file),
                        )
                    })
            })
            .collect(),
    }
}

/// Reads a Sloth `prometheus/v1` spec and picks the SLO named `wanted`, or the only one.
pub fn from_sloth(text: &str, wanted: Option<&str>) -> Result<Slo, SpecError> {
    let spec = read_sloth(text)?;
    if wanted.is_none() && spec.slos.len() > 1 {
        let names: Vec<&str> = spec.slos.iter().map(|s| s.name.as_str()).collect();
        return Err(SpecError::new(format!(
            "the spec has {} SLOs; pick one or several with `slo` (or `*` for all): {}",
            names.len(),
            names.join(", ")
        )));
    }
    let mut slos = pick_sloth(&spec, wanted.as_slice())?;
    Ok(slos.remove(0))
}

/// Reads a Sloth `prometheus/v1` spec: the SLOs named in `wanted`, or all of them when it is
/// empty, in the file's order.
pub fn all_from_sloth(text: &str, wanted: &[&str]) -> Result<Vec<Slo>, SpecError> {
    pick_sloth(&read_sloth(text)?, wanted)
}

fn read_sloth(text: &str) -> Result<SpecFile, SpecError> {
    let spec: SpecFile = crate::yaml::from_str(text).map_err(|e| SpecError {
        message: format!("not a Sloth spec: {e}"),
        line: e.location().map(|l| l.line() as u32),
    })?;
    if spec.version != "prometheus/v1" {
        return Err(SpecError::new(format!(
            "version `{}` is not supported: the gate reads Sloth's `prometheus/v1` spec",
            spec.version
        )));
    }
    if spec.slos.is_empty() {
        return Err(SpecError::new("the spec has no SLOs under `slos`"));
    }
    Ok(spec)
}

fn pick_sloth(spec: &SpecFile, wanted: &[&str]) -> Result<Vec<Slo>, SpecError> {
    let names: Vec<&str> = spec.slos.iter().map(|s| s.name.as_str()).collect();
    let chosen: Vec<&SpecSlo> = if wanted.is_empty() {
        spec.slos.iter().collect()
    } else {
        wanted
            .iter()
            .map(|name| {
                spec.slos.iter().find(|s| s.name == *name).ok_or_else(|| {
                    SpecError::new(format!(
                        "no SLO named `{name}` in the spec; it has: {}",
                        names.join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?
    };
    chosen
        .into_iter()
        .map(|c| sloth_slo(&spec.service, c))
        .collect()
}

fn sloth_slo(service: &str, chosen: &SpecSlo) -> Result<Slo, SpecError> {
    let what = |field: &str| format!("SLO `{}`: {field}", chosen.name);
    let objective = check_objective(chosen.objective).map_err(|e| SpecError::new(what(&e)))?;
    let sli = match (&chosen.sli.events, &chosen.sli.raw, &chosen.sli.plugin) {
        (Some(events), None, None) => {
            check_query("sli.events.error_query", &events.error_query)
                .and_then(|()| check_query("sli.events.total_query", &events.total_query))
                .map_err(|e| SpecError::new(what(&e)))?;
            Sli::Events {
                error: events.error_query.clone(),
                total: events.total_query.clone(),
            }
        }
        (None, Some(raw), None) => {
            check_query("sli.raw.error_ratio_query", &raw.error_ratio_query)
                .map_err(|e| SpecError::new(what(&e)))?;
            Sli::Raw {
                ratio: raw.error_ratio_query.clone(),
            }
        }
        (None, None, Some(_)) => {
            return Err(SpecError::new(what(
                "SLI plugins are not supported; use sli.events or sli.raw",
            )));
        }
        _ => {
            return Err(SpecError::new(what(
                "the SLI needs exactly one of sli.events and sli.raw",
            )));
        }
    };
    let name = if service.is_empty() {
        chosen.name.clone()
    } else {
        format!("{service}/{}", chosen.name)
    };
    Ok(Slo {
        name,
        objective,
        sli: Some(sli),
        window: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
version: "prometheus/v1"
service: "shop"
labels:
  owner: "team-a"
slos:
  - name: "requests-availability"
    objective: 99.5
    description: "Requests without 5xx."
    sli:
      events:
        error_query: sum(rate(http_requests_total{code=~"5.."}[{{.window}}]))
        total_query: sum(rate(http_requests_total[{{.window}}]))
    alerting:
      name: ShopHighErrorRate
      page_alert:
        labels:
          severity: page
  - name: "checkout-ratio"
    objective: 99.9
    sli:
      raw:
        error_ratio_query: sum(rate(errs[{{.window}}])) / sum(rate(reqs[{{.window}}]))
"#;

    #[test]
    fn picks_an_slo_by_name() {
        let slo = from_sloth(SPEC, Some("checkout-ratio")).unwrap();
        assert_eq!(slo.name, "shop/checkout-ratio");
        assert_eq!(slo.objective, 99.9);
        assert!(matches!(slo.sli, Some(Sli::Raw { .. })));
        let slo = from_sloth(SPEC, Some("requests-availability")).unwrap();
        assert!(matches!(slo.sli, Some(Sli::Events { .. })));
    }

    #[test]
    fn several_slos_need_a_name() {
        let e = from_sloth(SPEC, None).unwrap_err();
        assert!(
            e.message.contains("requests-availability, checkout-ratio"),
            "{e:?}"
        );
        let e = from_sloth(SPEC, Some("nope")).unwrap_err();
        assert!(e.message.contains("no SLO named `nope`"), "{e:?}");
    }

    #[test]
    fn rejects_other_versions_plugins_and_queries_without_placeholder() {
        let e = from_sloth("version: sloth.slok.dev/v1\nslos: []\n", None).unwrap_err();
        assert!(e.message.contains("prometheus/v1"));
        let plugin = "version: prometheus/v1\nslos:\n  - name: a\n    objective: 99\n    sli:\n      plugin:\n        id: x\n";
        assert!(
            from_sloth(plugin, None)
                .unwrap_err()
                .message
                .contains("plugins")
        );
        let fixed = "version: prometheus/v1\nslos:\n  - name: a\n    objective: 99\n    sli:\n      events:\n        error_query: sum(rate(e[5m]))\n        total_query: sum(rate(t[{{.window}}]))\n";
        assert!(
            from_sloth(fixed, None)
                .unwrap_err()
                .message
                .contains("placeholder")
        );
    }

    #[test]
    fn all_slos_or_the_named_ones_in_order() {
        let all = all_from_sloth(SPEC, &[]).unwrap();
        assert_eq!(all.len(), 2);
        let named = all_from_sloth(SPEC, &["checkout-ratio", "requests-availability"]).unwrap();
        assert_eq!(named[0].name, "shop/checkout-ratio");
        assert_eq!(named[1].name, "shop/requests-availability");
    }

    #[test]
    fn syntax_errors_carry_a_line() {
        let e = from_sloth("version: prometheus/v1\nslos:\n  - name: [\n", None).unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
    }

    #[test]
    fn objectives_and_budget() {
        assert_eq!(parse_objective("99.5"), Ok(99.5));
        assert_eq!(parse_objective("99.5%"), Ok(99.5));
        assert!(parse_objective("100").is_err());
        assert!(parse_objective("0.995x").is_err());
        assert_eq!(budget(99.5), 50.0 / 10_000.0);
    }

    #[test]
    fn fills_the_placeholder() {
        assert_eq!(
            fill("rate(x[{{.window}}]) / rate(y[{{ .window }}])", "5m"),
            "rate(x[5m]) / rate(y[5m])"
        );
    }
}
