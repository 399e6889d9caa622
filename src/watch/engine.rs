//! The watch itself: a measurement every `interval` until `duration`, judged as it comes, and
//! an early end at the failure limit or when Prometheus cannot answer. The clock and the
//! measuring are handed in, so tests drive it with a paused clock and canned measurements.

use super::clock::Clock;
use super::decide::{self, Judgement, Policy, Status};
use crate::gha::Progress;
use crate::report::Failure;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::future::Future;
use std::time::Duration;

/// When the measurements are taken.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The watch's start (the deploy); the first measurement is one interval later.
    pub start: Timestamp,
    pub interval: Duration,
    /// Measurements in all: duration / interval.
    pub count: u32,
}

impl Plan {
    /// The time of measurement `k` (1-based).
    pub fn at(&self, k: u32) -> Timestamp {
        let offset = SignedDuration::try_from(self.interval * k).unwrap_or(SignedDuration::MAX);
        self.start.saturating_add(offset).unwrap_or(Timestamp::MAX)
    }
}

/// What one version measured: its metrics (absent = no data) and requests where counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Reading {
    pub values: BTreeMap<String, f64>,
    pub requests: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub at: Timestamp,
    pub new: Reading,
    pub baseline: Option<Reading>,
    /// Round trips it took.
    pub queries: u32,
}

/// Takes one measurement at `at`, giving up by `deadline`.
pub trait Measure {
    fn measure(
        &mut self,
        at: Timestamp,
        deadline: tokio::time::Instant,
    ) -> impl Future<Output = Result<Sample, Failure>>;
}

pub struct Measured {
    pub sample: Sample,
    pub judgement: Judgement,
    /// Wall time of the measurement (the query and the reading of its answer).
    pub took: Duration,
}

/// The watch's record.
pub struct Watched {
    pub measured: Vec<Measured>,
    /// Prometheus could not answer the measurement at this time: the watch stopped there.
    pub stopped: Option<(Timestamp, Failure)>,
}

impl Watched {
    pub fn failures(&self) -> usize {
        self.measured
            .iter()
            .filter(|m| m.judgement.status == Status::Failed)
            .count()
    }
}

/// A measurement may take until the next one is due, and never less than this.
const MIN_MEASUREMENT_TIME: Duration = Duration::from_secs(15);

pub async fn watch(
    plan: &Plan,
    policy: &Policy,
    clock: &Clock,
    measure: &mut impl Measure,
    ratio: impl Fn(&str) -> bool,
    progress: &mut Progress,
) -> Watched {
    let mut record = Watched {
        measured: Vec::new(),
        stopped: None,
    };
    for k in 1..=plan.count {
        let at = plan.at(k);
        clock.sleep_until(at).await;
        let began = tokio::time::Instant::now();
        let deadline = began + plan.interval.max(MIN_MEASUREMENT_TIME);
        let sample = match measure.measure(at, deadline).await {
            Ok(sample) => sample,
            Err(failure) => {
                progress.step(&format!(
                    "{}: no usable answer ({failure}); the watch stops",
                    which(plan, k)
                ));
                record.stopped = Some((at, failure));
                break;
            }
        };
        let earlier: Vec<&Sample> = record.measured.iter().map(|m| &m.sample).collect();
        let judgement = policy.judge(&earlier, &sample, &ratio);
        let mut line = measurement_line(plan, k, &sample, &judgement, &ratio);
        record.measured.push(Measured {
            sample,
            judgement,
            took: began.elapsed(),
        });
        if record.failures() >= policy.failure_limit as usize {
            line.push_str(&format!(
                "; {} failed measurement(s), the failure limit: the watch stops",
                record.failures()
            ));
            progress.step(&line);
            break;
        }
        if k < plan.count {
            match clock.until(plan.at(k + 1)) {
                next if next.is_zero() => line.push_str("; next now (its time has passed)"),
                next => line.push_str(&format!("; next in {}", crate::inputs::human(next))),
            }
        }
        progress.step(&line);
    }
    record
}

/// `measurement 3/10 (+3m)`: which one, and how long after the start it measures.
fn which(plan: &Plan, k: u32) -> String {
    format!(
        "measurement {k}/{} (+{})",
        plan.count,
        crate::inputs::human(plan.interval * k)
    )
}

