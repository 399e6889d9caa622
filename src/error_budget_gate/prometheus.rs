//! The Prometheus HTTP API, without the I/O: the queries the gate sends and the answers it reads.
//! All windows go into ONE instant query, each sub-query tagged with a `ready_window` and
//! `ready_kind` label and joined with `or`, so a decision costs one round trip (plus one range
//! query for the chart).

use super::budget::{self, Observed};
use super::duration;
use super::slo::{Sli, fill};
use serde::Deserialize;
use std::collections::BTreeMap;

pub const WINDOW_LABEL: &str = "ready_window";
pub const KIND_LABEL: &str = "ready_kind";

fn tagged(query: &str, window: &str, kind: &str) -> String {
    format!(
        "label_replace(label_replace(sum({query}), \"{WINDOW_LABEL}\", \"{window}\", \"\", \"\"), \"{KIND_LABEL}\", \"{kind}\", \"\", \"\")"
    )
}

/// The kinds of sub-query an SLI has: bad and all events, or the ratio itself.
fn kinds(sli: &Sli) -> &'static [&'static str] {
    match sli {
        Sli::Events { .. } => &["error", "total"],
        Sli::Raw { .. } => &["ratio"],
    }
}

/// The user's query of one kind, filled in for one window.
fn sub_query(sli: &Sli, kind: &str, window: &str) -> String {
    let template = match (sli, kind) {
        (Sli::Events { error, .. }, "error") => error,
        (Sli::Events { total, .. }, _) => total,
        (Sli::Raw { ratio }, _) => ratio,
    };
    fill(template, window)
}

/// The one instant query that measures every window.
pub fn instant_query(sli: &Sli, windows: &[u64]) -> String {
    let mut parts = Vec::new();
    for &w in windows {
        let window = duration::format(w);
        for kind in kinds(sli) {
            parts.push(tagged(&sub_query(sli, kind, &window), &window, kind));
        }
    }
    parts.join("\nor\n")
}

/// The error ratio per `step`, for the chart's range query.
pub fn ratio_query(sli: &Sli, step: u64) -> String {
    let window = duration::format(step);
    match sli {
        Sli::Events { error, total } => format!(
            "sum({}) / sum({})",
            fill(error, &window),
            fill(total, &window)
        ),
        Sli::Raw { ratio } => format!("sum({})", fill(ratio, &window)),
    }
}

/// The form body of a query request. Every request asks for a complete answer: Thanos (and
/// Prometheus-compatible stores like it) otherwise answer with whatever part of the data they
/// reached, flagged only by a warning.
pub fn form_body(params: &[(&str, String)]) -> String {
    let mut form = reqwest::Url::parse("http://form.invalid/").expect("a valid URL");
    form.query_pairs_mut()
        .extend_pairs(params)
        .append_pair("partial_response", "false");
    form.query().unwrap_or_default().to_string()
}

/// An error answer: `{"status":"error","errorType":"bad_data","error":"..."}`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub error_type: String,
    pub message: String,
}

impl ApiError {
    /// A query Prometheus could not parse: the user's query is wrong, not the server.
    pub fn is_bad_query(&self) -> bool {
        self.error_type == "bad_data"
    }
}

#[derive(Deserialize)]
struct Envelope {
    status: String,
    #[serde(rename = "errorType", default)]
    error_type: Option<String>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    warnings: Vec<String>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(rename = "resultType")]
    result_type: String,
    result: serde_json::Value,
}

#[derive(Deserialize)]
struct VectorSample {
    metric: BTreeMap<String, String>,
    value: (f64, String),
}

#[derive(Deserialize)]
struct MatrixSeries {
    values: Vec<(f64, String)>,
}

/// Why an answer could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum AnswerError {
    /// The server said no in the API's own words.
    Api(ApiError),
    /// Not an answer of the query API (a proxy page, a truncated body).
    Malformed(String),
    /// An answer whose numbers cannot be what the query measures (NaN errors, a negative ratio).
    Nonsense(String),
}

