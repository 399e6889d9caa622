//! Collecting one measurement: ONE instant query at the measurement's time that asks for every
//! metric of both versions (each sub-query tagged with its metric, version and kind, joined
//! with `or`), and the reading of its answer. The I/O goes through the shared Prometheus client.

use super::engine::{Measure, Reading, Sample};
use super::selector;
use super::spec::{Metric, REQUESTS, Requests, Source};
use crate::error_budget_gate::budget::{is_count, is_ratio};
use crate::prometheus::api::{self, AnswerError};
use crate::prometheus::{Server, answer_failure};
use crate::report::Failure;
use jiff::Timestamp;
use std::collections::BTreeMap;

const METRIC_LABEL: &str = "ready_metric";
const VERSION_LABEL: &str = "ready_version";
const KIND_LABEL: &str = "ready_kind";

/// The role of a version in the answer's tags.
pub const NEW: &str = "new";
pub const BASELINE: &str = "baseline";

/// What one measurement asks.
pub struct Ask {
    pub metrics: Vec<Metric>,
    pub requests: Option<Requests>,
    /// The window every `{{.window}}` covers, in seconds.
    pub window: u64,
    /// The label that tells the versions apart in SLO queries without `{{version}}`.
    pub label: String,
    /// (role, version): the new one first.
    pub versions: Vec<(&'static str, String)>,
}

impl Ask {
    /// A template filled in for one version: `{{.window}}`, then `{{version}}` or a matcher.
    fn resolve(&self, template: &str, version: &str) -> Result<String, String> {
        let query = crate::slo::fill(template, &crate::prometheus::duration::format(self.window));
        if selector::has_placeholder(&query) {
            return Ok(selector::fill(&query, version));
        }
        selector::narrow(&query, &self.label, version).ok_or_else(|| {
            format!(
                "cannot select one version in `{template}`: give it a {} placeholder or write its selectors with braces",
                selector::PLACEHOLDER
            )
        })
    }

    /// The one query of a measurement; Err names a query no version can be selected in.
    pub fn query(&self) -> Result<String, String> {
        let mut parts = Vec::new();
        for (role, version) in &self.versions {
            let mut tag = |name: &str, kind: &str, template: &str| -> Result<(), String> {
                let q = self.resolve(template, version)?;
                parts.push(api::tagged(
                    &q,
                    &[
                        (METRIC_LABEL, name),
                        (VERSION_LABEL, role),
                        (KIND_LABEL, kind),
                    ],
                ));
                Ok(())
            };
            for m in &self.metrics {
                match &m.source {
                    Source::Events { error, total } => {
                        tag(&m.name, "error", error)?;
                        tag(&m.name, "total", total)?;
                    }
                    Source::Value(q) => tag(&m.name, "value", q)?,
                }
            }
            if let Some(r) = &self.requests {
                tag(REQUESTS, "requests", &r.query)?;
            }
        }
        Ok(parts.join("\nor\n"))
    }

    /// The readings per role from the answer, and the server's warnings.
    pub fn read(
        &self,
        body: &str,
    ) -> Result<(BTreeMap<String, Reading>, Vec<String>), AnswerError> {
        let (samples, warnings) = api::vector(body)?;
        // (role, metric, kind) → summed value
        let mut sums: BTreeMap<(String, String, String), f64> = BTreeMap::new();
        for s in samples {
            let tag = |l: &str| s.metric.get(l).cloned();
            let (Some(metric), Some(role), Some(kind)) =
                (tag(METRIC_LABEL), tag(VERSION_LABEL), tag(KIND_LABEL))
            else {
                continue;
            };
            let value = api::number(&s.value.1);
            let ratio = self.metrics.iter().any(|m| m.name == metric && m.ratio);
            let sane = match (kind.as_str(), value) {
                (_, None) => false,
                ("value", Some(v)) if ratio => is_ratio(v),
                ("value", Some(v)) => v != f64::NEG_INFINITY,
                (_, Some(v)) => is_count(v),
            };
            if !sane {
                return Err(AnswerError::Nonsense(format!(
                    "the {kind} query of `{}` for the {role} version returned {:?}",
                    metric,
                    crate::http::excerpt(s.value.1.as_bytes(), 40, false)
                )));
            }
            *sums.entry((role, metric, kind)).or_insert(0.0) += value.unwrap_or_default();
        }
        let mut out = BTreeMap::new();
        for (role, _) in &self.versions {
            let get = |metric: &str, kind: &str| {
                sums.get(&(role.to_string(), metric.to_string(), kind.to_string()))
                    .copied()
            };
            let mut reading = Reading::default();
            for m in &self.metrics {
                let value = match &m.source {
                    // No error series means no errors; no total or zero total means no data.
                    Source::Events { .. } => get(&m.name, "total")
                        .filter(|t| *t > 0.0)
                        .map(|t| get(&m.name, "error").unwrap_or(0.0) / t),
                    Source::Value(_) => get(&m.name, "value").filter(|v| !v.is_nan()),
                };
                if let Some(v) = value {
                    reading.values.insert(m.name.clone(), v);
                }
            }
            reading.requests = self.requests.as_ref().and_then(|r| {
                let scale = if r.per_second {
                    self.window as f64
                } else {
                    1.0
                };
                get(REQUESTS, "requests").map(|v| v * scale)
            });
            out.insert(role.to_string(), reading);
        }
        Ok((out, warnings))
    }
}

/// Measures through a Prometheus server.
pub struct Prometheus<'a> {
    pub server: &'a Server,
    pub ask: &'a Ask,
    pub query: String,
}