/// One progress line per measurement: the values of each version and the judgement
/// (`measurement 3/10 (+3m): error-ratio 0.2% (baseline 0.1%); passed`); the caller adds
/// when the next one is.
fn measurement_line(
    plan: &Plan,
    k: u32,
    sample: &Sample,
    judgement: &Judgement,
    ratio: &impl Fn(&str) -> bool,
) -> String {
    let values: Vec<String> = sample
        .new
        .values
        .iter()
        .map(|(metric, value)| {
            let ratio = ratio(metric);
            let baseline = sample
                .baseline
                .as_ref()
                .and_then(|b| b.values.get(metric))
                .map(|b| format!(" (baseline {})", decide::show(*b, ratio)))
                .unwrap_or_default();
            format!("{metric} {}{baseline}", decide::show(*value, ratio))
        })
        .collect();
    let values = if values.is_empty() {
        "no data".to_string()
    } else {
        values.join(", ")
    };
    let mut line = format!(
        "{}: {values}; {}",
        which(plan, k),
        judgement.status.as_str()
    );
    if judgement.status != Status::Passed && !judgement.reasons.is_empty() {
        line.push_str(&format!(" ({})", judgement.reasons.join("; ")));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::decide::OnNoData;
    use crate::watch::spec::{Metric, Source, parse_thresholds};

    /// Canned error ratios, one per measurement, and the times it was asked for.
    struct Canned {
        ratios: Vec<f64>,
        asked: Vec<Timestamp>,
        down_from: Option<usize>,
    }

    impl Measure for Canned {
        async fn measure(
            &mut self,
            at: Timestamp,
            _deadline: tokio::time::Instant,
        ) -> Result<Sample, Failure> {
            self.asked.push(at);
            let k = self.asked.len() - 1;
            if self.down_from.is_some_and(|d| k >= d) {
                return Err(Failure::undecided("Prometheus unreachable"));
            }
            let mut new = Reading {
                requests: Some(1000.0),
                ..Reading::default()
            };
            new.values.insert("error-ratio".into(), self.ratios[k]);
            Ok(Sample {
                at,
                new: new.clone(),
                baseline: Some(new),
                queries: 1,
            })
        }
    }

    fn policy() -> Policy {
        let metrics = vec![Metric {
            name: "error-ratio".into(),
            source: Source::Value("x".into()),
            ratio: true,
        }];
        Policy {
            thresholds: parse_thresholds("error-ratio <= 1%", &metrics).unwrap(),
            min_requests: 100.0,
            on_no_data: OnNoData::Fail,
            failure_limit: 3,
            has_baseline: false,
        }
    }

    /// Progress into a buffer nobody reads.
    fn quiet() -> Progress {
        Progress::shared("watch", Default::default())
    }

    fn plan(start: Timestamp) -> Plan {
        Plan {
            start,
            interval: Duration::from_secs(30),
            count: 20,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_ten_minute_watch_runs_on_a_paused_clock_and_stops_at_the_failure_limit() {
        let start: Timestamp = "2024-06-07T12:00:00Z".parse().unwrap();
        let clock = Clock::starting_at(start);
        let real = std::time::Instant::now();
        // Healthy for 3 minutes (6 measurements), then 5% errors.
        let mut canned = Canned {
            ratios: (0..20).map(|k| if k < 6 { 0.001 } else { 0.05 }).collect(),
            asked: Vec::new(),
            down_from: None,
        };
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut progress = Progress::shared("watch", lines.clone());
        let w = watch(
            &plan(start),
            &policy(),
            &clock,
            &mut canned,
            |_| true,
            &mut progress,
        )
        .await;
        assert_eq!(
            w.measured.len(),
            9,
            "stops at the third failure, not at the end"
        );
        // One line per measurement, as the log shows it while the watch runs.
        let printed = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        let printed: Vec<&str> = printed
            .lines()
            .filter(|l| l.starts_with("watch ["))
            .collect();
        assert_eq!(printed.len(), 9, "{printed:?}");
        insta::assert_snapshot!("watch_progress_lines", printed.join("\n"));
        assert_eq!(canned.asked[0], start + SignedDuration::from_secs(30));
        assert_eq!(clock.now(), start + SignedDuration::from_secs(270));
        assert!(real.elapsed() < Duration::from_secs(1));

        let clock = Clock::starting_at(start);
        let mut healthy = Canned {
            ratios: vec![0.001; 20],
            asked: Vec::new(),
            down_from: None,
        };
        let w = watch(
            &plan(start),
            &policy(),
            &clock,
            &mut healthy,
            |_| true,
            &mut quiet(),
        )
        .await;
        assert_eq!(w.measured.len(), 20);
        assert_eq!(clock.now(), start + SignedDuration::from_mins(10));
        assert!(real.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn an_unreachable_server_stops_the_watch_at_once() {
        let start: Timestamp = "2024-06-07T12:00:00Z".parse().unwrap();
        let clock = Clock::starting_at(start);
        let mut canned = Canned {
            ratios: vec![0.001; 20],
            asked: Vec::new(),
            down_from: Some(4),
        };
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut progress = Progress::shared("watch", lines.clone());
        let w = watch(
            &plan(start),
            &policy(),
            &clock,
            &mut canned,
            |_| true,
            &mut progress,
        )
        .await;
        assert_eq!(w.measured.len(), 4);
        let (at, _) = w.stopped.unwrap();
        assert_eq!(at, start + SignedDuration::from_secs(150));
        let printed = String::from_utf8(lines.lock().unwrap().clone()).unwrap();
        assert!(
            printed.contains("watch [2m30s] measurement 5/20 (+2m30s): no usable answer (Prometheus unreachable); the watch stops"),
            "{printed}"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_rerun_over_stored_data_does_not_wait() {
        let start: Timestamp = "2024-06-07T12:00:00Z".parse().unwrap();
        // The clock says it is a day later: every measurement's time has passed.
        let clock = Clock::starting_at(start + SignedDuration::from_hours(24));
        let before = tokio::time::Instant::now();
        let mut canned = Canned {
            ratios: vec![0.001; 20],
            asked: Vec::new(),
            down_from: None,
        };
        watch(
            &plan(start),
            &policy(),
            &clock,
            &mut canned,
            |_| true,
            &mut quiet(),
        )
        .await;
        assert_eq!(before.elapsed(), Duration::ZERO);
        assert_eq!(canned.asked.len(), 20);
    }
}
