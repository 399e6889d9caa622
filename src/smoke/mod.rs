//! `ready smoke`: post-deploy checks over HTTP and WebSocket. Waits for readiness, checks the
//! version the service reports, then walks the spec's steps (captures, JSONPath assertions,
//! retries, WebSocket messages), independent steps concurrently. Fails the job when the service
//! is wrong; no secret reaches any log or report.

mod body;
pub mod cert;
pub mod check;
mod cookies;
mod exec;
mod http_step;
pub mod junit;
mod net;
mod present;
mod report_json;
mod schema;
pub mod spec;
pub mod vars;
mod ws_step;

use crate::report::{Failure, Finding, Location, Report};
use exec::StepResult;
use spec::{Plan, Planned, Spec, Step, VersionCheck};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

pub const NAME: &str = "smoke";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: Some(|inputs, base| crate::actions::run_as_gate(NAME, inputs, base, run)),
    needs: crate::actions::Needs {
        network: Some("the deployed service"),
        network_when: None,
        offline_with: None,
        github_token: None,
    },
};

const DEFAULT_TIMEOUT: &str = "5m";

/// Post-deploy smoke checks over HTTP and WebSocket.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// The smoke spec, a YAML file (see docs/smoke.md).
    #[arg(long, env = "INPUT_SPEC", value_hint = clap::ValueHint::FilePath)]
    pub spec: Option<String>,
    /// The service's base URL; step paths are relative to it. Several lines (`name=url`) run
    /// the spec against each target, reported on its own.
    #[arg(long = "base-url", env = "INPUT_BASE_URL")]
    pub base_url: Option<String>,
    /// Variables, one `name=value` per line.
    #[arg(long, env = "INPUT_VARS", default_value = "")]
    pub vars: String,
    /// Secret variables, one `name=value` per line: masked and redacted everywhere.
    #[arg(
        long,
        env = "INPUT_SECRETS",
        default_value = "",
        hide_env_values = true
    )]
    pub secrets: String,
    /// The version (commit sha) the service must report at its version endpoint.
    #[arg(long = "expect-version", env = "INPUT_EXPECT_VERSION")]
    pub expect_version: Option<String>,
    /// Overall deadline for the whole run, e.g. 5m, 90s.
    #[arg(long, env = "INPUT_TIMEOUT", default_value = DEFAULT_TIMEOUT)]
    pub timeout: String,
    /// Where to write a JUnit XML report (one test case per step).
    #[arg(long, env = "INPUT_JUNIT", value_hint = clap::ValueHint::FilePath)]
    pub junit: Option<String>,
    /// A built-in spec: `health` waits for /readyz, then checks /version, then /healthz.
    #[arg(long, env = "INPUT_PRESET")]
    pub preset: Option<String>,
    /// Where to write a JSON report (every step, timing, assertion; redacted).
    #[arg(long = "json-report", env = "INPUT_JSON_REPORT")]
    pub json_report: Option<String>,
    /// A PEM file of CA certificates to trust besides the system's (an internal CA).
    #[arg(long = "ca-cert", env = "INPUT_CA_CERT")]
    pub ca_cert: Option<String>,
    /// A PEM client certificate (chain) for mutual TLS; needs client-key.
    #[arg(long = "client-cert", env = "INPUT_CLIENT_CERT")]
    pub client_cert: Option<String>,
    /// The PEM private key of client-cert.
    #[arg(long = "client-key", env = "INPUT_CLIENT_KEY")]
    pub client_key: Option<String>,
    /// Accept any TLS certificate (never the default; a warning says so in every run).
    #[arg(long, env = "INPUT_INSECURE")]
    pub insecure: Option<String>,
    /// An HTTP proxy for every request and WebSocket (http://host:port).
    #[arg(long, env = "INPUT_PROXY")]
    pub proxy: Option<String>,
    /// Address overrides, one `host:port:address` per line, as curl's --resolve.
    #[arg(long, env = "INPUT_RESOLVE", default_value = "")]
    pub resolve: String,
}

