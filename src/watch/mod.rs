//! `ready watch`: after the deploy, keep measuring the new version against the old one and
//! fail on regression. A measurement every `interval` until `duration` (one instant query for
//! every metric of both versions), each judged against absolute thresholds at once and against
//! the baseline with a Mann-Whitney U test across the measurements so far; the watch stops at
//! the `failure-limit`th failed measurement.

mod clock;
mod collect;
mod decide;
mod engine;
pub mod mann_whitney;
mod present;
pub mod selector;
pub mod spec;

use crate::inputs::given;
use crate::report::{Failure, Report};
use decide::OnNoData;
use jiff::Timestamp;
use std::path::Path;
use std::time::Duration;

pub const NAME: &str = "watch";

pub const META: crate::actions::ActionMeta = crate::actions::ActionMeta {
    name: NAME,
    // It runs after the deploy, for minutes: no pre-deploy gate.
    gate: None,
    needs: crate::actions::Needs {
        network: Some("Prometheus"),
        network_when: None,
        offline_with: None,
        github_token: None,
    },
};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Base URL of a server with the Prometheus query API (Prometheus, Thanos, Mimir,
    /// VictoriaMetrics).
    #[arg(long, env = "INPUT_PROMETHEUS_URL")]
    pub prometheus_url: Option<String>,

    /// Extra request headers, one `Name: value` per line (Authorization, X-Scope-OrgID). The
    /// values of credential headers are secrets: masked and redacted.
    #[arg(long, env = "INPUT_PROMETHEUS_HEADERS")]
    pub prometheus_headers: Option<String>,

    /// Sloth `prometheus/v1` spec or OpenSLO `v1` file (the one error-budget-gate reads): each
    /// SLO's error ratio is a metric, per version.
    #[arg(long, env = "INPUT_SLO_FILE")]
    pub slo_file: Option<String>,

    /// The SLOs of slo-file to watch, comma-separated; all of them when empty.
    #[arg(long, env = "INPUT_SLO")]
    pub slo: Option<String>,

    /// More metrics, one `name: PromQL` per line, with {{version}} where the version goes and
    /// {{.window}} for the measurement's window; `requests:` counts requests per measurement.
    #[arg(long, env = "INPUT_QUERIES")]
    pub queries: Option<String>,

    /// The new version: the value of version-label on its series.
    #[arg(long, env = "INPUT_VERSION")]
    pub version: Option<String>,

    /// The version it replaces, for the relative thresholds.
    #[arg(long, env = "INPUT_BASELINE_VERSION")]
    pub baseline_version: Option<String>,

    /// The label that tells versions apart, added to the SLO queries' selectors. [default: version]
    #[arg(long, env = "INPUT_VERSION_LABEL")]
    pub version_label: Option<String>,

    /// How long to watch, e.g. 10m or 1h. [default: 10m]
    #[arg(long, env = "INPUT_DURATION")]
    pub duration: Option<String>,

    /// Time between measurements, e.g. 30s; each measures the last interval (at least 1m).
    /// [default: 30s]
    #[arg(long, env = "INPUT_INTERVAL")]
    pub interval: Option<String>,

    /// One per line: `metric <= 1%`, `p95-ms <= 200` (absolute), `metric <= baseline + 20%` or
    /// `metric <= baseline + 0.005` (relative). Default: each SLO's error ratio at most its
    /// budget, and with a baseline no worse than the baseline's by more than 25%.
    #[arg(long, env = "INPUT_THRESHOLDS")]
    pub thresholds: Option<String>,

    /// Failed measurements that end the watch (blocked). [default: 3]
    #[arg(long, env = "INPUT_FAILURE_LIMIT")]
    pub failure_limit: Option<String>,

    /// Requests a measurement needs; below it, it is inconclusive, not a pass. [default: 100]
    #[arg(long, env = "INPUT_MIN_REQUESTS")]
    pub min_requests: Option<String>,

    /// A measurement without data: fail, wait (inconclusive) or pass. [default: fail]
    #[arg(long, env = "INPUT_ON_NO_DATA")]
    pub on_no_data: Option<String>,

    /// The watch's start (the deploy) as an RFC 3339 instant instead of now. Measurements whose
    /// time has passed are taken at once from stored data (reruns, tests).
    #[arg(long, env = "INPUT_START")]
    pub start: Option<String>,
}

/// The longest watch: a measurement every second for a day is far beyond any deploy.
const MAX_MEASUREMENTS: u64 = 86_400;

fn whole_seconds(name: &str, text: &str) -> Result<Duration, Failure> {
    let d = crate::inputs::duration(text).map_err(|e| Failure::invalid(format!("{name}: {e}")))?;
    if d < Duration::from_secs(1) || d.subsec_nanos() != 0 {
        return Err(Failure::invalid(format!(
            "{name}: `{text}` must be whole seconds, at least 1s"
        )));
    }
    Ok(d)
}

fn number(name: &str, value: &Option<String>, default: &str) -> Result<f64, Failure> {
    let text = given(value).unwrap_or(default);
    text.parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .ok_or_else(|| Failure::invalid(format!("{name}: `{text}` is not a non-negative number")))
}

/// Everything the inputs say, checked before the first query.
struct Setup {
    server: crate::prometheus::Server,
    ask: collect::Ask,
    plan: engine::Plan,
    policy: decide::Policy,
    versions: (String, Option<String>),
}

