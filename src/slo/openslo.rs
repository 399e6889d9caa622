//! OpenSLO `v1` documents: `kind: SLO` (with an inline `indicator` or an `indicatorRef` to a
//! `kind: SLI` document in the same file) whose indicator is a Prometheus `ratioMetric`, read
//! into the same `Slo` as a Sloth spec. Counter queries (`counter: true`, plain selectors as
//! OpenSLO writes them) become `sum(increase(<selector>[{{.window}}]))`.

use super::{Calendar, Sli, Slo, SpecError, Window, check_objective};
use serde::Deserialize;

pub const API_VERSION: &str = "openslo/v1";

/// Whether `text` is an OpenSLO document (rather than a Sloth spec).
pub fn is_openslo(text: &str) -> bool {
    text.lines().any(|l| {
        l.trim_start()
            .strip_prefix("apiVersion:")
            .is_some_and(|v| v.trim().trim_matches(|c| c == '"' || c == '\'') == API_VERSION)
    })
}

#[derive(Deserialize)]
struct Doc {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    metadata: Metadata,
    #[serde(default)]
    spec: yaml_serde::Value,
}

#[derive(Deserialize)]
struct Metadata {
    name: String,
}

#[derive(Deserialize)]
struct SloSpec {
    #[serde(default)]
    service: String,
    indicator: Option<Inline>,
    #[serde(rename = "indicatorRef")]
    indicator_ref: Option<String>,
    #[serde(rename = "timeWindow", default)]
    time_window: Vec<TimeWindow>,
    #[serde(rename = "budgetingMethod", default)]
    budgeting_method: Option<String>,
    objectives: Vec<Objective>,
}

#[derive(Deserialize)]
struct Inline {
    spec: SliSpec,
}

#[derive(Deserialize)]
struct TimeWindow {
    duration: String,
    #[serde(rename = "isRolling", default)]
    is_rolling: bool,
}

#[derive(Deserialize)]
struct Objective {
    #[serde(rename = "displayName")]
    display_name: Option<String>,
    target: Option<f64>,
    #[serde(rename = "targetPercent")]
    target_percent: Option<f64>,
}

#[derive(Deserialize)]
struct SliSpec {
    #[serde(rename = "ratioMetric")]
    ratio_metric: Option<RatioMetric>,
    #[serde(rename = "thresholdMetric")]
    threshold_metric: Option<yaml_serde::Value>,
}

#[derive(Deserialize)]
struct RatioMetric {
    #[serde(default)]
    counter: bool,
    good: Option<Metric>,
    bad: Option<Metric>,
    total: Metric,
}

#[derive(Deserialize)]
struct Metric {
    #[serde(rename = "metricSource")]
    metric_source: MetricSource,
}

#[derive(Deserialize)]
struct MetricSource {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    spec: SourceSpec,
}

#[derive(Deserialize)]
struct SourceSpec {
    query: String,
}