pub fn run(args: Args) -> Result<Report, Failure> {
    // Secrets first: nothing may be printed before they are masked.
    let secrets = vars::parse_lines(&args.secrets, "secrets").map_err(Failure::invalid)?;
    for value in secrets.values() {
        crate::gha::secrets::register(value);
    }
    let inputs = vars::parse_lines(&args.vars, "vars").map_err(Failure::invalid)?;
    let spec_path = args
        .spec
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from);
    let targets = parse_targets(args.base_url.as_deref().unwrap_or_default())?;
    let base_url = targets.first().map(|(_, url)| url.clone());
    let expect_version = args
        .expect_version
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty());
    let preset = args.preset.filter(|s| !s.trim().is_empty());
    let junit_path = args
        .junit
        .filter(|p| !p.trim().is_empty())
        .map(PathBuf::from);
    let json_report_path = crate::inputs::given(&args.json_report).map(PathBuf::from);
    let insecure = crate::inputs::flag(&args.insecure, "insecure", false)?;
    let proxy = match crate::inputs::given(&args.proxy) {
        Some(p) => {
            let url = reqwest::Url::parse(p)
                .map_err(|e| Failure::invalid(format!("proxy {p:?} is not a URL: {e}")))?;
            crate::gha::secrets::register_url_credentials(&url);
            // WebSocket tunnels speak plain HTTP to the proxy, so one TLS proxy would serve
            // HTTP steps only: refused rather than half supported.
            if url.scheme() != "http" || url.host_str().is_none() {
                return Err(Failure::invalid(
                    "proxy must be an http:// URL with a host (http://proxy:3128); a proxy reached over TLS is not supported",
                ));
            }
            Some(url)
        }
        None => None,
    };
    let net_options = net::Options {
        ca_cert: crate::inputs::given(&args.ca_cert).map(String::from),
        client_cert: crate::inputs::given(&args.client_cert).map(String::from),
        client_key: crate::inputs::given(&args.client_key).map(String::from),
        insecure,
        proxy,
        resolve: net::parse_resolve(&args.resolve).map_err(Failure::invalid)?,
    };
    let timeout_text = match args.timeout.trim() {
        "" => DEFAULT_TIMEOUT.to_string(),
        t => t.to_string(),
    };
    let timeout = spec::parse_duration(&timeout_text)
        .map_err(|e| Failure::invalid(format!("timeout: {e}")))?;
    if timeout.is_zero() {
        return Err(Failure::invalid("timeout must be more than zero"));
    }

    let (spec, text, file) = match (&spec_path, preset.as_deref()) {
        (Some(_), Some(_)) => {
            return Err(Failure::invalid("give either spec or preset, not both"));
        }
        (None, None) => {
            return Err(Failure::invalid(
                "give a spec file (spec) or a preset (preset: health)",
            ));
        }
        (None, Some("health")) => {
            if base_url.is_none() {
                return Err(Failure::invalid("preset health needs base-url"));
            }
            (health_preset(), String::new(), "preset health".to_string())
        }
        (None, Some(other)) => {
            return Err(Failure::invalid(format!(
                "unknown preset {other:?}; the presets are: health"
            )));
        }
        (Some(path), None) => {
            let text = std::fs::read_to_string(path).map_err(|e| {
                Failure::invalid(format!("cannot read spec {}: {e}", path.display()))
            })?;
            let file = path.display().to_string();
            let mut spec = spec::parse(&text).map_err(|e| spec_error(&file, e))?;
            read_includes(&mut spec, path, &file, &text)?;
            (spec, text, file)
        }
    };

    // The variables of one target: built-ins, inputs, secrets, then the spec's own, which may
    // use those and the environment (not each other).
    let spec_vars = spec.vars.clone();
    let given_for = |base: Option<&String>| {
        let mut given: BTreeMap<String, String> = BTreeMap::new();
        if let Some(b) = base {
            given.insert("base_url".into(), b.clone());
        }
        if let Some(v) = &expect_version {
            given.insert("expect_version".into(), v.clone());
        }
        given.extend(inputs.clone());
        given.extend(secrets.clone());
        given
    };
    let statics_for = |base: Option<&String>| {
        let given = given_for(base);
        let lookup_given = |name: &str| {
            given
                .get(name)
                .cloned()
                .or_else(|| std::env::var(name).ok())
        };
        let mut statics: BTreeMap<String, String> = spec_vars
            .iter()
            .map(|(k, v)| (k.clone(), vars::interpolate(&v.0, &lookup_given)))
            .collect();
        statics.extend(given);
        statics
    };
    let given = given_for(base_url.as_ref());
    let known = |name: &str| given.contains_key(name) || std::env::var_os(name).is_some();
    let version = spec.version.clone();
    let openapi = spec.openapi.clone();
    let plan = spec::plan(spec, &text, &known, base_url.is_some());
    let mut plan = plan.map_err(|e| spec_error(&file, e))?;
    add_version_check(&mut plan, version, expect_version.is_some(), &file)?;
    if plan.steps.is_empty() && plan.wait.is_none() && plan.version.is_none() {
        return Err(Failure::invalid_at(
            "the spec has no steps and no wait stage: nothing to check",
            Location::file(&file),
        ));
    }

    let spec_dir = spec_path
        .as_deref()
        .and_then(|p| p.parent())
        .map(PathBuf::from)
        .unwrap_or_default();
    let mut schemas = schema::Checks::default();
    if let Some(doc) = &openapi {
        schemas.add_openapi(&spec_dir.join(doc)).map_err(|e| {
            spec_error(
                &file,
                spec::SpecError {
                    message: e,
                    line: spec::key_line(&text, None, &["openapi"]),
                    file: None,
                },
            )
        })?;
    }
    for p in plan.steps.iter_mut() {
        // An included step's files are relative to its own file.
        let (step_file, step_dir) = match p.source {
            Some(k) => {
                let f = plan.included[k].0.clone();
                let d = std::path::Path::new(&f)
                    .parent()
                    .map(PathBuf::from)
                    .unwrap_or_default();
                (f, d)
            }
            None => (file.clone(), spec_dir.clone()),
        };
        let at_step = |message: String| {
            spec_error(
                &step_file,
                spec::SpecError {
                    message,
                    line: p.line,
                    file: None,
                },
            )
        };
        body::resolve_files(&mut p.step, &step_dir)
            .map_err(|e| at_step(format!("{}: {e}", p.name)))?;
        // Schemas are looked up by the step's name; an unnamed step gets its default one.
        p.step.name = Some(p.name.clone());
        if let Some(s) = &p.step.schema {
            schemas
                .add_step(&p.name, s, &step_dir)
                .map_err(|e| at_step(format!("{}: {e}", p.name)))?;
        }
    }
    let net = net::build(
        &net_options,
        &crate::http::Policy {
            timeout,
            ..Default::default()
        },
    )
    .map_err(Failure::invalid)?;
    let schemas = std::sync::Arc::new(schemas);
    let started = std::time::Instant::now();
    let runs = crate::runtime::block_on(async {
        // The deadline is measured on the runtime's clock, from here, for every target.
        let deadline = tokio::time::Instant::now() + timeout;
        let mut runs = Vec::new();
        let bases: Vec<(Option<String>, Option<String>)> = match targets.as_slice() {
            [] => vec![(None, None)],
            many => many
                .iter()
                .map(|(label, url)| (label.clone(), Some(url.clone())))
                .collect(),
        };
        // One target after another: each with its own cookies, reported on its own.
        for (label, base) in bases {
            let ctx = exec::Ctx {
                net: net.clone(),
                jar: Default::default(),
                schemas: schemas.clone(),
                vars: statics_for(base.as_ref()),
                base,
                defaults: plan.defaults.clone(),
                deadline,
                timeout_text: timeout_text.clone(),
                expect_version: expect_version.clone(),
            };
            runs.push((label, exec::run(&ctx, &plan).await));
        }
        runs
    });
    let total = started.elapsed();

    // With several targets each step is reported once per target, as `target: step`.
    let mut owned: Vec<(Planned, StepResult, bool)> = Vec::new();
    for (label, result) in runs {
        let named = |p: &Planned| match &label {
            Some(l) => Planned {
                name: format!("{l}: {}", p.name),
                ..p.clone()
            },
            None => p.clone(),
        };
        if let (Some(p), Some(r)) = (&plan.wait, result.wait) {
            owned.push((named(p), r, true));
        }
        if let (Some(p), Some(r)) = (&plan.version, result.version) {
            owned.push((named(p), r, false));
        }
        owned.extend(
            plan.steps
                .iter()
                .zip(result.steps)
                .map(|(p, r)| (named(p), r, false)),
        );
    }
    let rows: Vec<Row> = owned.iter().map(|(p, r, w)| (p, r, *w)).collect();
    let report_path = match &junit_path {
        Some(path) => {
            present::write_junit(path, &file, &rows)?;
            path.display().to_string()
        }
        None => String::new(),
    };
    let mut report = present::build_report(&file, &text, &plan.included, &rows, total, report_path);
    if insecure {
        report.findings.insert(
            0,
            Finding::warning(
                "insecure-tls",
                "TLS not verified",
                "insecure is on: TLS certificates are not verified, so this run does not prove it reached the real service",
            ),
        );
    }
    if let Some(path) = &json_report_path {
        let json = report_json::render(&file, &report, &rows, total);
        report_json::write(path, &json)?;
    }
    Ok(report)
}

