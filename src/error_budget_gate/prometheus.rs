//! The Prometheus HTTP API, without the I/O: the queries the gate sends and the answers it reads.
//! All windows go into ONE instant query, each sub-query tagged with a `ready_window` and
//! `ready_kind` label and joined with `or`, so a decision costs one round trip (plus one range
//! query for the chart).

use super::budget::Observed;
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

/// The one instant query that measures every window.
pub fn instant_query(sli: &Sli, windows: &[u64]) -> String {
    let mut parts = Vec::new();
    for &w in windows {
        let window = duration::format(w);
        match sli {
            Sli::Events { error, total } => {
                parts.push(tagged(&fill(error, &window), &window, "error"));
                parts.push(tagged(&fill(total, &window), &window, "total"));
            }
            Sli::Raw { ratio } => parts.push(tagged(&fill(ratio, &window), &window, "ratio")),
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
        let v = number(&s.value.1).unwrap_or(f64::NAN);
        *sums.entry((w, kind.clone())).or_insert(0.0) += v;
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
