//! What the watch measures and what counts as a regression, from its inputs, without I/O: the
//! metrics (an SLO file's SLIs and explicit `queries`), the `requests` count behind
//! `min-requests`, and the `thresholds`.

use crate::slo::{Sli, Slo};

/// The name of the explicit query that counts requests per measurement.
pub const REQUESTS: &str = "requests";

/// One measured value per version.
#[derive(Debug, Clone, PartialEq)]
pub struct Metric {
    pub name: String,
    pub source: Source,
    /// An error ratio, shown in percent.
    pub ratio: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Source {
    /// Bad and all events (an SLO's `sli.events`): the ratio of their sums.
    Events { error: String, total: String },
    /// A query that returns the value itself.
    Value(String),
}

/// Where the request count comes from.
#[derive(Debug, Clone, PartialEq)]
pub struct Requests {
    pub query: String,
    /// The query gives requests per second (an SLI's `rate(...)`): times the window, a count.
    pub per_second: bool,
}

/// The metrics of SLOs: each SLO's error ratio, named after it.
pub fn from_slos(slos: &[Slo]) -> Vec<Metric> {
    slos.iter()
        .filter_map(|slo| {
            let source = match slo.sli.as_ref()? {
                Sli::Events { error, total } => Source::Events {
                    error: error.clone(),
                    total: total.clone(),
                },
                Sli::Raw { ratio } => Source::Value(ratio.clone()),
            };
            Some(Metric {
                name: slo.name.clone(),
                source,
                ratio: true,
            })
        })
        .collect()
}

/// The requests behind an SLO's events: its total query, per second when it is a rate.
pub fn requests_of(metrics: &[Metric]) -> Option<Requests> {
    metrics.iter().find_map(|m| match &m.source {
        Source::Events { total, .. } => Some(Requests {
            query: total.clone(),
            per_second: total.contains("rate("),
        }),
        Source::Value(_) => None,
    })
}

/// `name: PromQL` lines; `requests` is the request count, the others are metrics.
pub fn parse_queries(text: &str) -> Result<(Vec<Metric>, Option<Requests>), String> {
    let mut metrics: Vec<Metric> = Vec::new();
    let mut requests = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let at = || format!("queries line {}", i + 1);
        let (name, query) = line
            .split_once(':')
            .map(|(n, q)| (n.trim(), q.trim()))
            .filter(|(n, q)| is_name(n) && !q.is_empty())
            .ok_or_else(|| format!("{}: expected `name: PromQL`, got `{line}`", at()))?;
        if name == REQUESTS {
            requests = Some(Requests {
                query: query.to_string(),
                per_second: false,
            });
        } else if metrics.iter().any(|m| m.name == name) {
            return Err(format!("{}: `{name}` is named twice", at()));
        } else {
            metrics.push(Metric {
                name: name.to_string(),
                source: Source::Value(query.to_string()),
                ratio: name.contains("ratio"),
            });
        }
    }
    Ok((metrics, requests))
}

fn is_name(text: &str) -> bool {
    !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

/// How far the new version may be from the baseline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Tolerance {
    /// `baseline + 20%`: up to 1.2 × the baseline.
    Factor(f64),
    /// `baseline + 0.005`: up to the baseline plus this much.
    Offset(f64),
}

