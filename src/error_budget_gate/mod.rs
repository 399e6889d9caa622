//! `ready error-budget-gate`: no deploy while the error budget is spent, burning fast, or in a
//! freeze. Reads the numbers from any server with the Prometheus query API (one instant query for
//! every window, one range query for the chart) or from a metrics file, and decides.

pub mod budget;
pub mod chart;
mod collect;
mod combined;
mod decision;
pub use crate::prometheus::duration;
pub mod freeze;
pub mod metrics_file;
mod present;
pub mod prometheus;
pub use crate::slo;

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
        network_when: None,
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

    /// Sloth `prometheus/v1` spec or OpenSLO `v1` file with the SLOs (objectives and queries).
    #[arg(long, env = "INPUT_SLO_FILE", value_hint = clap::ValueHint::FilePath)]
    pub slo_file: Option<String>,

    /// The SLO of `slo-file` when it has several; several (comma-separated) or `*` (all)
    /// decide together: any one blocks.
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

    /// SLO window: rolling in Prometheus form (7d, 28d, 30d), or month / quarter (the calendar
    /// period so far, UTC). [default: the OpenSLO file's timeWindow, else 30d]
    #[arg(long, env = "INPUT_WINDOW")]
    pub window: Option<String>,

    /// Also block on the multiwindow, multi-burn-rate rule (page level, windows following the SLO
    /// window, never shorter than 5m):
    /// on or off.
    #[arg(long, env = "INPUT_BURN_RATE", default_value = "on", value_parser = crate::inputs::on_unless_set, action = clap::ArgAction::Set)]
    pub burn_rate: bool,

    /// Also warn (never block) on the ticket-level pairs (10% of the budget in 1d confirmed over
    /// 2h, 10% in 3d confirmed over 6h, scaled like the page pairs): on or off.
    #[arg(long, env = "INPUT_TICKET_BURN_RATE", default_value = "off", value_parser = crate::inputs::off_unless_set, action = clap::ArgAction::Set)]
    pub ticket_burn_rate: bool,

    /// Block while less than this share of the error budget is left, in percent (e.g. 10);
    /// 0 blocks only a spent budget. [default: 0]
    #[arg(long, env = "INPUT_MIN_BUDGET")]
    pub min_budget: Option<String>,

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

use crate::inputs::read_file as read;

enum Source {
    Prometheus(Box<crate::prometheus::Server>),
    File(BTreeMap<u64, Observed>, PathBuf),
}