fn envelope(body: &str) -> Result<(Data, Vec<String>), AnswerError> {
    let env: Envelope = serde_json::from_str(body).map_err(|e| {
        // Redacted before the cut, which could leave the start of a secret unrecognised.
        let start: String = crate::gha::secrets::redact(body)
            .chars()
            .take(120)
            .collect();
        AnswerError::Malformed(format!("not a Prometheus API answer ({e}): {start}"))
    })?;
    if env.status != "success" {
        return Err(AnswerError::Api(ApiError {
            error_type: env.error_type.unwrap_or_else(|| "unknown".into()),
            message: env.error.unwrap_or_default(),
        }));
    }
    let data = env
        .data
        .ok_or_else(|| AnswerError::Malformed("a success answer without data".into()))?;
    Ok((data, env.warnings))
}

fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok()
}

/// A sample's value, if it is what its query measures; else why not, naming query and value.
fn checked(sli: &Sli, kind: &str, window: &str, text: &str) -> Result<f64, AnswerError> {
    let (sane, expected): (fn(f64) -> bool, _) = if kind == "ratio" {
        (budget::is_ratio, "an error ratio between 0 and 1")
    } else {
        (budget::is_count, "a finite, non-negative count")
    };
    match number(text) {
        Some(v) if sane(v) => Ok(v),
        _ => Err(AnswerError::Nonsense(format!(
            "the {kind} query over {window} returned {:?}, not {expected}: `{}`",
            crate::http::excerpt(text.as_bytes(), 40, false),
            sub_query(sli, kind, window)
        ))),
    }
}

/// The observations per window, from the instant query's answer; also the server's warnings.
pub fn observations(
    body: &str,
    sli: &Sli,
    windows: &[u64],
) -> Result<(BTreeMap<u64, Observed>, Vec<String>), AnswerError> {
    let (data, warnings) = envelope(body)?;
    if data.result_type != "vector" {
        return Err(AnswerError::Malformed(format!(
            "expected a vector, got a {}",
            data.result_type
        )));
    }
    let samples: Vec<VectorSample> = serde_json::from_value(data.result)
        .map_err(|e| AnswerError::Malformed(format!("unexpected vector: {e}")))?;
    // (window, kind) → summed value
    let mut sums: BTreeMap<(u64, String), f64> = BTreeMap::new();
    for s in samples {
        let (Some(w), Some(kind)) = (s.metric.get(WINDOW_LABEL), s.metric.get(KIND_LABEL)) else {
            continue;
        };
        let Ok(w) = duration::parse(w) else { continue };
        let value = checked(sli, kind, &duration::format(w), &s.value.1)?;
        *sums.entry((w, kind.clone())).or_insert(0.0) += value;
    }
    let get = |w: u64, k: &str| sums.get(&(w, k.to_string())).copied();
    let out = windows
        .iter()
        .map(|&w| {
            let obs = match sli {
                Sli::Events { .. } => Observed::from_counts(get(w, "error"), get(w, "total")),
                Sli::Raw { .. } => Observed::from_ratio(get(w, "ratio")),
            };
            (w, obs)
        })
        .collect();
    Ok((out, warnings))
}

