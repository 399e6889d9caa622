//! The smoke spec: a small YAML format (see docs/smoke.md), parsed with yaml_serde and checked
//! before any request is sent. Unknown keys, bad values and variables that are never defined are
//! errors that point at the spec's line. Pure: no I/O.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// A spec error with the 1-based line it points at, where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub message: String,
    pub line: Option<u32>,
    /// The included file it is in; None: the spec itself.
    pub file: Option<String>,
}

impl SpecError {
    fn at(message: impl Into<String>, line: Option<u32>) -> Self {
        SpecError {
            message: message.into(),
            line,
            file: None,
        }
    }
}

/// A duration written as `500ms`, `5s`, `2m`, `1h` or a plain number of seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dur(pub Duration);

pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let duration = crate::inputs::duration(text)?;
    if duration > Duration::from_secs(86_400 * 7) {
        // No smoke check waits longer than a week.
        return Err(format!("{text:?} is out of range"));
    }
    Ok(duration)
}

impl<'de> Deserialize<'de> for Dur {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(f64),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Number(n) => n.to_string(),
            Raw::Text(t) => t,
        };
        parse_duration(&text)
            .map(Dur)
            .map_err(serde::de::Error::custom)
    }
}

/// A scalar written as text, a number or a boolean; kept as text (variables, headers, query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Bool(bool),
            Int(i64),
            Float(f64),
            Text(String),
        }
        Ok(Text(match Raw::deserialize(d)? {
            Raw::Bool(b) => b.to_string(),
            Raw::Int(i) => i.to_string(),
            Raw::Float(f) => f.to_string(),
            Raw::Text(t) => t,
        }))
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// Variables of the spec itself; `vars` and `secrets` inputs override them.
    #[serde(default)]
    pub vars: BTreeMap<String, Text>,
    #[serde(default)]
    pub defaults: Defaults,
    /// Polled until it passes or `within` (default: the whole deadline) ends, before any step.
    pub wait: Option<Step>,
    /// Where the service reports its version, checked against `expect-version`.
    pub version: Option<VersionCheck>,
    /// How many independent steps may run at once (default 8; 1 runs them in order).
    pub concurrency: Option<usize>,
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Files of shared steps (paths relative to the spec), run before the spec's own steps.
    #[serde(default)]
    pub include: Vec<String>,
    /// The included files, read by the caller: set after parsing.
    #[serde(skip)]
    pub included: Vec<Included>,
    /// An OpenAPI 3 document (path relative to the spec): every HTTP step's JSON answer is
    /// checked against the operation its method and path match.
    pub openapi: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Defaults {
    #[serde(default)]
    pub headers: BTreeMap<String, Text>,
    /// Per request (or WebSocket connect) timeout; default 10s.
    pub timeout: Option<Dur>,
    pub retry: Option<Retry>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionCheck {
    #[serde(default = "default_version_path")]
    pub path: String,
    /// JSONPath of the version in the body; without it `version`, `commit`, `sha`, `revision`
    /// are tried, then the whole body as text.
    pub json: Option<String>,
}

fn default_version_path() -> String {
    "/version".into()
}

#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retry {
    /// Attempts in all, the first included.
    pub attempts: u32,
    /// First pause; doubles each retry (default 200ms).
    pub delay: Option<Dur>,
    /// Longest pause (default 5s).
    #[serde(rename = "max-delay")]
    pub max_delay: Option<Dur>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub name: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, Text>,
    #[serde(default)]
    pub query: BTreeMap<String, Text>,
    pub json: Option<serde_json::Value>,
    pub form: Option<BTreeMap<String, Text>>,
    pub body: Option<String>,
    pub timeout: Option<Dur>,
    pub retry: Option<Retry>,
    /// Names of steps that must finish first (besides those whose captures this step uses).
    #[serde(default)]
    pub after: Vec<String>,
    #[serde(default)]
    pub expect: Expect,
    #[serde(default)]
    pub capture: BTreeMap<String, Capture>,
    pub websocket: Option<WebSocket>,
    /// `wait` only: pause between polls (default 1s).
    pub every: Option<Dur>,
    /// `wait` only: how long to keep polling (default: the whole deadline).
    pub within: Option<Dur>,
    /// Runs the step only when this holds: `${var}` (set, not false/0/no/off, not empty),
    /// `${var} == text` or `${var} != text`; otherwise it is skipped.
    #[serde(rename = "if")]
    pub condition: Option<String>,
    /// `false`: a redirect is the answer, to check its status and `Location` (default true).
    #[serde(rename = "follow-redirects")]
    pub follow_redirects: Option<bool>,
    /// `false`: this step neither sends the jar's cookies nor keeps those it is given.
    pub cookies: Option<bool>,
    /// Sends the request this many times, one after another, for latency percentiles.
    pub repeat: Option<u32>,
    /// A file sent as the body as it is (path relative to the spec).
    #[serde(rename = "body-file")]
    pub body_file: Option<String>,
    /// The body's content type (default: from `json`, `form`, or the file's extension).
    #[serde(rename = "content-type")]
    pub content_type: Option<String>,
    /// A `multipart/form-data` body: text fields and files.
    pub multipart: Option<Multipart>,
    /// Makes the step a CORS preflight (an `OPTIONS` with `Origin`).
    pub cors: Option<Cors>,
    /// Makes the step a rate-limit probe: requests until a 429 comes back.
    #[serde(rename = "rate-limit")]
    pub rate_limit: Option<RateLimit>,
    /// A JSON Schema (2020-12) the JSON answer must satisfy: inline, or a file's path.
    pub schema: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Multipart {
    #[serde(default)]
    pub fields: BTreeMap<String, Text>,
    /// Part name to file path (relative to the spec); the content type follows the extension.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cors {
    pub origin: String,
    /// The method the preflight asks for (`Access-Control-Request-Method`, default GET).
    pub method: Option<String>,
    /// Headers the preflight asks for (`Access-Control-Request-Headers`).
    #[serde(default)]
    pub headers: Vec<String>,
    /// Whether the origin must be allowed (default) or refused.
    #[serde(default = "yes")]
    pub allowed: bool,
}

fn yes() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// At most this many requests, one after another, until one is refused with 429.
    pub requests: u32,
    /// Headers the 429 must carry.
    #[serde(default = "rate_limit_headers")]
    pub headers: Vec<String>,
}

