//! `ready error-budget-gate`: no deploy while the error budget is spent, burning fast, or in a
//! freeze. Reads the numbers from any server with the Prometheus query API (one instant query for
//! every window, one range query for the chart) or from a metrics file, and decides.

pub mod budget;
pub mod chart;
mod collect;
mod decision;
pub mod duration;
pub mod freeze;
pub mod metrics_file;
mod present;
pub mod prometheus;
pub mod slo;

use crate::report::{Failure, Location, Report};
use budget::Observed;
use jiff::Timestamp;
use slo::{Sli, Slo};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const NAME: &str = "error-budget-gate";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    gate: Some(|inputs, base| crate::actions::run_as_gate(NAME, inputs, base, run)),
    needs: crate::actions::Needs {
        network: Some("Prometheus"),
        offline_with: Some("metrics-file"),
        github_token: None,
    },
};

/// What to do when the SLO window has no data (no series, or no traffic).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnNoData {
    Block,
    Pass,
}

/// `block` or `pass`; empty (an action input left at "") means the default, block.
fn parse_on_no_data(text: &str) -> Result<OnNoData, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "block" => Ok(OnNoData::Block),
        "pass" => Ok(OnNoData::Pass),
        other => Err(format!("`{other}` is neither block nor pass")),
    }
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base URL of a server with the Prometheus query API (Prometheus, Thanos, Mimir,
    /// VictoriaMetrics), e.g. https://prometheus.example.com or https://mimir.example.com/prometheus.
    #[arg(long, env = "INPUT_PROMETHEUS_URL")]
    pub prometheus_url: Option<String>,

    /// Extra request headers, one `Name: value` per line (Authorization, X-Scope-OrgID). The
    /// values of credential headers (Authorization, X-Api-Key, …) are secrets: masked and redacted.
    #[arg(long, env = "INPUT_PROMETHEUS_HEADERS")]
    pub prometheus_headers: Option<String>,

    /// JSON file with good (or bad) and total counts per window, instead of Prometheus.
    #[arg(long, env = "INPUT_METRICS_FILE", value_hint = clap::ValueHint::FilePath)]
    pub metrics_file: Option<String>,

    /// Sloth `prometheus/v1` spec file with the SLO (objective and queries).
    #[arg(long, env = "INPUT_SLO_FILE", value_hint = clap::ValueHint::FilePath)]
    pub slo_file: Option<String>,

    /// Name of the SLO in `slo-file` when it has several.
    #[arg(long, env = "INPUT_SLO")]
    pub slo: Option<String>,

    /// PromQL for bad events with a `{{.window}}` placeholder, e.g.
    /// sum(rate(http_requests_total{code=~"5.."}[{{.window}}])).
    #[arg(long, env = "INPUT_ERROR_QUERY")]
    pub error_query: Option<String>,

    /// PromQL for all events with a `{{.window}}` placeholder.
    #[arg(long, env = "INPUT_TOTAL_QUERY")]
    pub total_query: Option<String>,

    /// Objective in percent of good events, e.g. 99.5 (with error-query/total-query or metrics-file).
    #[arg(long, env = "INPUT_OBJECTIVE")]
    pub objective: Option<String>,

    /// SLO window in Prometheus form: 7d, 28d, 30d. [default: 30d]
    #[arg(long, env = "INPUT_WINDOW")]
    pub window: Option<String>,

    /// Also block on the multiwindow, multi-burn-rate rule (page level, windows following the SLO
    /// window, never shorter than 5m):
    /// on or off.
    #[arg(long, env = "INPUT_BURN_RATE", default_value = "on", value_parser = crate::inputs::on_unless_set, action = clap::ArgAction::Set)]
    pub burn_rate: bool,

    /// YAML file of deploy freezes: one-off windows and weekly windows in a time zone.
    #[arg(long, env = "INPUT_FREEZE_FILE", value_hint = clap::ValueHint::FilePath)]
    pub freeze_file: Option<String>,

    /// A reason (who and why); when set, a blocking verdict passes with a warning that records it.
    #[arg(long = "override", env = "INPUT_OVERRIDE")]
    pub override_reason: Option<String>,

    /// Evaluate at this instant (RFC 3339, e.g. 2024-06-07T12:00:00Z) instead of now.
    #[arg(long, env = "INPUT_AT")]
    pub at: Option<String>,

    /// Trust an answer that comes with warnings (a partial answer from Thanos, a failed remote
    /// read) for a pass: on or off. Off, such an answer cannot pass the gate.
    #[arg(long, env = "INPUT_ACCEPT_WARNINGS", default_value = "off", value_parser = crate::inputs::off_unless_set, action = clap::ArgAction::Set)]
    pub accept_warnings: bool,

    /// What no data in the SLO window means: block or pass (with a warning).
    #[arg(long, env = "INPUT_ON_NO_DATA", value_parser = parse_on_no_data, default_value = "block")]
    pub on_no_data: OnNoData,
}