/// The `base-url` input: one URL, or several lines (`name=url` or a URL, named after its
/// host), each a target the whole spec runs against.
fn parse_targets(text: &str) -> Result<Vec<(Option<String>, String)>, Failure> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let mut targets = Vec::new();
    for line in &lines {
        let (label, url_text) = match line.split_once('=') {
            Some((name, url)) if !name.contains("://") && !name.contains('/') => {
                (Some(name.trim().to_string()), url.trim())
            }
            _ => (None, *line),
        };
        let url = reqwest::Url::parse(url_text)
            .map_err(|e| Failure::invalid(format!("base-url {url_text:?} is not a URL: {e}")))?;
        crate::gha::secrets::register_url_credentials(&url);
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Failure::invalid("base-url must be an http or https URL"));
        }
        let label = match (label, lines.len()) {
            (Some(l), _) if l.is_empty() => {
                return Err(Failure::invalid(format!(
                    "base-url line {line:?}: the name before `=` is empty"
                )));
            }
            (l @ Some(_), _) => l,
            (None, 1) => None,
            (None, _) => Some(match url.port() {
                Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
                None => url.host_str().unwrap_or_default().to_string(),
            }),
        };
        targets.push((label, url_text.to_string()));
    }
    let mut seen = std::collections::BTreeSet::new();
    for (label, _) in &targets {
        if let Some(l) = label
            && !seen.insert(l.clone())
        {
            return Err(Failure::invalid(format!(
                "base-url: two targets are named {l:?}; give each line a name (name=url)"
            )));
        }
    }
    Ok(targets)
}

