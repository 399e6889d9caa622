//! Collecting: the gate's I/O with a Prometheus query API server. The query text and the
//! reading of answers are in `prometheus.rs`, without I/O.

use super::budget::Observed;
use super::prometheus;
use super::slo::Sli;
use crate::prometheus::{Server, answer_failure};
use crate::report::Failure;
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::time::Duration;

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

pub async fn query_prometheus(
    server: &Server,
    sli: &Sli,
    windows: &[u64],
    window: u64,
    at: Timestamp,
) -> Result<Measured, Failure> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(120);
    let time = at.as_second().to_string();
    let query = prometheus::instant_query(sli, windows);
    let (status, body) = server
        .post(
            "query",
            &[("query", query), ("time", time.clone())],
            deadline,
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
    let chart = match server
        .post(
            "query_range",
            &[
                ("query", prometheus::ratio_query(sli, step)),
                ("start", start.to_string()),
                ("end", end.to_string()),
                ("step", step.to_string()),
            ],
            deadline,
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