use crate::inputs::given;

/// A path input: clap's PathBuf parser refuses "", which an action input left empty passes.
fn given_path(value: &Option<String>) -> Option<&Path> {
    given(value).map(Path::new)
}

fn read(path: &Path, what: &str) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        Failure::invalid_at(
            format!("cannot read {what} {}: {e}", path.display()),
            Location::file(path.display().to_string()),
        )
    })
}

enum Source {
    Prometheus {
        url: reqwest::Url,
        headers: reqwest::header::HeaderMap,
    },
    File(BTreeMap<u64, Observed>, PathBuf),
}

/// `Name: value` lines. The values of credential headers (Authorization, X-Api-Key, …) are
/// registered as secrets before anything else happens, and refused when too short to mask; the
/// others (X-Scope-OrgID) are not secrets, so that masking them does not hide digits everywhere.
fn parse_headers(text: &str) -> Result<reqwest::header::HeaderMap, Failure> {
    use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
    let mut map = HeaderMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(Failure::invalid(format!(
                "prometheus-headers line {} is not `Name: value`",
                i + 1
            )));
        };
        let value = value.trim();
        let secret = crate::http::is_credential_header(name.trim());
        if secret {
            // `Bearer <token>`, `Basic <credentials>`: the credential alone is a secret too.
            let credential = value.split_once(' ').map_or(value, |(_, c)| c.trim());
            crate::gha::secrets::check_maskable(
                &format!(
                    "prometheus-headers line {}: the value of {}",
                    i + 1,
                    name.trim()
                ),
                credential,
            )
            .map_err(Failure::invalid)?;
            crate::gha::secrets::register(value);
            crate::gha::secrets::register(credential);
        }
        let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| {
            Failure::invalid(format!(
                "prometheus-headers line {}: `{}` is not a header name",
                i + 1,
                name.trim()
            ))
        })?;
        let mut value = HeaderValue::from_str(value).map_err(|_| {
            Failure::invalid(format!(
                "prometheus-headers line {}: the value of {name} has characters a header cannot carry",
                i + 1
            ))
        })?;
        value.set_sensitive(secret);
        map.append(name, value);
    }
    Ok(map)
}

fn source(args: &Args) -> Result<Source, Failure> {
    match (given(&args.prometheus_url), given_path(&args.metrics_file)) {
        (Some(_), Some(_)) => Err(Failure::invalid(
            "give either prometheus-url or metrics-file, not both",
        )),
        (None, None) => Err(Failure::invalid(
            "give prometheus-url (a server with the Prometheus query API) or metrics-file",
        )),
        (Some(url), None) => {
            let parsed = reqwest::Url::parse(url)
                .ok()
                .filter(|u| matches!(u.scheme(), "http" | "https"))
                .ok_or_else(|| {
                    Failure::invalid(format!(
                        "prometheus-url `{}` is not an http(s) URL",
                        crate::http::redacted_url(
                            &reqwest::Url::parse(url)
                                .unwrap_or_else(|_| reqwest::Url::parse("invalid:").unwrap())
                        )
                    ))
                })?;
            crate::gha::secrets::register_url_credentials(&parsed);
            let headers = match given(&args.prometheus_headers) {
                Some(h) => parse_headers(h)?,
                None => reqwest::header::HeaderMap::new(),
            };
            Ok(Source::Prometheus {
                url: parsed,
                headers,
            })
        }
        (None, Some(path)) => {
            let text = read(path, "metrics-file")?;
            let obs = metrics_file::parse(&text).map_err(|e| {
                Failure::invalid_at(
                    format!("metrics-file: {e}"),
                    Location::file(path.display().to_string()),
                )
            })?;
            Ok(Source::File(obs, path.to_path_buf()))
        }
    }
}