fn rate_limit_headers() -> Vec<String> {
    ["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining"]
        .map(String::from)
        .to_vec()
}

/// The most requests a `repeat` or `rate-limit` step sends: a burst, never a load test.
pub const MAX_REPEAT: u32 = 1000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebSocket {
    pub path: Option<String>,
    pub url: Option<String>,
    #[serde(default)]
    pub headers: BTreeMap<String, Text>,
    pub origin: Option<String>,
    /// Messages sent once connected, in order.
    #[serde(default)]
    pub send: Vec<Message>,
    /// How long to wait for a message that matches `expect` (default 10s).
    pub within: Option<Dur>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Message {
    pub json: Option<serde_json::Value>,
    pub text: Option<String>,
    /// A binary frame, written in base64.
    pub binary: Option<String>,
    /// A text message of this many bytes, to test the service's size limit.
    pub size: Option<usize>,
    /// A ping with this payload; the step waits for its pong.
    pub ping: Option<String>,
}

/// The largest message a `size` can ask for.
pub const MAX_SIZE_MESSAGE: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    pub status: Option<StatusSet>,
    #[serde(default)]
    pub headers: BTreeMap<String, HeaderExpect>,
    /// Longest acceptable time to the response headers.
    pub latency: Option<Dur>,
    #[serde(default)]
    pub json: Vec<JsonAssert>,
    pub body: Option<Predicate>,
    /// Latency percentiles over the step's `repeat` requests (nearest rank).
    pub p50: Option<Dur>,
    pub p95: Option<Dur>,
    pub p99: Option<Dur>,
    /// The served certificate (https only).
    pub certificate: Option<CertificateExpect>,
    /// WebSocket only: the server closes the connection with this code (and reason).
    pub close: Option<CloseExpect>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CertificateExpect {
    /// The certificate names the URL's host (default true).
    #[serde(rename = "valid-for-host", default = "yes")]
    pub valid_for_host: bool,
    /// The certificate does not expire within this many days.
    #[serde(rename = "min-days")]
    pub min_days: Option<u32>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseExpect {
    pub code: u16,
    pub reason: Option<Predicate>,
}

impl Expect {
    pub fn percentiles(&self) -> Vec<(u8, Duration)> {
        [(50, self.p50), (95, self.p95), (99, self.p99)]
            .into_iter()
            .filter_map(|(p, d)| d.map(|d| (p, d.0)))
            .collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum StatusSet {
    One(u16),
    Any(Vec<u16>),
}

impl StatusSet {
    pub fn allows(&self, status: u16) -> bool {
        match self {
            StatusSet::One(s) => *s == status,
            StatusSet::Any(list) => list.contains(&status),
        }
    }

    pub fn describe(&self) -> String {
        match self {
            StatusSet::One(s) => s.to_string(),
            StatusSet::Any(list) => list
                .iter()
                .map(u16::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum HeaderExpect {
    Equals(Text),
    Predicate(Predicate),
}

/// Checks on a text: a header or the body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predicate {
    pub equals: Option<String>,
    pub contains: Option<String>,
    pub matches: Option<String>,
    pub exists: Option<bool>,
}

/// A JSONPath (RFC 9535) and the checks on what it selects.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JsonAssert {
    pub path: String,
    pub equals: Option<serde_json::Value>,
    #[serde(rename = "not-equals")]
    pub not_equals: Option<serde_json::Value>,
    pub exists: Option<bool>,
    #[serde(rename = "type")]
    pub kind: Option<JsonType>,
    pub contains: Option<serde_json::Value>,
    pub matches: Option<String>,
    pub lt: Option<f64>,
    pub le: Option<f64>,
    pub gt: Option<f64>,
    pub ge: Option<f64>,
    /// Number of nodes the path selects.
    pub count: Option<usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum JsonType {
    String,
    Number,
    Integer,
    Boolean,
    Object,
    Array,
    Null,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Capture {
    pub json: Option<String>,
    pub header: Option<String>,
    /// A regex on the body; its first group (or the whole match) is captured.
    pub regex: Option<String>,
    /// Register the captured value as a secret (masked and redacted).
    #[serde(default)]
    pub secret: bool,
}

/// A file of shared steps (`include:`): a `steps:` list and nothing else.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Included {
    pub steps: Vec<Step>,
    #[serde(skip)]
    pub file: String,
    #[serde(skip)]
    pub text: String,
}

/// Parses an included file of steps, named `file` in its errors.
pub fn parse_included(text: &str, file: &str) -> Result<Included, SpecError> {
    let in_file = |e: SpecError| SpecError {
        file: Some(file.to_string()),
        ..e
    };
    if text.trim().is_empty() {
        return Err(in_file(SpecError::at("the file is empty", None)));
    }
    let mut inc = crate::yaml::from_str::<Included>(text).map_err(|e| in_file(yaml_error(e)))?;
    inc.file = file.to_string();
    inc.text = text.to_string();
    Ok(inc)
}

fn yaml_error(e: crate::yaml::Error) -> SpecError {
    let line = e.location().map(|l| l.line() as u32);
    let message = e.to_string();
    // yaml_serde appends " at line N column M"; the line goes to the annotation instead.
    let message = match message.find(" at line ") {
        Some(i) => message[..i].to_string(),
        None => message,
    };
    SpecError::at(message, line)
}

/// Parses a spec. Errors carry the line yaml_serde reports.
pub fn parse(text: &str) -> Result<Spec, SpecError> {
    if text.trim().is_empty() {
        return Err(SpecError::at("the spec is empty", None));
    }
    crate::yaml::from_str::<Spec>(text).map_err(yaml_error)
}

/// The 1-based line of each item of the top-level `steps:` list, and of the `wait:`,
/// `version:` and `steps:` keys, read from the spanned YAML tree (yaml_serde reports positions
/// only in errors).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lines {
    pub steps: Vec<u32>,
    pub wait: Option<u32>,
    pub version: Option<u32>,
    pub steps_key: Option<u32>,
}

/// The spec's first document as a spanned tree; None when it does not load (the parse has
/// already reported why).
fn tree(text: &str) -> Option<crate::yaml::Node> {
    crate::yaml::documents(text).ok()?.into_iter().next()
}

pub fn lines(text: &str) -> Lines {
    let Some(root) = tree(text) else {
        return Lines::default();
    };
    let key_line = |key: &str| root.entry(key).map(|(k, _)| k.line as u32);
    let steps_key = key_line("steps");
    Lines {
        steps: root
            .get("steps")
            .and_then(|s| s.as_seq())
            .map(|items| items.iter().map(|n| n.line as u32).collect())
            .unwrap_or_default(),
        wait: key_line("wait"),
        version: key_line("version"),
        steps_key,
    }
}

/// Where a planned check stands in the spec, for lines of its keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Wait,
    Step(usize),
}

/// The one lookup behind every spec line a finding names: the line of the key at the end of
/// `keys` under `place` (the whole spec when None), e.g. `expect` → `p95` of the third step.
pub fn key_line(text: &str, place: Option<Place>, keys: &[&str]) -> Option<u32> {
    use crate::yaml::PathItem;
    let root = tree(text)?;
    let mut path: Vec<PathItem> = match place {
        Some(Place::Wait) => vec![PathItem::Key("wait")],
        Some(Place::Step(i)) => vec![PathItem::Key("steps"), PathItem::Index(i)],
        None => Vec::new(),
    };
    let (last, parents) = keys.split_last()?;
    path.extend(parents.iter().map(|k| PathItem::Key(k)));
    let (key, _) = root.at(&path)?.entry(last)?;
    Some(key.line as u32)
}

/// The line of the JSON assertion (`expect.json[k]`) on `json_path` that holds `check` (any,
/// when None): several assertions may share a path, so the one with the failing check wins.
pub fn json_assert_line(
    text: &str,
    place: Place,
    json_path: &str,
    check: Option<&str>,
) -> Option<u32> {
    use crate::yaml::PathItem;
    let root = tree(text)?;
    let base = match place {
        Place::Wait => vec![PathItem::Key("wait")],
        Place::Step(i) => vec![PathItem::Key("steps"), PathItem::Index(i)],
    };
    let path: Vec<PathItem> = base
        .into_iter()
        .chain([PathItem::Key("expect"), PathItem::Key("json")])
        .collect();
    let items = root.at(&path)?.as_seq()?;
    let on_path: Vec<&crate::yaml::Node> = items
        .iter()
        .filter(|item| item.get("path").and_then(|p| p.as_str()) == Some(json_path))
        .collect();
    let chosen = check
        .and_then(|c| on_path.iter().find(|item| item.entry(c).is_some()))
        .or(on_path.first())?;
    chosen.entry("path").map(|(k, _)| k.line as u32)
}

/// The 1-based line of the first `${name}` in the text.
pub fn line_of_var(text: &str, name: &str) -> Option<u32> {
    let needle = format!("${{{name}}}");
    text.lines()
        .position(|l| l.contains(&needle))
        .map(|i| i as u32 + 1)
}

/// A step after checks, ready to run.
#[derive(Debug, Clone)]
pub struct Planned {
    pub name: String,
    pub line: Option<u32>,
    pub step: Step,
    /// Indexes of the steps that must finish first.
    pub needs: Vec<usize>,
    /// Variables the step uses.
    pub uses: BTreeSet<String>,
    /// Set on the version step: the answer must report `expect-version`.
    pub version: Option<VersionCheck>,
    /// Where it stands in the spec (None: the version check, a preset).
    pub place: Option<Place>,
    /// The included file it comes from (index into `Plan::included`); None: the spec.
    pub source: Option<usize>,
}

/// The run plan: the wait stage, the version check, the steps with their dependencies, and the
/// static variables.
#[derive(Debug, Clone)]
pub struct Plan {
    pub wait: Option<Planned>,
    /// The version check, after the wait stage and before the steps (set by the caller).
    pub version: Option<Planned>,
    pub steps: Vec<Planned>,
    pub concurrency: usize,
    pub defaults: Defaults,
    /// The included files (name and text), for the lines of their steps.
    pub included: Vec<(String, String)>,
}

/// Checks a spec and orders it: every `${var}` must be a spec variable, a known one (`known`:
/// inputs, built-ins, environment; spec variables may use only these) or captured by an earlier
/// step; `after` names must exist; every step needs
/// exactly one target. Errors point at lines found in `text`.
pub fn plan(
    spec: Spec,
    text: &str,
    known: &dyn Fn(&str) -> bool,
    has_base_url: bool,
) -> Result<Plan, SpecError> {
    let lines = lines(text);
    let mut known_here: BTreeSet<String> = spec.vars.keys().cloned().collect();
    let defined = |name: &str, here: &BTreeSet<String>| here.contains(name) || known(name);

    let undefined = |name: &str, fallback: Option<u32>, text: &str| {
        SpecError::at(
            format!(
                "variable ${{{name}}} is never defined: set it in vars, the vars or secrets input, the environment, or capture it in an earlier step"
            ),
            line_of_var(text, name).or(fallback),
        )
    };

    for (name, value) in &spec.vars {
        for used in super::vars::names(&value.0) {
            if !known(&used) {
                return Err(undefined(&used, None, text));
            }
        }
        check_name(name, None)?;
    }
    for (name, value) in &spec.defaults.headers {
        for used in super::vars::names(&value.0) {
            if !defined(&used, &known_here) {
                return Err(undefined(&used, None, text));
            }
        }
        let _ = name;
    }

    let wait = match spec.wait {
        Some(step) => {
            let line = lines.wait;
            check_step(&step, line, has_base_url, true)?;
            let uses = step_vars(&step);
            if let Some(name) = uses.iter().find(|n| !defined(n, &known_here)) {
                return Err(undefined(name, line, text));
            }
            Some(Planned {
                name: step.name.clone().unwrap_or_else(|| "wait".into()),
                line,
                step,
                needs: Vec::new(),
                uses,
                version: None,
                place: Some(Place::Wait),
                source: None,
            })
        }
        None => None,
    };

    let mut steps: Vec<Planned> = Vec::new();
    let mut captured_by: BTreeMap<String, usize> = BTreeMap::new();
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    // Included steps first, in include order, then the spec's own: each with its file's lines.
    let included_lines: Vec<Lines> = spec.included.iter().map(|f| self::lines(&f.text)).collect();
    let mut all: Vec<(Option<usize>, usize, Step)> = Vec::new();
    for (k, f) in spec.included.iter().enumerate() {
        all.extend(
            f.steps
                .iter()
                .cloned()
                .enumerate()
                .map(|(j, s)| (Some(k), j, s)),
        );
    }
    all.extend(
        spec.steps
            .into_iter()
            .enumerate()
            .map(|(j, s)| (None, j, s)),
    );
    for (i, (source, j, step)) in all.into_iter().enumerate() {
        let (lines, text) = match source {
            Some(k) => (&included_lines[k], spec.included[k].text.as_str()),
            None => (&lines, text),
        };
        let in_source = |e: SpecError| SpecError {
            file: source.map(|k| spec.included[k].file.clone()),
            ..e
        };
        let undefined =
            |name: &str, fallback: Option<u32>| in_source(undefined(name, fallback, text));
        let line = lines.steps.get(j).copied().or(lines.steps_key);
        check_step(&step, line, has_base_url, false).map_err(in_source)?;
        let uses = step_vars(&step);
        let mut needs = BTreeSet::new();
        for name in &uses {
            if let Some(&j) = captured_by.get(name) {
                needs.insert(j);
            } else if !defined(name, &known_here) {
                return Err(undefined(name, line));
            }
        }
        for after in &step.after {
            match names.get(after) {
                Some(&j) => {
                    needs.insert(j);
                }
                None => {
                    return Err(in_source(SpecError::at(
                        format!("`after: {after}` names no earlier step"),
                        line,
                    )));
                }
            }
        }
        let name = step.name.clone().unwrap_or_else(|| default_name(&step, i));
        if names.insert(name.clone(), i).is_some() {
            return Err(in_source(SpecError::at(
                format!("two steps are named {name:?}; names must be unique"),
                line,
            )));
        }
        for var in step.capture.keys() {
            check_name(var, line).map_err(in_source)?;
            captured_by.insert(var.clone(), i);
            known_here.insert(var.clone());
        }
        steps.push(Planned {
            name,
            line,
            step,
            needs: needs.into_iter().collect(),
            uses,
            version: None,
            place: Some(Place::Step(j)),
            source,
        });
    }
    if let Some(v) = &spec.version
        && let Some(p) = &v.json
    {
        check_path(p, "version", lines.version)?;
    }
    let concurrency = spec.concurrency.unwrap_or(8);
    if concurrency == 0 {
        return Err(SpecError::at("concurrency must be at least 1", None));
    }
    Ok(Plan {
        wait,
        version: None,
        steps,
        concurrency,
        defaults: spec.defaults,
        included: spec
            .included
            .into_iter()
            .map(|f| (f.file, f.text))
            .collect(),
    })
}

fn check_name(name: &str, line: Option<u32>) -> Result<(), SpecError> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.');
    if ok {
        Ok(())
    } else {
        Err(SpecError::at(
            format!("{name:?} is not a variable name (letters, digits, _ - .)"),
            line,
        ))
    }
}

fn default_name(step: &Step, i: usize) -> String {
    let target = step
        .websocket
        .as_ref()
        .and_then(|w| w.path.clone().or(w.url.clone()))
        .map(|t| format!("websocket {t}"))
        .or_else(|| {
            step.path.clone().or(step.url.clone()).map(|t| {
                format!(
                    "{} {t}",
                    step.method.as_deref().unwrap_or("GET").to_uppercase()
                )
            })
        })
        .unwrap_or_default();
    format!("step {}: {target}", i + 1)
}

fn check_step(
    step: &Step,
    line: Option<u32>,
    has_base_url: bool,
    is_wait: bool,
) -> Result<(), SpecError> {
    let err = |m: String| Err(SpecError::at(m, line));
    let what = step
        .name
        .as_deref()
        .unwrap_or(if is_wait { "wait" } else { "step" });
    if !is_wait && (step.every.is_some() || step.within.is_some()) {
        return err(format!(
            "{what}: `every` and `within` belong to `wait` (a WebSocket step sets `within` under `websocket`)"
        ));
    }
    let needs_base = |path: &Option<String>, url: &Option<String>| match (path, url) {
        (Some(_), Some(_)) => err(format!("{what}: give `path` or `url`, not both")),
        (None, None) => err(format!("{what}: needs a `path` or a `url`")),
        (Some(_), None) if !has_base_url => err(format!(
            "{what}: `path` needs the base-url input (or use `url`)"
        )),
        _ => Ok(()),
    };
    if let Some(ws) = &step.websocket {
        if is_wait {
            return err("wait cannot be a WebSocket step".into());
        }
        if step.path.is_some()
            || step.url.is_some()
            || step.method.is_some()
            || step.json.is_some()
            || step.form.is_some()
            || step.body.is_some()
            || !step.query.is_empty()
            || !step.headers.is_empty()
        {
            return err(format!(
                "{what}: a WebSocket step sets path, url and headers under `websocket`, and sends with `send`"
            ));
        }
        if step.expect.status.is_some()
            || !step.expect.headers.is_empty()
            || step.expect.latency.is_some()
        {
            return err(format!(
                "{what}: a WebSocket step checks the message it receives: `expect` takes `json` and `body`"
            ));
        }
        if step.capture.values().any(|c| c.header.is_some()) {
            return err(format!(
                "{what}: a WebSocket message has no headers to capture"
            ));
        }
        for m in &ws.send {
            let kinds = [
                m.json.is_some(),
                m.text.is_some(),
                m.binary.is_some(),
                m.size.is_some(),
                m.ping.is_some(),
            ];
            if kinds.iter().filter(|k| **k).count() != 1 {
                return err(format!(
                    "{what}: each message to send has exactly one of `json`, `text`, `binary`, `size` or `ping`"
                ));
            }
            if let Some(b) = &m.binary
                && base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b).is_err()
            {
                return err(format!("{what}: `binary` must be base64"));
            }
            if m.size.is_some_and(|n| n == 0 || n > MAX_SIZE_MESSAGE) {
                return err(format!(
                    "{what}: `size` must be between 1 and {MAX_SIZE_MESSAGE} bytes"
                ));
            }
        }
        if step.follow_redirects.is_some()
            || step.cookies.is_some()
            || step.repeat.is_some()
            || step.cors.is_some()
            || step.rate_limit.is_some()
            || step.body_file.is_some()
            || step.multipart.is_some()
            || step.content_type.is_some()
            || step.expect.certificate.is_some()
            || !step.expect.percentiles().is_empty()
        {
            return err(format!(
                "{what}: a WebSocket step takes none of follow-redirects, cookies, repeat, cors, rate-limit, body-file, multipart, content-type, certificate or percentiles"
            ));
        }
        if step.schema.is_some() {
            return err(format!(
                "{what}: `schema` checks HTTP answers; a WebSocket step checks messages with `expect.json`"
            ));
        }
        if let Some(c) = &step.expect.close
            && !(1000..=4999).contains(&c.code)
        {
            return err(format!(
                "{what}: close code {} is not a WebSocket close code (1000-4999)",
                c.code
            ));
        }
        needs_base(&ws.path, &ws.url)?;
    } else {
        needs_base(&step.path, &step.url)?;
        let bodies = [
            step.json.is_some(),
            step.form.is_some(),
            step.body.is_some(),
        ];
        let bodies = [
            bodies[0],
            bodies[1],
            bodies[2],
            step.body_file.is_some(),
            step.multipart.is_some(),
        ];
        if bodies.iter().filter(|b| **b).count() > 1 {
            return err(format!(
                "{what}: give one of `json`, `form`, `body`, `body-file` or `multipart`"
            ));
        }
        if step.content_type.is_some() && step.body.is_none() && step.body_file.is_none() {
            return err(format!(
                "{what}: `content-type` goes with `body` or `body-file`"
            ));
        }
        if step.expect.close.is_some() {
            return err(format!("{what}: `close` is for WebSocket steps"));
        }
        if let Some(schema) = &step.schema
            && !(schema.is_string() || schema.is_object() || schema.is_boolean())
        {
            return err(format!(
                "{what}: `schema` is a JSON Schema (a mapping) or the path of a schema file"
            ));
        }
        if let Some(n) = step.repeat
            && !(1..=MAX_REPEAT).contains(&n)
        {
            return err(format!(
                "{what}: repeat must be between 1 and {MAX_REPEAT} (a burst, not a load test)"
            ));
        }
        if !step.expect.percentiles().is_empty() && step.repeat.is_none_or(|n| n < 2) {
            return err(format!(
                "{what}: p50, p95 and p99 need `repeat` of 2 or more requests"
            ));
        }
        if let Some(c) = &step.cors {
            if step.method.is_some() || bodies.iter().any(|b| *b) || step.rate_limit.is_some() {
                return err(format!(
                    "{what}: a cors step sends its own OPTIONS request: no method, body or rate-limit"
                ));
            }
            if let Some(m) = &c.method
                && !is_method(m)
            {
                return err(format!("{what}: unknown method {m:?}"));
            }
        }
        if let Some(r) = &step.rate_limit {
            if !(1..=MAX_REPEAT).contains(&r.requests) {
                return err(format!(
                    "{what}: rate-limit.requests must be between 1 and {MAX_REPEAT}"
                ));
            }
            if step.repeat.is_some() {
                return err(format!("{what}: give `repeat` or `rate-limit`, not both"));
            }
        }
        if let Some(m) = &step.method
            && !is_method(m)
        {
            return err(format!("{what}: unknown method {m:?}"));
        }
    }
    if let Some(c) = &step.condition
        && let Err(e) = super::vars::check_condition(c)
    {
        return err(format!("{what}: if: {e}"));
    }
    if is_wait
        && (step.condition.is_some()
            || step.repeat.is_some()
            || step.cors.is_some()
            || step.rate_limit.is_some())
    {
        return err("wait takes none of if, repeat, cors or rate-limit".into());
    }
    for (var, c) in &step.capture {
        let count = [c.json.is_some(), c.header.is_some(), c.regex.is_some()]
            .iter()
            .filter(|b| **b)
            .count();
        if count != 1 {
            return err(format!(
                "{what}: capture {var} needs exactly one of `json`, `header` or `regex`"
            ));
        }
        if let Some(p) = &c.json {
            check_path(p, what, line)?;
        }
        if let Some(r) = &c.regex {
            check_regex(r, what, line)?;
        }
    }
    for a in &step.expect.json {
        if !a.path.contains("${") {
            check_path(&a.path, what, line)?;
        }
        if let Some(r) = &a.matches {
            check_regex(r, what, line)?;
        }
    }
    let preds = step
        .expect
        .headers
        .values()
        .filter_map(|h| match h {
            HeaderExpect::Predicate(p) => Some(p),
            HeaderExpect::Equals(_) => None,
        })
        .chain(step.expect.body.as_ref());
    for p in preds {
        if let Some(r) = &p.matches {
            check_regex(r, what, line)?;
        }
    }
    if let Some(r) = &step.retry
        && r.attempts == 0
    {
        return err(format!("{what}: retry.attempts must be at least 1"));
    }
    Ok(())
}

fn is_method(m: &str) -> bool {
    ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
        .contains(&m.to_uppercase().as_str())
}

fn check_path(path: &str, what: &str, line: Option<u32>) -> Result<(), SpecError> {
    serde_json_path::JsonPath::parse(path)
        .map(|_| ())
        .map_err(|e| SpecError::at(format!("{what}: JSONPath {path:?} is invalid: {e}"), line))
}

fn check_regex(re: &str, what: &str, line: Option<u32>) -> Result<(), SpecError> {
    regex::Regex::new(re)
        .map(|_| ())
        .map_err(|e| SpecError::at(format!("{what}: regex {re:?} is invalid: {e}"), line))
}

/// Every variable a step uses, in any of its strings.
pub fn step_vars(step: &Step) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut add = |s: &str| out.extend(super::vars::names(s));
    for s in [&step.path, &step.url, &step.body, &step.condition]
        .into_iter()
        .flatten()
    {
        add(s);
    }
    if let Some(m) = &step.multipart {
        m.fields.values().for_each(|v| add(&v.0));
    }
    if let Some(c) = &step.cors {
        add(&c.origin);
    }
    for v in step.headers.values().chain(step.query.values()) {
        add(&v.0);
    }
    if let Some(form) = &step.form {
        form.values().for_each(|v| add(&v.0));
    }
    let mut values: Vec<&serde_json::Value> = step.json.iter().collect();
    if let Some(ws) = &step.websocket {
        for s in [&ws.path, &ws.url, &ws.origin].into_iter().flatten() {
            add(s);
        }
        ws.headers.values().for_each(|v| add(&v.0));
        for m in &ws.send {
            values.extend(m.json.iter());
            if let Some(t) = &m.text {
                add(t);
            }
        }
    }
    for a in &step.expect.json {
        add(&a.path);
        values.extend(a.equals.iter().chain(&a.not_equals).chain(&a.contains));
        if let Some(m) = &a.matches {
            add(m);
        }
    }
    for h in step.expect.headers.values() {
        match h {
            HeaderExpect::Equals(t) => add(&t.0),
            HeaderExpect::Predicate(p) => {
                for s in [&p.equals, &p.contains].into_iter().flatten() {
                    add(s);
                }
            }
        }
    }
    if let Some(p) = &step.expect.body {
        for s in [&p.equals, &p.contains].into_iter().flatten() {
            add(s);
        }
    }
    for v in values {
        json_strings(v, &mut add);
    }
    out
}

fn json_strings(v: &serde_json::Value, add: &mut dyn FnMut(&str)) {
    match v {
        serde_json::Value::String(s) => add(s),
        serde_json::Value::Array(a) => a.iter().for_each(|x| json_strings(x, add)),
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                add(k);
                json_strings(x, add);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan_of(text: &str) -> Result<Plan, SpecError> {
        plan(parse(text)?, text, &|n| n == "token", true)
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("3"), Ok(Duration::from_secs(3)));
        assert_eq!(parse_duration("1.5s"), Ok(Duration::from_millis(1500)));
        assert!(parse_duration("soon").is_err());
        // Days parse (main's one grammar), but no smoke check waits past a week.
        assert!(parse_duration("5d").is_err());
    }

    #[test]
    fn unknown_key_points_at_its_line() {
        let text = "steps:\n  - path: /a\n    expect:\n      stauts: 200\n";
        let e = plan_of(text).unwrap_err();
        assert_eq!(e.line, Some(4), "{e:?}");
        assert!(e.message.contains("stauts"), "{}", e.message);
    }

    #[test]
    fn undefined_variable_points_at_its_line() {
        let text = "steps:\n  - name: a\n    path: /a\n  - name: b\n    path: /b/${draft}\n";
        let e = plan_of(text).unwrap_err();
        assert_eq!(e.line, Some(5));
        assert!(e.message.contains("${draft}"));
    }

    #[test]
    fn captures_make_dependencies_and_variables() {
        let text = "\
steps:
  - name: create
    method: POST
    path: /drafts
    headers: {Authorization: 'Bearer ${token}'}
    capture:
      id: {json: $.id}
  - name: other
    path: /healthz
  - name: use
    path: /drafts/${id}
    after: [other]
";
        let p = plan_of(text).unwrap();
        assert_eq!(p.steps.len(), 3);
        assert_eq!(p.steps[0].needs, Vec::<usize>::new());
        assert_eq!(p.steps[1].needs, Vec::<usize>::new());
        assert_eq!(p.steps[2].needs, vec![0, 1]);
        assert_eq!(
            p.steps.iter().map(|s| s.line).collect::<Vec<_>>(),
            vec![Some(2), Some(8), Some(10)]
        );
    }

    #[test]
    fn spec_vars_use_known_variables_only() {
        let text = "vars:\n  a: '${token}'\n  b: '${a}'\nsteps:\n  - path: /${b}\n";
        let e = plan_of(text).unwrap_err();
        assert_eq!(e.line, Some(3), "{e:?}");
    }

    #[test]
    fn a_capture_of_a_later_step_is_not_defined_yet() {
        let text = "steps:\n  - path: /b/${id}\n  - path: /a\n    capture: {id: {json: $.id}}\n";
        assert_eq!(plan_of(text).unwrap_err().line, Some(2));
    }

    #[test]
    fn bad_jsonpath_regex_and_shape_are_errors() {
        for (text, needle) in [
            (
                "steps:\n  - path: /a\n    expect: {json: [{path: 'id', exists: true}]}\n",
                "JSONPath",
            ),
            (
                "steps:\n  - path: /a\n    expect: {body: {matches: '('}}\n",
                "regex",
            ),
            ("steps:\n  - path: /a\n    url: http://x/\n", "not both"),
            ("steps:\n  - name: x\n", "needs a `path`"),
            (
                "steps:\n  - path: /a\n    json: {}\n    body: x\n",
                "one of",
            ),
            (
                "steps:\n  - path: /a\n    capture: {x: {}}\n",
                "exactly one",
            ),
            (
                "steps:\n  - websocket: {path: /ws, send: [{}]}\n",
                "exactly one",
            ),
            (
                "steps:\n  - path: /a\n    after: [nope]\n",
                "names no earlier",
            ),
            ("steps:\n  - path: /a\n    timeout: soon\n", "duration"),
        ] {
            let e = plan_of(text).unwrap_err();
            assert!(e.message.contains(needle), "{text}: {}", e.message);
            assert!(e.line.is_some(), "{text}");
        }
    }

    #[test]
    fn path_without_base_url_is_an_error() {
        let text = "steps:\n  - path: /a\n";
        let e = plan(parse(text).unwrap(), text, &|_| false, false).unwrap_err();
        assert!(e.message.contains("base-url"));
    }

    #[test]
    fn step_lines_skip_nested_lists() {
        let text = "vars: {a: 1}\nsteps:\n  - path: /a\n    expect:\n      json:\n        - path: $.x\n          exists: true\n\n  # comment\n  - path: /b\nwait:\n  path: /readyz\n";
        let l = lines(text);
        assert_eq!(l.steps, vec![3, 10]);
        assert_eq!(l.wait, Some(11));
        assert_eq!(
            key_line(text, Some(Place::Step(0)), &["expect", "json"]),
            Some(5)
        );
        assert_eq!(key_line(text, Some(Place::Wait), &["path"]), Some(12));
        assert_eq!(key_line(text, None, &["vars"]), Some(1));
        assert_eq!(key_line(text, Some(Place::Step(1)), &["expect"]), None);
        assert_eq!(
            json_assert_line(text, Place::Step(0), "$.x", Some("exists")),
            Some(6)
        );
        assert_eq!(json_assert_line(text, Place::Step(0), "$.y", None), None);
    }
}