fn setup(args: &Args) -> Result<Setup, Failure> {
    let url = given(&args.prometheus_url).ok_or_else(|| {
        Failure::invalid("prometheus-url is required (a server with the Prometheus query API)")
    })?;
    let server = crate::prometheus::Server::connect(url, given(&args.prometheus_headers))?;
    let version = given(&args.version)
        .ok_or_else(|| Failure::invalid("version is required: the new version's label value"))?
        .to_string();
    let baseline = given(&args.baseline_version).map(str::to_string);
    if baseline.as_deref() == Some(version.as_str()) {
        return Err(Failure::invalid(
            "baseline-version is the same as version: nothing to compare",
        ));
    }

    let slos = match given(&args.slo_file) {
        Some(path) => {
            let text = crate::inputs::read_file(Path::new(path), "slo-file")?;
            // All of the file's SLOs unless some are named.
            let mut names = crate::slo::names(given(&args.slo));
            if names.is_empty() {
                names.push("*");
            }
            crate::slo::pick(&text, path, &names)?
        }
        None if given(&args.slo).is_some() => {
            return Err(Failure::invalid(
                "slo picks SLOs from slo-file, which is not set",
            ));
        }
        None => Vec::new(),
    };
    let mut metrics = spec::from_slos(&slos);
    let mut requests = spec::requests_of(&metrics);
    if let Some(text) = given(&args.queries) {
        let (extra, counted) = spec::parse_queries(text).map_err(Failure::invalid)?;
        if let Some(m) = extra
            .iter()
            .find(|m| metrics.iter().any(|s| s.name == m.name))
        {
            return Err(Failure::invalid(format!(
                "queries: `{}` is also an SLO of slo-file",
                m.name
            )));
        }
        metrics.extend(extra);
        requests = counted.or(requests);
    }
    if metrics.is_empty() {
        return Err(Failure::invalid(
            "nothing to watch: give slo-file, queries, or both",
        ));
    }
    let thresholds = match given(&args.thresholds) {
        Some(text) => spec::parse_thresholds(text, &metrics).map_err(Failure::invalid)?,
        None => spec::default_thresholds(&slos, baseline.is_some()),
    };
    if thresholds.is_empty() {
        return Err(Failure::invalid(
            "no thresholds: without an SLO file, say what a regression is (e.g. `p95-ms <= 200`)",
        ));
    }
    if baseline.is_none()
        && let Some(t) = thresholds
            .iter()
            .find(|t| matches!(t.rule, spec::Rule::Baseline(_)))
    {
        return Err(Failure::invalid(format!(
            "threshold `{}` compares with the baseline: set baseline-version",
            t.text
        )));
    }
    let min_requests = number("min-requests", &args.min_requests, "100")?;
    if min_requests > 0.0 && requests.is_none() {
        return Err(Failure::invalid(
            "min-requests needs a request count: add `requests: <PromQL>` to queries (or watch an SLO with sli.events), or set min-requests: 0",
        ));
    }
    let failure_limit = given(&args.failure_limit)
        .unwrap_or("3")
        .parse::<u32>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| Failure::invalid("failure-limit must be a whole number, at least 1"))?;
    let on_no_data = decide::parse_on_no_data(given(&args.on_no_data).unwrap_or("fail"))
        .map_err(|e| Failure::invalid(format!("on-no-data: {e}")))?;

    let duration = whole_seconds("duration", given(&args.duration).unwrap_or("10m"))?;
    let interval = whole_seconds("interval", given(&args.interval).unwrap_or("30s"))?;
    let count = duration.as_secs() / interval.as_secs();
    if count == 0 || count > MAX_MEASUREMENTS {
        return Err(Failure::invalid(format!(
            "duration / interval gives {count} measurements; between 1 and {MAX_MEASUREMENTS} are allowed"
        )));
    }
    // A limit above the number of measurements could never be reached, and a watch whose every
    // measurement failed would pass: it is held to the count.
    let failure_limit = failure_limit.min(count as u32);
    let start = match given(&args.start) {
        None => Timestamp::now(),
        Some(text) => text.parse::<Timestamp>().map_err(|_| {
            Failure::invalid(format!(
                "start `{text}` is not an RFC 3339 instant such as 2024-06-07T12:00:00Z"
            ))
        })?,
    };

    let mut versions = vec![(collect::NEW, version.clone())];
    if let Some(b) = &baseline {
        versions.push((collect::BASELINE, b.clone()));
    }
    let ask = collect::Ask {
        metrics,
        requests,
        window: interval.as_secs().max(60),
        label: given(&args.version_label).unwrap_or("version").to_string(),
        versions,
    };
    Ok(Setup {
        server,
        ask,
        plan: engine::Plan {
            start,
            interval,
            count: count as u32,
        },
        policy: decide::Policy {
            thresholds,
            min_requests,
            on_no_data,
            failure_limit,
            has_baseline: baseline.is_some(),
        },
        versions: (version, baseline),
    })
}

pub fn run(args: Args) -> Result<Report, Failure> {
    let setup = setup(&args)?;
    let query = setup.ask.query().map_err(Failure::invalid)?;
    let ratio = |metric: &str| {
        setup
            .ask
            .metrics
            .iter()
            .any(|m| m.name == metric && m.ratio)
    };
    let watched = crate::runtime::block_on(async {
        let clock = clock::Clock::starting_at(Timestamp::now());
        let mut prometheus = collect::Prometheus {
            server: &setup.server,
            ask: &setup.ask,
            query,
        };
        let mut progress = crate::gha::Progress::stderr(NAME);
        engine::watch(
            &setup.plan,
            &setup.policy,
            &clock,
            &mut prometheus,
            ratio,
            &mut progress,
        )
        .await
    });
    Ok(present::report(&setup, &watched, ratio))
}

impl OnNoData {
    pub fn as_str(self) -> &'static str {
        match self {
            OnNoData::Fail => "fail",
            OnNoData::Wait => "wait",
            OnNoData::Pass => "pass",
        }
    }
}