/// A step, its result, and whether it is the wait stage.
pub(crate) type Row<'a> = (&'a Planned, &'a StepResult, bool);

/// Reads the files a spec's `include:` names (relative to the spec), each a list of steps.
fn read_includes(
    spec: &mut Spec,
    path: &std::path::Path,
    file: &str,
    text: &str,
) -> Result<(), Failure> {
    let dir = path.parent().unwrap_or(std::path::Path::new(""));
    for name in spec.include.clone() {
        let included = dir.join(&name);
        let shown = included.display().to_string();
        let content = std::fs::read_to_string(&included).map_err(|e| {
            spec_error(
                file,
                spec::SpecError {
                    message: format!("include {name}: cannot read {shown}: {e}"),
                    line: spec::key_line(text, None, &["include"]),
                    file: None,
                },
            )
        })?;
        let inc = spec::parse_included(&content, &shown).map_err(|e| spec_error(file, e))?;
        spec.included.push(inc);
    }
    Ok(())
}

fn spec_error(file: &str, e: spec::SpecError) -> Failure {
    let file = e.file.as_deref().unwrap_or(file);
    let location = match e.line {
        Some(line) => Location::line(file, line),
        None => Location::file(file),
    };
    Failure::invalid_at(format!("{file}: {}", e.message), location)
}

fn health_preset() -> Spec {
    let get = |name: &str, path: &str| Step {
        name: Some(name.into()),
        path: Some(path.into()),
        expect: spec::Expect {
            status: Some(spec::StatusSet::One(200)),
            ..Default::default()
        },
        ..Default::default()
    };
    Spec {
        wait: Some(Step {
            every: Some(spec::Dur(Duration::from_millis(500))),
            ..get("ready", "/readyz")
        }),
        version: Some(VersionCheck {
            path: "/version".into(),
            json: None,
        }),
        steps: vec![get("healthz", "/healthz")],
        ..Default::default()
    }
}

/// With `expect-version` (or a `version:` block), the check that reads the version endpoint and
/// compares what it reports; it runs after the wait stage and before the steps.
fn add_version_check(
    plan: &mut Plan,
    version: Option<VersionCheck>,
    expect_version: bool,
    file: &str,
) -> Result<(), Failure> {
    let check = match (version, expect_version) {
        (Some(v), _) => v,
        (None, true) => VersionCheck {
            path: "/version".into(),
            json: None,
        },
        (None, false) => return Ok(()),
    };
    if plan.wait.is_none() && plan.steps.is_empty() && !expect_version {
        return Ok(());
    }
    let base_needed = !check.path.starts_with("http://") && !check.path.starts_with("https://");
    let (path, url) = if base_needed {
        (Some(check.path.clone()), None)
    } else {
        (None, Some(check.path.clone()))
    };
    if plan.steps.iter().any(|s| s.name == "version") {
        return Err(Failure::invalid_at(
            "a step is named \"version\", which is the name of the version check",
            Location::file(file),
        ));
    }
    plan.version = Some(Planned {
        name: "version".into(),
        line: None,
        step: Step {
            name: Some("version".into()),
            path,
            url,
            expect: spec::Expect {
                status: Some(spec::StatusSet::One(200)),
                ..Default::default()
            },
            ..Default::default()
        },
        needs: Vec::new(),
        uses: Default::default(),
        version: Some(check),
        place: None,
        source: None,
    });
    Ok(())
}