/// The documents of a multi-document file, each with the line it starts on.
fn documents(text: &str) -> Vec<(u32, String)> {
    let mut docs = vec![(1, String::new())];
    for (i, line) in text.lines().enumerate() {
        if line.trim_end() == "---" {
            docs.push((i as u32 + 2, String::new()));
            continue;
        }
        let doc = &mut docs.last_mut().expect("one document at least").1;
        doc.push_str(line);
        doc.push('\n');
    }
    docs.retain(|(_, d)| {
        d.lines()
            .any(|l| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
    });
    docs
}

/// A counter query as the error or total events over `{{.window}}`.
fn events(query: &str, counter: bool, what: &str) -> Result<String, String> {
    let q = query.trim();
    if super::has_placeholder(q) {
        return Ok(q.to_string());
    }
    let selector = q.ends_with('}')
        || q.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
    if counter && selector {
        return Ok(format!("sum(increase({q}[{}]))", super::PLACEHOLDER));
    }
    Err(format!(
        "{what}: `{q}` is neither a counter selector (with counter: true) nor a query with the window placeholder {}",
        super::PLACEHOLDER
    ))
}

fn sli(spec: &SliSpec) -> Result<Sli, String> {
    if spec.threshold_metric.is_some() {
        return Err("thresholdMetric indicators are not supported; use ratioMetric".into());
    }
    let ratio = spec
        .ratio_metric
        .as_ref()
        .ok_or("the indicator needs a ratioMetric")?;
    for m in [Some(&ratio.total), ratio.good.as_ref(), ratio.bad.as_ref()]
        .into_iter()
        .flatten()
    {
        if let Some(kind) = &m.metric_source.kind
            && !kind.eq_ignore_ascii_case("prometheus")
        {
            return Err(format!(
                "metricSource type `{kind}` is not supported; use Prometheus"
            ));
        }
    }
    let total = events(
        &ratio.total.metric_source.spec.query,
        ratio.counter,
        "total",
    )?;
    let error = match (&ratio.good, &ratio.bad) {
        (None, Some(bad)) => events(&bad.metric_source.spec.query, ratio.counter, "bad")?,
        // No good series at all counts every event as bad, never as none failed.
        (Some(good), None) => format!(
            "{total} - ({} or vector(0))",
            events(&good.metric_source.spec.query, ratio.counter, "good")?
        ),
        _ => return Err("the ratioMetric needs exactly one of good and bad".into()),
    };
    Ok(Sli::Events { error, total })
}

fn window(windows: &[TimeWindow]) -> Result<Option<Window>, String> {
    let Some(w) = windows.first() else {
        return Ok(None);
    };
    let d = w.duration.trim();
    if !w.is_rolling {
        return match d {
            "1M" => Ok(Some(Window::Calendar(Calendar::Month))),
            "1Q" => Ok(Some(Window::Calendar(Calendar::Quarter))),
            _ => Err(format!(
                "calendar timeWindow `{d}` is not supported; use 1M (a month) or 1Q (a quarter)"
            )),
        };
    }
    crate::prometheus::duration::parse(d)
        .map(|s| Some(Window::Rolling(s)))
        .map_err(|e| format!("timeWindow: {e}"))
}

/// Every SLO objective in an OpenSLO v1 file, in the file's order; several objectives of one
/// SLO are named `<slo>/<displayName>` (or their position).
pub fn parse(text: &str) -> Result<Vec<Slo>, SpecError> {
    let mut slos = Vec::new();
    let mut indicators: Vec<(String, SliSpec)> = Vec::new();
    let mut wanted: Vec<(u32, Doc)> = Vec::new();
    for (line, text) in documents(text) {
        let doc: Doc = crate::yaml::from_str(&text).map_err(|e| SpecError {
            message: format!("not an OpenSLO document: {e}"),
            line: Some(e.location().map_or(line, |l| line + l.line() as u32 - 1)),
        })?;
        let at = |message: String| SpecError {
            message,
            line: Some(line),
        };
        if doc.api_version != API_VERSION {
            return Err(at(format!(
                "apiVersion `{}` is not supported: the gate reads OpenSLO `{API_VERSION}`",
                doc.api_version
            )));
        }
        match doc.kind.as_str() {
            "SLI" => {
                let spec: SliSpec = yaml_serde::from_value(doc.spec)
                    .map_err(|e| at(format!("SLI `{}`: {e}", doc.metadata.name)))?;
                indicators.push((doc.metadata.name, spec));
            }
            "SLO" => wanted.push((line, doc)),
            // Services, alert policies and the like say nothing the gate needs.
            _ => {}
        }
    }
    for (line, doc) in wanted {
        let name = doc.metadata.name;
        let at = |message: String| SpecError {
            message: format!("SLO `{name}`: {message}"),
            line: Some(line),
        };
        let spec: SloSpec = yaml_serde::from_value(doc.spec).map_err(|e| at(e.to_string()))?;
        if let Some(m) = &spec.budgeting_method
            && m != "Occurrences"
        {
            return Err(at(format!(
                "budgetingMethod `{m}` is not supported; use Occurrences"
            )));
        }
        let sli = match (&spec.indicator, &spec.indicator_ref) {
            (Some(inline), None) => sli(&inline.spec),
            (None, Some(r)) => indicators
                .iter()
                .find(|(n, _)| n == r)
                .ok_or_else(|| format!("indicatorRef `{r}` names no SLI in the file"))
                .and_then(|(_, s)| sli(s)),
            _ => Err("give exactly one of indicator and indicatorRef".into()),
        }
        .map_err(at)?;
        let window = window(&spec.time_window).map_err(at)?;
        if spec.objectives.is_empty() {
            return Err(at("no objectives".into()));
        }
        let several = spec.objectives.len() > 1;
        for (i, o) in spec.objectives.iter().enumerate() {
            let percent = match (o.target, o.target_percent) {
                (Some(t), None) => t * 100.0,
                (None, Some(p)) => p,
                _ => {
                    return Err(at(
                        "an objective needs one of target and targetPercent".into()
                    ));
                }
            };
            // 0.995 × 100 is 99.49999…: round to what the file means.
            let objective = check_objective((percent * 1e9).round() / 1e9).map_err(at)?;
            let mut full = if spec.service.is_empty() {
                name.clone()
            } else {
                format!("{}/{name}", spec.service)
            };
            if several {
                full = format!(
                    "{full}/{}",
                    o.display_name
                        .clone()
                        .unwrap_or_else(|| (i + 1).to_string())
                );
            }
            slos.push(Slo {
                name: full,
                objective,
                sli: Some(sli.clone()),
                window,
            });
        }
    }
    if slos.is_empty() {
        return Err(SpecError::new(
            "the file has no OpenSLO `kind: SLO` document",
        ));
    }
    Ok(slos)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"apiVersion: openslo/v1
kind: SLI
metadata:
  name: api-errors
spec:
  ratioMetric:
    counter: true
    bad:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total{code=~"5.."}
    total:
      metricSource:
        type: Prometheus
        spec:
          query: http_requests_total
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: availability
spec:
  service: shop
  indicatorRef: api-errors
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - displayName: good
      target: 0.995
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: latency
spec:
  service: shop
  indicator:
    metadata:
      name: fast
    spec:
      ratioMetric:
        counter: true
        good:
          metricSource:
            type: Prometheus
            spec:
              query: http_request_duration_seconds_bucket{le="0.2"}
        total:
          metricSource:
            type: Prometheus
            spec:
              query: http_request_duration_seconds_count
  timeWindow:
    - duration: 1M
      isRolling: false
  objectives:
    - targetPercent: 99
"#;

    #[test]
    fn reads_slos_with_inline_and_referenced_indicators() {
        assert!(is_openslo(FILE));
        let slos = parse(FILE).unwrap();
        assert_eq!(slos.len(), 2);
        assert_eq!(slos[0].name, "shop/availability");
        assert_eq!(slos[0].objective, 99.5);
        assert_eq!(slos[0].window, Some(Window::Rolling(28 * 86_400)));
        assert_eq!(
            slos[0].sli,
            Some(Sli::Events {
                error: "sum(increase(http_requests_total{code=~\"5..\"}[{{.window}}]))".into(),
                total: "sum(increase(http_requests_total[{{.window}}]))".into(),
            })
        );
        assert_eq!(slos[1].window, Some(Window::Calendar(Calendar::Month)));
        let Some(Sli::Events { error, .. }) = &slos[1].sli else {
            panic!()
        };
        assert_eq!(
            error,
            "sum(increase(http_request_duration_seconds_count[{{.window}}])) - (sum(increase(http_request_duration_seconds_bucket{le=\"0.2\"}[{{.window}}])) or vector(0))"
        );
    }

    #[test]
    fn refuses_what_it_cannot_measure_naming_the_line() {
        let bad_ref = FILE.replace("indicatorRef: api-errors", "indicatorRef: nope");
        let e = parse(&bad_ref).unwrap_err();
        assert!(e.message.contains("indicatorRef `nope`"), "{e:?}");
        assert_eq!(e.line, Some(19), "the line the SLO document starts on");
        let timeslices = FILE.replace("Occurrences", "Timeslices");
        assert!(
            parse(&timeslices)
                .unwrap_err()
                .message
                .contains("Timeslices")
        );
        let gauge = FILE.replace("counter: true\n    bad", "counter: false\n    bad");
        assert!(
            parse(&gauge)
                .unwrap_err()
                .message
                .contains("neither a counter selector")
        );
        let e = parse("apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: [\n").unwrap_err();
        assert!(e.line.is_some(), "{e:?}");
    }
}