fn source(args: &Args) -> Result<Source, Failure> {
    match (given(&args.prometheus_url), given_path(&args.metrics_file)) {
        (Some(_), Some(_)) => Err(Failure::invalid(
            "give either prometheus-url or metrics-file, not both",
        )),
        (None, None) => Err(Failure::invalid(
            "give prometheus-url (a server with the Prometheus query API) or metrics-file",
        )),
        (Some(url), None) => Ok(Source::Prometheus(Box::new(
            crate::prometheus::Server::connect(url, given(&args.prometheus_headers))?,
        ))),
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

fn objective_slos(args: &Args, needs_queries: bool) -> Result<Vec<Slo>, Failure> {
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
        let names = slo::names(given(&args.slo));
        return slo::pick(&text, &path.display().to_string(), &names);
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
    Ok(vec![Slo {
        name: "inline".into(),
        objective,
        sli,
        window: None,
    }])
}

/// `window`: a rolling window in Prometheus form (`30d`), or `month` / `quarter`: the calendar
/// period so far.
fn parse_window(text: &str) -> Result<slo::Window, Failure> {
    match text.trim().to_ascii_lowercase().as_str() {
        "month" => Ok(slo::Window::Calendar(slo::Calendar::Month)),
        "quarter" => Ok(slo::Window::Calendar(slo::Calendar::Quarter)),
        other => duration::parse(other)
            .map(slo::Window::Rolling)
            .map_err(|e| Failure::invalid(format!("window: {e} (or month, quarter)"))),
    }
}

/// The seconds a window measures at `at`, the SLO period its burn-rate pairs scale with, and,
/// for a calendar window, since when.
fn span(window: slo::Window, at: Timestamp) -> Result<(u64, u64, Option<Timestamp>), Failure> {
    let calendar = match window {
        slo::Window::Rolling(s) => return Ok((s, s, None)),
        slo::Window::Calendar(c) => c,
    };
    let utc = at.to_zoned(jiff::tz::TimeZone::UTC);
    let (month, period) = match calendar {
        slo::Calendar::Month => (utc.month(), 30 * 86_400),
        slo::Calendar::Quarter => ((utc.month() - 1) / 3 * 3 + 1, 90 * 86_400),
    };
    let start = jiff::civil::date(utc.year(), month, 1)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .map_err(|e| Failure::invalid(format!("window: {e}")))?
        .timestamp();
    // At the very start of a period a minute of data stands for it, as Prometheus needs a range.
    let so_far = (at.as_second() - start.as_second()).max(60) as u64;
    Ok((so_far, period, Some(start)))
}

/// `min-budget` in percent (`10`, `10%`) as a share of the budget.
fn parse_min_budget(value: &Option<String>) -> Result<f64, Failure> {
    let Some(text) = given(value) else {
        return Ok(0.0);
    };
    text.trim_end_matches('%')
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|v| (0.0..100.0).contains(v))
        .map(|v| v / 100.0)
        .ok_or_else(|| {
            Failure::invalid(format!(
                "min-budget `{text}` is not a percentage from 0 up to 100 (exclusive), such as 10"
            ))
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
    let slos = objective_slos(&args, matches!(source, Source::Prometheus(_)))?;
    let input_window = given(&args.window).map(parse_window).transpose()?;
    let at = parse_at(&args)?;
    let freezes = freezes(&args)?;
    let active = freeze::active(&freezes, at);
    let min_budget = parse_min_budget(&args.min_budget)?;
    let mut reports = Vec::new();
    for (i, slo) in slos.iter().enumerate() {
        let window = input_window
            .or(slo.window)
            .unwrap_or(slo::Window::Rolling(30 * 86_400));
        // A freeze is one reason, not one per SLO.
        let freeze = if i == 0 { active.as_ref() } else { None };
        reports.push(evaluate(
            &args, &source, slo, window, at, min_budget, freeze,
        )?);
    }
    let each = combined::slos_output(&slos, &reports);
    let mut report = match reports.len() {
        1 => reports.remove(0),
        _ => combined::report(&slos, reports),
    };
    report.output("slos", each);
    Ok(report)
}

/// One SLO's decision and report.
fn evaluate(
    args: &Args,
    source: &Source,
    slo: &Slo,
    window: slo::Window,
    at: Timestamp,
    min_budget: f64,
    active: Option<&freeze::Active>,
) -> Result<Report, Failure> {
    let (window, period, since) = span(window, at)?;
    let mut pairs = if args.burn_rate {
        budget::page_pairs(period)
    } else {
        Vec::new()
    };
    if args.ticket_burn_rate {
        pairs.extend(budget::ticket_pairs(period));
    }
    let windows = budget::windows(window, &pairs);
    let measured = match source {
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
        Source::Prometheus(server) => {
            let sli = slo
                .sli
                .as_ref()
                .expect("queries are required with Prometheus");
            crate::runtime::block_on(collect::query_prometheus(server, sli, &windows, window, at))?
        }
    };
    let actor = std::env::var("GITHUB_ACTOR").ok().filter(|a| !a.is_empty());
    let policy = decision::Policy {
        on_no_data: args.on_no_data,
        min_budget,
        accept_warnings: args.accept_warnings,
        override_reason: given(&args.override_reason),
        actor: actor.as_deref(),
    };
    let decision = decision::decide(&policy, slo, window, &pairs, &measured, active);
    let mut report = present::report(
        &decision,
        slo,
        window,
        at,
        &measured,
        active,
        args.burn_rate,
    );
    if let Some(start) = since {
        report.findings.push(crate::report::Finding::new(
            crate::report::Severity::Notice,
            "calendar-window",
            "Calendar window",
            format!(
                "The SLO window is the calendar period so far: since {} (UTC), {}.",
                start.strftime("%Y-%m-%dT%H:%M:%SZ"),
                duration::format(window)
            ),
        ));
    }
    Ok(report)
}
