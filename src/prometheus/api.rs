//! The Prometheus HTTP API's answers, without I/O: the envelope every answer shares, error
//! answers, and vector and matrix results. What a query means is up to the action that sent it.

use serde::Deserialize;
use std::collections::BTreeMap;

/// `sum(query)` with constant labels added, so that several sub-queries joined with `or` go
/// in one round trip and each answer sample says which sub-query it belongs to.
pub fn tagged(query: &str, labels: &[(&str, &str)]) -> String {
    labels
        .iter()
        .fold(format!("sum({query})"), |inner, (name, value)| {
            format!("label_replace({inner}, \"{name}\", \"{value}\", \"\", \"\")")
        })
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

/// One sample of an instant vector: its labels and its value as the API writes it (text).
#[derive(Deserialize)]
pub struct VectorSample {
    pub metric: BTreeMap<String, String>,
    pub value: (f64, String),
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

/// A sample value as a number (`NaN`, `+Inf` included); None for text that is no number.
pub fn number(text: &str) -> Option<f64> {
    text.parse::<f64>().ok()
}

/// The samples of an instant query's answer, and the server's warnings.
pub fn vector(body: &str) -> Result<(Vec<VectorSample>, Vec<String>), AnswerError> {
    let (data, warnings) = envelope(body)?;
    if data.result_type != "vector" {
        return Err(AnswerError::Malformed(format!(
            "expected a vector, got a {}",
            data.result_type
        )));
    }
    let samples = serde_json::from_value(data.result)
        .map_err(|e| AnswerError::Malformed(format!("unexpected vector: {e}")))?;
    Ok((samples, warnings))
}

/// The points of a range query's first series: (unix seconds, value); NaN where 0/0.
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
    }

    #[test]
    fn error_answers_and_garbage() {
        let e = vector(r#"{"status":"error","errorType":"bad_data","error":"parse error"}"#)
            .err()
            .unwrap();
        assert!(
            matches!(&e, AnswerError::Api(a) if a.is_bad_query() && a.message == "parse error")
        );
        assert!(matches!(
            vector("<html>502</html>").err().unwrap(),
            AnswerError::Malformed(_)
        ));
        assert!(matches!(
            vector(r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#)
                .err()
                .unwrap(),
            AnswerError::Malformed(_)
        ));
    }
}