impl Tolerance {
    pub fn apply(self, baseline: f64) -> f64 {
        match self {
            Tolerance::Factor(f) => baseline * f,
            Tolerance::Offset(o) => baseline + o,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Rule {
    /// An absolute limit on every measurement.
    AtMost(f64),
    /// No worse than the baseline by more than the tolerance, across the measurements.
    Baseline(Tolerance),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Threshold {
    pub metric: String,
    pub rule: Rule,
    /// As the user wrote it, for messages.
    pub text: String,
}

/// A number, `%` meaning hundredths.
fn amount(text: &str) -> Option<f64> {
    let t = text.trim();
    let (number, scale) = match t.strip_suffix('%') {
        Some(n) => (n.trim(), 0.01),
        None => (t, 1.0),
    };
    number
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite() && *v >= 0.0)
        .map(|v| v * scale)
}

/// `metric <= 1%`, `p95-ms <= 200`, `metric <= baseline`, `metric <= baseline + 20%`,
/// `metric <= baseline + 0.005`; one per line.
pub fn parse_thresholds(text: &str, metrics: &[Metric]) -> Result<Vec<Threshold>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = |why: &str| {
            format!(
                "thresholds line {}: {why}, in `{line}` (expected `metric <= 1%`, `metric <= 200` or `metric <= baseline + 20%`)",
                i + 1
            )
        };
        let (metric, limit) = line
            .split_once("<=")
            .map(|(m, l)| (m.trim(), l.trim()))
            .ok_or_else(|| bad("no `<=`"))?;
        if !metrics.iter().any(|m| m.name == metric) {
            let names: Vec<&str> = metrics.iter().map(|m| m.name.as_str()).collect();
            return Err(bad(&format!(
                "`{metric}` is not a metric (the metrics: {})",
                names.join(", ")
            )));
        }
        let rule = match limit.strip_prefix("baseline") {
            Some(rest) => {
                let rest = rest.trim();
                let tolerance = if rest.is_empty() {
                    Tolerance::Offset(0.0)
                } else {
                    let by = rest
                        .strip_prefix('+')
                        .ok_or_else(|| bad("only `baseline + x` is understood"))?;
                    let value = amount(by).ok_or_else(|| bad("not a non-negative number"))?;
                    if by.trim().ends_with('%') {
                        Tolerance::Factor(1.0 + value)
                    } else {
                        Tolerance::Offset(value)
                    }
                };
                Rule::Baseline(tolerance)
            }
            None => Rule::AtMost(amount(limit).ok_or_else(|| bad("not a non-negative number"))?),
        };
        out.push(Threshold {
            metric: metric.to_string(),
            rule,
            text: format!("{metric} <= {limit}"),
        });
    }
    Ok(out)
}

/// Without `thresholds`: each SLO's error ratio at most what its objective allows, and no worse
/// than the baseline's by more than a quarter when there is one.
pub fn default_thresholds(slos: &[Slo], with_baseline: bool) -> Vec<Threshold> {
    let mut out = Vec::new();
    for slo in slos.iter().filter(|s| s.sli.is_some()) {
        let budget = slo.budget();
        out.push(Threshold {
            metric: slo.name.clone(),
            rule: Rule::AtMost(budget),
            text: format!(
                "{} <= {}%",
                slo.name,
                crate::error_budget_gate::budget::trim_float(budget * 100.0, 4)
            ),
        });
        if with_baseline {
            out.push(Threshold {
                metric: slo.name.clone(),
                rule: Rule::Baseline(Tolerance::Factor(1.25)),
                text: format!("{} <= baseline + 25%", slo.name),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metrics() -> Vec<Metric> {
        parse_queries("error-ratio: sum(e) / sum(t)\np95-ms: histogram_quantile(0.95, x)\n")
            .unwrap()
            .0
    }

    #[test]
    fn queries_by_name_with_requests_apart() {
        let (m, r) = parse_queries(
            "# what we watch\nerror-ratio: sum(rate(job:errors:rate5m[1m]))\nrequests: sum(increase(x[{{.window}}]))\n",
        )
        .unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(
            m[0].source,
            Source::Value("sum(rate(job:errors:rate5m[1m]))".into())
        );
        assert!(m[0].ratio);
        assert!(!r.unwrap().per_second);
        let e = parse_queries("a: x\nnot a name: y\n").unwrap_err();
        assert!(e.starts_with("queries line 2"), "{e}");
        assert!(parse_queries("a: x\na: y\n").unwrap_err().contains("twice"));
    }

    #[test]
    fn thresholds_absolute_and_relative() {
        let t = parse_thresholds(
            "error-ratio <= 1%\np95-ms <= 200\np95-ms <= baseline + 20%\nerror-ratio <= baseline + 0.005\nerror-ratio <= baseline\n",
            &metrics(),
        )
        .unwrap();
        assert_eq!(t[0].rule, Rule::AtMost(0.01));
        assert_eq!(t[1].rule, Rule::AtMost(200.0));
        assert_eq!(t[2].rule, Rule::Baseline(Tolerance::Factor(1.2)));
        assert_eq!(t[3].rule, Rule::Baseline(Tolerance::Offset(0.005)));
        assert_eq!(t[4].rule, Rule::Baseline(Tolerance::Offset(0.0)));
        assert!((Tolerance::Factor(1.2).apply(100.0) - 120.0).abs() < 1e-9);
    }

    #[test]
    fn threshold_errors_name_the_line() {
        for (text, says) in [
            ("p95-ms < 200", "no `<=`"),
            (
                "p99 <= 200",
                "`p99` is not a metric (the metrics: error-ratio, p95-ms)",
            ),
            ("p95-ms <= fast", "not a non-negative number"),
            ("p95-ms <= baseline * 2", "only `baseline + x`"),
            ("p95-ms <= -1", "not a non-negative number"),
        ] {
            let e = parse_thresholds(&format!("\n{text}"), &metrics()).unwrap_err();
            assert!(e.starts_with("thresholds line 2: "), "{e}");
            assert!(e.contains(says), "{e}");
        }
    }

    #[test]
    fn slos_give_metrics_requests_and_default_thresholds() {
        let slo = Slo {
            name: "shop/availability".into(),
            objective: 99.5,
            sli: Some(Sli::Events {
                error: "sum(rate(e[{{.window}}]))".into(),
                total: "sum(rate(t[{{.window}}]))".into(),
            }),
            window: None,
        };
        let m = from_slos(std::slice::from_ref(&slo));
        assert_eq!(m[0].name, "shop/availability");
        assert!(requests_of(&m).unwrap().per_second);
        let t = default_thresholds(&[slo], true);
        assert_eq!(t[0].text, "shop/availability <= 0.5%");
        assert_eq!(t[1].rule, Rule::Baseline(Tolerance::Factor(1.25)));
    }
}