/// The points of a range query's single series: (unix seconds, value); NaN where 0/0.
pub fn series(body: &str) -> Result<Vec<(i64, f64)>, AnswerError> {
    let (data, _) = envelope(body)?;
    if data.result_type != "matrix" {
        return Err(AnswerError::Malformed(format!(
            "expected a matrix, got a {}",
            data.result_type
        )));
    }
    let series: Vec<MatrixSeries> = serde_json::from_value(data.result)
        .map_err(|e| AnswerError::Malformed(format!("unexpected matrix: {e}")))?;
    Ok(series
        .into_iter()
        .next()
        .map(|s| {
            s.values
                .into_iter()
                .map(|(t, v)| (t as i64, number(&v).unwrap_or(f64::NAN)))
                .collect()
        })
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_malformed_answer_is_redacted_before_it_is_cut() {
        crate::gha::secrets::register("prom-secret-past-the-cut");
        let body = format!("<html>{}prom-secret-past-the-cut", "p".repeat(110));
        let Err(AnswerError::Malformed(m)) = series(&body) else {
            panic!("not malformed")
        };
        assert!(m.ends_with("***") && !m.contains("prom-s"), "{m}");
    }

    fn events() -> Sli {
        Sli::Events {
            error: "rate(e[{{.window}}])".into(),
            total: "rate(t[{{.window}}])".into(),
        }
    }

    #[test]
    fn one_query_tags_every_window_and_kind() {
        let q = instant_query(&events(), &[604_800, 70]);
        assert_eq!(q.matches("label_replace(label_replace(sum(").count(), 4);
        assert!(q.contains("sum(rate(e[7d])), \"ready_window\", \"7d\""));
        assert!(q.contains("sum(rate(t[1m10s])), \"ready_window\", \"1m10s\", \"\", \"\"), \"ready_kind\", \"total\""));
        assert_eq!(q.matches("\nor\n").count(), 3);
    }

    #[test]
    fn reads_the_tagged_vector() {
        let body = r#"{"status":"success","data":{"resultType":"vector","result":[
          {"metric":{"ready_window":"7d","ready_kind":"error"},"value":[1717761600,"5"]},
          {"metric":{"ready_window":"7d","ready_kind":"total"},"value":[1717761600,"1000"]},
          {"metric":{"ready_window":"1m10s","ready_kind":"total"},"value":[1717761600,"0"]}
        ]},"warnings":["careful"]}"#;
        let (obs, warnings) = observations(body, &events(), &[604_800, 70, 840]).unwrap();
        assert_eq!(obs[&604_800].ratio(), Some(0.005));
        assert_eq!(obs[&70], Observed::ZeroTraffic);
        assert_eq!(obs[&840], Observed::NoSeries);
        assert_eq!(warnings, vec!["careful".to_string()]);
    }

    #[test]
    fn error_answers_and_garbage() {
        let e = observations(
            r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#,
            &events(),
            &[60],
        )
        .unwrap_err();
        assert!(
            matches!(&e, AnswerError::Api(a) if a.is_bad_query() && a.message == "parse error")
        );
        assert!(matches!(
            observations("<html>502</html>", &events(), &[60]).unwrap_err(),
            AnswerError::Malformed(_)
        ));
    }

    #[test]
    fn values_that_are_no_measurement_are_nonsense() {
        let answer = |kind: &str, value: &str| {
            format!(
                r#"{{"status":"success","data":{{"resultType":"vector","result":[{{"metric":{{"ready_window":"1m","ready_kind":"{kind}"}},"value":[1,"{value}"]}}]}}}}"#
            )
        };
        let raw = Sli::Raw {
            ratio: "r[{{.window}}]".into(),
        };
        for (sli, kind, value) in [
            (events(), "error", "NaN"),
            (events(), "total", "+Inf"),
            (events(), "error", "-3"),
            (events(), "error", "many"),
            (raw.clone(), "ratio", "-0.5"),
            (raw.clone(), "ratio", "-Inf"),
        ] {
            let e = observations(&answer(kind, value), &sli, &[60]).unwrap_err();
            let AnswerError::Nonsense(m) = e else {
                panic!("{kind} {value}: {e:?}")
            };
            assert!(m.contains(&format!("\"{value}\"")), "{m}");
            assert!(m.contains("[1m]"), "names the query: {m}");
        }
        let (obs, _) = observations(&answer("ratio", "NaN"), &raw, &[60]).unwrap();
        assert_eq!(obs[&60], Observed::ZeroTraffic);
    }

    #[test]
    fn every_request_refuses_a_partial_response() {
        assert_eq!(
            form_body(&[("query", "up == 1".into()), ("time", "10".into())]),
            "query=up+%3D%3D+1&time=10&partial_response=false"
        );
    }

    #[test]
    fn reads_a_matrix_with_nan() {
        let body = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[10,"0.1"],[20,"NaN"]]}]}}"#;
        let s = series(body).unwrap();
        assert_eq!(s[0], (10, 0.1));
        assert!(s[1].1.is_nan());
        assert_eq!(
            ratio_query(&events(), 3_600),
            "sum(rate(e[1h])) / sum(rate(t[1h]))"
        );
    }
}