impl Measure for Prometheus<'_> {
    async fn measure(
        &mut self,
        at: Timestamp,
        deadline: tokio::time::Instant,
    ) -> Result<Sample, Failure> {
        let (status, body) = self
            .server
            .post(
                "query",
                &[
                    ("query", self.query.clone()),
                    ("time", at.as_second().to_string()),
                ],
                deadline,
            )
            .await?;
        let (mut readings, warnings) = self
            .ask
            .read(&body)
            .map_err(|e| answer_failure(status, e, "measurement query"))?;
        if !warnings.is_empty() {
            // A partial answer (Thanos, a failed remote read) may lack the failing series.
            return Err(Failure::undecided(format!(
                "Prometheus answered the measurement at {} with warnings, so the answer may be partial: {}",
                at.strftime("%H:%M:%SZ"),
                warnings.join("; ")
            )));
        }
        Ok(Sample {
            at,
            new: readings.remove(NEW).unwrap_or_default(),
            baseline: readings.remove(BASELINE),
            queries: 1,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::watch::spec::parse_queries;

    fn ask() -> Ask {
        let (mut metrics, requests) = parse_queries(
            "p95-ms: histogram_quantile(0.95, sum by (le) (rate(h_bucket{v=\"{{version}}\"}[{{.window}}])))\nrequests: sum(increase(t{v=\"{{version}}\"}[{{.window}}]))",
        )
        .unwrap();
        metrics.insert(
            0,
            Metric {
                name: "shop/availability".into(),
                source: Source::Events {
                    error: "sum(rate(t{code=~\"5..\"}[{{.window}}]))".into(),
                    total: "sum(rate(t[{{.window}}]))".into(),
                },
                ratio: true,
            },
        );
        Ask {
            metrics,
            requests,
            window: 60,
            label: "version".into(),
            versions: vec![(NEW, "v2".into()), (BASELINE, "v1".into())],
        }
    }

    #[test]
    fn one_query_for_every_metric_of_both_versions() {
        let q = ask().query().unwrap();
        assert_eq!(q.matches("\nor\n").count(), 7);
        assert!(q.contains(
            r#"sum(sum(rate(t{version="v2",code=~"5.."}[1m]))), "ready_metric", "shop/availability", "", ""), "ready_version", "new""#
        ), "{q}");
        assert!(q.contains(r#"h_bucket{v="v1"}[1m]"#), "{q}");
        let mut bad = ask();
        bad.metrics[1].source = Source::Value("sum(up)".into());
        assert!(
            bad.query()
                .unwrap_err()
                .contains("cannot select one version")
        );
    }

    fn answer(samples: &[(&str, &str, &str, &str)]) -> String {
        let result: Vec<String> = samples
            .iter()
            .map(|(m, v, k, value)| {
                format!(
                    r#"{{"metric":{{"ready_metric":"{m}","ready_version":"{v}","ready_kind":"{k}"}},"value":[1,"{value}"]}}"#
                )
            })
            .collect();
        format!(
            r#"{{"status":"success","data":{{"resultType":"vector","result":[{}]}}}}"#,
            result.join(",")
        )
    }

    #[test]
    fn reads_ratios_values_and_requests_per_version() {
        let body = answer(&[
            ("shop/availability", "new", "error", "1"),
            ("shop/availability", "new", "total", "100"),
            ("p95-ms", "new", "value", "180"),
            ("requests", "new", "requests", "6000"),
            ("shop/availability", "baseline", "total", "100"),
            ("p95-ms", "baseline", "value", "NaN"),
        ]);
        let (r, _) = ask().read(&body).unwrap();
        assert_eq!(r[NEW].values["shop/availability"], 0.01);
        assert_eq!(r[NEW].values["p95-ms"], 180.0);
        assert_eq!(r[NEW].requests, Some(6000.0));
        assert_eq!(r[BASELINE].values["shop/availability"], 0.0);
        assert!(!r[BASELINE].values.contains_key("p95-ms"));
        assert_eq!(r[BASELINE].requests, None);
    }

    #[test]
    fn numbers_that_are_no_measurement_are_nonsense() {
        for (kind, value) in [("error", "NaN"), ("total", "-1"), ("requests", "+Inf")] {
            let metric = if kind == "requests" {
                "requests"
            } else {
                "shop/availability"
            };
            let e = ask()
                .read(&answer(&[(metric, "new", kind, value)]))
                .unwrap_err();
            assert!(
                matches!(e, AnswerError::Nonsense(_)),
                "{kind} {value}: {e:?}"
            );
        }
    }
}