fn objective_slo(args: &Args, needs_queries: bool) -> Result<Slo, Failure> {
    if let Some(path) = given_path(&args.slo_file) {
        for (name, v) in [
            ("error-query", &args.error_query),
            ("total-query", &args.total_query),
            ("objective", &args.objective),
        ] {
            if given(v).is_some() {
                return Err(Failure::invalid(format!(
                    "{name} and slo-file both set: the SLO comes from one of them"
                )));
            }
        }
        let text = read(path, "slo-file")?;
        let file = path.display().to_string();
        return slo::from_sloth(&text, given(&args.slo)).map_err(|e| {
            let loc = match e.line {
                Some(l) => Location::line(file, l),
                None => Location::file(file),
            };
            Failure::invalid_at(format!("slo-file: {}", e.message), loc)
        });
    }
    if given(&args.slo).is_some() {
        return Err(Failure::invalid(
            "slo picks an SLO from slo-file, which is not set",
        ));
    }
    let objective = given(&args.objective)
        .ok_or_else(|| Failure::invalid("objective is required without slo-file (e.g. 99.5)"))
        .and_then(|o| slo::parse_objective(o).map_err(Failure::invalid))?;
    let sli = match (given(&args.error_query), given(&args.total_query)) {
        (Some(error), Some(total)) => {
            slo::check_query("error-query", error)
                .and_then(|()| slo::check_query("total-query", total))
                .map_err(Failure::invalid)?;
            Some(Sli::Events {
                error: error.to_string(),
                total: total.to_string(),
            })
        }
        (None, None) if !needs_queries => None,
        _ => {
            return Err(Failure::invalid(
                "with prometheus-url, give slo-file or both error-query and total-query",
            ));
        }
    };
    Ok(Slo {
        name: "inline".into(),
        objective,
        sli,
    })
}

fn parse_at(args: &Args) -> Result<Timestamp, Failure> {
    match given(&args.at) {
        None => Ok(Timestamp::now()),
        Some(text) => text.parse::<Timestamp>().map_err(|_| {
            Failure::invalid(format!(
                "at `{text}` is not an RFC 3339 instant such as 2024-06-07T12:00:00Z"
            ))
        }),
    }
}

fn freezes(args: &Args) -> Result<Vec<freeze::Freeze>, Failure> {
    let Some(path) = given_path(&args.freeze_file) else {
        return Ok(Vec::new());
    };
    let text = read(path, "freeze-file")?;
    let file = path.display().to_string();
    freeze::parse(&text).map_err(|e| {
        let loc = match e.line {
            Some(l) => Location::line(file, l),
            None => Location::file(file),
        };
        Failure::invalid_at(format!("freeze-file: {}", e.message), loc)
    })
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let source = source(&args)?;
    let slo = objective_slo(&args, matches!(source, Source::Prometheus { .. }))?;
    let window = duration::parse(given(&args.window).unwrap_or("30d"))
        .map_err(|e| Failure::invalid(format!("window: {e}")))?;
    let at = parse_at(&args)?;
    let freezes = freezes(&args)?;
    let pairs = if args.burn_rate {
        budget::page_pairs(window)
    } else {
        Vec::new()
    };
    let windows = budget::windows(window, &pairs);
    let measured = match &source {
        Source::File(obs, path) => {
            let missing: Vec<String> = windows
                .iter()
                .filter(|w| !obs.contains_key(w))
                .map(|w| duration::format(*w))
                .collect();
            if !missing.is_empty() {
                let hint = if args.burn_rate {
                    " (the burn-rate windows depend on the SLO window; or set burn-rate: off)"
                } else {
                    ""
                };
                return Err(Failure::invalid_at(
                    format!(
                        "metrics-file has no counts for window(s) {}{hint}",
                        missing.join(", ")
                    ),
                    Location::file(path.display().to_string()),
                ));
            }
            collect::Measured {
                observed: obs.clone(),
                chart: None,
                warnings: Vec::new(),
                round_trips: 0,
            }
        }
        Source::Prometheus { url, headers } => {
            let sli = slo
                .sli
                .as_ref()
                .expect("queries are required with Prometheus");
            crate::runtime::block_on(collect::query_prometheus(
                url, headers, sli, &windows, window, at,
            ))?
        }
    };
    let active = freeze::active(&freezes, at);
    let actor = std::env::var("GITHUB_ACTOR").ok().filter(|a| !a.is_empty());
    let policy = decision::Policy {
        on_no_data: args.on_no_data,
        accept_warnings: args.accept_warnings,
        override_reason: given(&args.override_reason),
        actor: actor.as_deref(),
    };
    let decision = decision::decide(&policy, &slo, window, &pairs, &measured, active.as_ref());
    Ok(present::report(
        &decision,
        &slo,
        window,
        at,
        &measured,
        active.as_ref(),
        args.burn_rate,
    ))
}
