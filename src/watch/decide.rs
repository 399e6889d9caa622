//! Deciding, without I/O: what one measurement says (passed, failed, inconclusive) given the
//! thresholds and the measurements before it, and what the whole watch says at its end.

use super::engine::{Reading, Sample};
use super::mann_whitney;
use super::spec::{Rule, Threshold, Tolerance};
use crate::error_budget_gate::budget::{EPSILON, trim_float};

/// What a measurement without data means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnNoData {
    /// It failed: a new version that serves nothing is no healthy one.
    Fail,
    /// It is inconclusive: keep measuring (the watch ends inconclusive if data never comes).
    Wait,
    /// It passed, with a note.
    Pass,
}

pub fn parse_on_no_data(text: &str) -> Result<OnNoData, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" | "fail" => Ok(OnNoData::Fail),
        "wait" => Ok(OnNoData::Wait),
        "pass" => Ok(OnNoData::Pass),
        other => Err(format!("`{other}` is none of fail, wait, pass")),
    }
}

pub struct Policy {
    pub thresholds: Vec<Threshold>,
    pub min_requests: f64,
    pub on_no_data: OnNoData,
    pub failure_limit: u32,
    pub has_baseline: bool,
}

/// Measurements of each version before a relative comparison may fail: with fewer, the
/// Mann-Whitney test cannot reach significance on its own anyway, so this only says it plainly.
pub const MIN_SAMPLES: usize = 5;
/// The significance level of the relative comparison.
pub const ALPHA: f64 = 0.05;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Passed,
    Failed,
    Inconclusive,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Inconclusive => "inconclusive",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Judgement {
    pub status: Status,
    pub reasons: Vec<String>,
}

/// A value as the summary shows it: ratios in percent.
pub fn show(value: f64, ratio: bool) -> String {
    if ratio {
        format!("{}%", trim_float(value * 100.0, 3))
    } else {
        trim_float(value, 2)
    }
}

fn show_tolerance(t: Tolerance, ratio: bool) -> String {
    match t {
        Tolerance::Factor(f) => format!("{}%", trim_float((f - 1.0) * 100.0, 2)),
        Tolerance::Offset(o) => show(o, ratio),
    }
}

impl Policy {
    /// Enough traffic for the measurement to say anything.
    pub fn has_traffic(&self, r: &Reading) -> bool {
        self.min_requests <= 0.0 || r.requests.is_some_and(|n| n >= self.min_requests)
    }

    fn no_data(&self, what: String) -> Judgement {
        match self.on_no_data {
            OnNoData::Fail => Judgement {
                status: Status::Failed,
                reasons: vec![format!("{what} (on-no-data: fail)")],
            },
            OnNoData::Wait => Judgement {
                status: Status::Inconclusive,
                reasons: vec![format!("{what} (on-no-data: wait)")],
            },
            OnNoData::Pass => Judgement {
                status: Status::Passed,
                reasons: vec![format!("{what} (on-no-data: pass)")],
            },
        }
    }

    /// The conclusive values of `metric` up to and including `sample`, for both versions.
    fn history(&self, metric: &str, earlier: &[&Sample], sample: &Sample) -> (Vec<f64>, Vec<f64>) {
        let mut new = Vec::new();
        let mut baseline = Vec::new();
        for s in earlier.iter().copied().chain([sample]) {
            if self.has_traffic(&s.new)
                && let Some(v) = s.new.values.get(metric)
            {
                new.push(*v);
            }
            if let Some(b) = &s.baseline
                && self.has_traffic(b)
                && let Some(v) = b.values.get(metric)
            {
                baseline.push(*v);
            }
        }
        (new, baseline)
    }

    /// What one measurement says, given the measurements before it.
    pub fn judge(
        &self,
        earlier: &[&Sample],
        sample: &Sample,
        ratio: impl Fn(&str) -> bool,
    ) -> Judgement {
        let new = &sample.new;
        if new.values.is_empty() && new.requests.unwrap_or(0.0) <= 0.0 {
            return self.no_data("no data for the new version".into());
        }
        if !self.has_traffic(new) {
            return Judgement {
                status: Status::Inconclusive,
                reasons: vec![format!(
                    "{} requests, fewer than min-requests {}",
                    trim_float(new.requests.unwrap_or(0.0), 0),
                    trim_float(self.min_requests, 0)
                )],
            };
        }
        let mut reasons = Vec::new();
        for t in &self.thresholds {
            let ratio = ratio(&t.metric);
            let Some(&value) = new.values.get(&t.metric) else {
                let judged = self.no_data(format!("no data for {}", t.metric));
                if judged.status != Status::Passed {
                    return judged;
                }
                continue;
            };
            match t.rule {
                Rule::AtMost(limit) if value > limit + EPSILON => reasons.push(format!(
                    "{} is {}, above {}",
                    t.metric,
                    show(value, ratio),
                    show(limit, ratio)
                )),
                Rule::AtMost(_) => {}
                Rule::Baseline(tolerance) => {
                    let (new, baseline) = self.history(&t.metric, earlier, sample);
                    if new.len() < MIN_SAMPLES || baseline.len() < MIN_SAMPLES {
                        continue;
                    }
                    let allowed: Vec<f64> = baseline.iter().map(|b| tolerance.apply(*b)).collect();
                    let test = mann_whitney::greater(&new, &allowed);
                    if test.p < ALPHA {
                        reasons.push(format!(
                            "{} is worse than the baseline by more than {} over {} measurements (Mann-Whitney U = {}, p = {})",
                            t.metric,
                            show_tolerance(tolerance, ratio),
                            new.len(),
                            trim_float(test.u, 1),
                            trim_float(test.p, 4)
                        ));
                    }
                }
            }
        }
        Judgement {
            status: if reasons.is_empty() {
                Status::Passed
            } else {
                Status::Failed
            },
            reasons,
        }
    }

