//! Collecting: the gate's I/O with a Prometheus query API server. The query text and the
//! reading of answers are in `prometheus.rs`, without I/O.

use super::budget::Observed;
use super::prometheus;
use super::slo::Sli;
use crate::report::Failure;
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::time::Duration;

/// The largest Prometheus answer read: the gate's queries return a few series, and reading
/// without a cap lets one answer take all the runner's memory.
pub const MAX_ANSWER: usize = 32 << 20;

/// What the source measured.
pub struct Measured {
    pub observed: BTreeMap<u64, Observed>,
    pub chart: Option<Result<Vec<(i64, f64)>, String>>,
    pub warnings: Vec<String>,
    pub round_trips: u32,
}

impl Measured {
    /// What was observed over `window`; a window the answer did not cover has no series.
    pub fn at(&self, window: u64) -> Observed {
        self.observed
            .get(&window)
            .copied()
            .unwrap_or(Observed::NoSeries)
    }
}

async fn post(
    client: &reqwest::Client,
    policy: &crate::http::Policy,
    deadline: tokio::time::Instant,
    endpoint: &reqwest::Url,
    headers: &reqwest::header::HeaderMap,
    params: &[(&str, String)],
) -> Result<(u16, String), Failure> {
    let body = prometheus::form_body(params);
    let response = crate::http::send(policy, Some(deadline), || {
        client
            .post(endpoint.clone())
            .headers(headers.clone())
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/x-www-form-urlencoded",
            )
            .header(reqwest::header::ACCEPT, "application/json")
            .body(body.clone())
    })
    .await
    .map_err(|e| Failure::undecided(format!("Prometheus unreachable: {e}")))?;
    let status = response.status().as_u16();
    let body = crate::http::read_capped(response, MAX_ANSWER)
        .await
        .map_err(|e| Failure::undecided(format!("Prometheus answer: {e}")))?;
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

fn endpoint(base: &reqwest::Url, path: &str) -> reqwest::Url {
    let mut url = base.clone();
    let joined = format!("{}/{path}", base.path().trim_end_matches('/'));
    url.set_path(&joined);
    url.set_query(None);
    url
}

fn answer_failure(status: u16, e: prometheus::AnswerError, what: &str) -> Failure {
    match e {
        prometheus::AnswerError::Api(api) if api.is_bad_query() => Failure::invalid(format!(
            "Prometheus rejected the {what} (HTTP {status}, {}): {}",
            api.error_type, api.message
        )),
        prometheus::AnswerError::Api(api) => Failure::undecided(format!(
            "Prometheus answered the {what} with an error (HTTP {status}, {}): {}",
            api.error_type, api.message
        )),
        prometheus::AnswerError::Malformed(m) => Failure::undecided(format!(
            "Prometheus answered the {what} with HTTP {status}: {m}"
        )),
        prometheus::AnswerError::Nonsense(m) => Failure::undecided(format!(
            "Prometheus answered the {what} with a value the gate cannot trust: {m}"
        )),
    }
}

pub async fn query_prometheus(
    base: &reqwest::Url,
    headers: &reqwest::header::HeaderMap,
    sli: &Sli,
    windows: &[u64],
    window: u64,
    at: Timestamp,
) -> Result<Measured, Failure> {
    let policy = crate::http::Policy::default();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let client = crate::http::client(&policy)
        .map_err(|e| Failure::undecided(format!("HTTP client: {e}")))?;
    let time = at.as_second().to_string();
    let query = prometheus::instant_query(sli, windows);
    let (status, body) = post(
        &client,
        &policy,
        deadline,
        &endpoint(base, "api/v1/query"),
        headers,
        &[("query", query), ("time", time.clone())],
    )
    .await?;
    let (observed, warnings) = prometheus::observations(&body, sli, windows)
        .map_err(|e| answer_failure(status, e, "query"))?;

    // The chart: the error ratio per step over the SLO window. Decoration: a failure here is
    // noted in the summary, the decision stands.
    const POINTS: u64 = 30;
    let step = (window / POINTS).max(60);
    let end = at.as_second();
    let start = end - (step * (POINTS - 1)) as i64;
    let chart = match post(
        &client,
        &policy,
        deadline,
        &endpoint(base, "api/v1/query_range"),
        headers,
        &[
            ("query", prometheus::ratio_query(sli, step)),
            ("start", start.to_string()),
            ("end", end.to_string()),
            ("step", step.to_string()),
        ],
    )
    .await
    {
        Ok((status, body)) => prometheus::series(&body)
            .map_err(|e| answer_failure(status, e, "range query for the chart").to_string()),
        Err(e) => Err(e.to_string()),
    };
    Ok(Measured {
        observed,
        chart: Some(chart),
        warnings,
        round_trips: 2,
    })
}