    /// Why a watch that ran to its end without reaching the failure limit still cannot pass.
    pub fn unsettled(&self, samples: &[&Sample], judged: &[&Judgement]) -> Option<String> {
        let conclusive = judged
            .iter()
            .filter(|j| j.status != Status::Inconclusive)
            .count();
        if conclusive == 0 || conclusive * 2 < judged.len() {
            return Some(format!(
                "inconclusive: only {conclusive} of {} measurements had enough traffic or data (min-requests {})",
                judged.len(),
                trim_float(self.min_requests, 0)
            ));
        }
        if self.has_baseline {
            for t in &self.thresholds {
                if !matches!(t.rule, Rule::Baseline(_)) {
                    continue;
                }
                let Some((last, earlier)) = samples.split_last() else {
                    continue;
                };
                let (new, baseline) = self.history(&t.metric, earlier, last);
                if new.len() < MIN_SAMPLES || baseline.len() < MIN_SAMPLES {
                    return Some(format!(
                        "could not compare {} with the baseline: {} measurements of the new version and {} of the baseline had enough traffic, {MIN_SAMPLES} of each are needed",
                        t.metric,
                        new.len(),
                        baseline.len()
                    ));
                }
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::spec::{Metric, Source, parse_thresholds};
    use jiff::Timestamp;

    fn policy(thresholds: &str) -> Policy {
        let metrics = vec![Metric {
            name: "p95-ms".into(),
            source: Source::Value("x".into()),
            ratio: false,
        }];
        Policy {
            thresholds: parse_thresholds(thresholds, &metrics).unwrap(),
            min_requests: 100.0,
            on_no_data: OnNoData::Fail,
            failure_limit: 3,
            has_baseline: true,
        }
    }

    fn reading(p95: Option<f64>, requests: f64) -> Reading {
        let mut r = Reading {
            requests: Some(requests),
            ..Reading::default()
        };
        if let Some(v) = p95 {
            r.values.insert("p95-ms".into(), v);
        }
        r
    }

    fn sample(new: f64, baseline: f64) -> Sample {
        Sample {
            at: Timestamp::UNIX_EPOCH,
            new: reading(Some(new), 1000.0),
            baseline: Some(reading(Some(baseline), 1000.0)),
            queries: 1,
        }
    }

    fn judge(p: &Policy, history: &[Sample], s: &Sample) -> Judgement {
        let earlier: Vec<&Sample> = history.iter().collect();
        p.judge(&earlier, s, |_| false)
    }

    #[test]
    fn absolute_limits_fail_one_measurement() {
        let p = policy("p95-ms <= 200");
        assert_eq!(judge(&p, &[], &sample(150.0, 100.0)).status, Status::Passed);
        let j = judge(&p, &[], &sample(250.0, 100.0));
        assert_eq!(j.status, Status::Failed);
        assert_eq!(j.reasons, vec!["p95-ms is 250, above 200".to_string()]);
    }

    #[test]
    fn the_relative_comparison_needs_several_measurements() {
        let p = policy("p95-ms <= baseline + 20%");
        let history: Vec<Sample> = (0..4).map(|_| sample(180.0, 100.0)).collect();
        // Four of each: not enough to say, however clear it looks.
        assert_eq!(judge(&p, &history[..3], &history[3]).status, Status::Passed);
        let j = judge(&p, &history, &sample(180.0, 100.0));
        assert_eq!(j.status, Status::Failed, "{j:?}");
        assert!(
            j.reasons[0].contains("worse than the baseline by more than 20% over 5 measurements"),
            "{j:?}"
        );
        // Within the tolerance: 115 is below 1.2 × 100.
        let history: Vec<Sample> = (0..9).map(|_| sample(115.0, 100.0)).collect();
        assert_eq!(
            judge(&p, &history, &sample(115.0, 100.0)).status,
            Status::Passed
        );
    }

    #[test]
    fn too_little_traffic_and_no_data() {
        let mut p = policy("p95-ms <= 200");
        let quiet = Sample {
            new: reading(Some(900.0), 20.0),
            ..sample(0.0, 0.0)
        };
        let j = judge(&p, &[], &quiet);
        assert_eq!(j.status, Status::Inconclusive);
        assert_eq!(
            j.reasons,
            vec!["20 requests, fewer than min-requests 100".to_string()]
        );
        let silent = Sample {
            new: Reading::default(),
            ..sample(0.0, 0.0)
        };
        for (on, status) in [
            (OnNoData::Fail, Status::Failed),
            (OnNoData::Wait, Status::Inconclusive),
            (OnNoData::Pass, Status::Passed),
        ] {
            p.on_no_data = on;
            assert_eq!(judge(&p, &[], &silent).status, status, "{on:?}");
        }
        let judged = [&j, &j];
        assert!(
            p.unsettled(&[], &judged)
                .unwrap()
                .starts_with("inconclusive: only 0 of 2")
        );
    }

    #[test]
    fn a_watch_without_enough_baseline_cannot_compare() {
        let p = policy("p95-ms <= baseline + 20%");
        let samples: Vec<Sample> = (0..6)
            .map(|_| Sample {
                baseline: Some(reading(Some(100.0), 5.0)),
                ..sample(100.0, 0.0)
            })
            .collect();
        let refs: Vec<&Sample> = samples.iter().collect();
        let passed = Judgement {
            status: Status::Passed,
            reasons: vec![],
        };
        let judged = vec![&passed; 6];
        let why = p.unsettled(&refs, &judged).unwrap();
        assert!(
            why.contains("6 measurements of the new version and 0 of the baseline"),
            "{why}"
        );
    }
}
