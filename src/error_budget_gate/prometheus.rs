//! The Prometheus HTTP API, without the I/O: the queries the gate sends and the answers it reads.
//! All windows go into ONE instant query, each sub-query tagged with a `ready_window` and
//! `ready_kind` label and joined with `or`, so a decision costs one round trip (plus one range
//! query for the chart).

use super::budget::{self, Observed};
use super::duration;
use super::slo::{Sli, fill};
pub use crate::prometheus::api::{AnswerError, ApiError, form_body, number, series};
use std::collections::BTreeMap;

pub const WINDOW_LABEL: &str = "ready_window";
pub const KIND_LABEL: &str = "ready_kind";

fn tagged(query: &str, window: &str, kind: &str) -> String {
    crate::prometheus::api::tagged(query, &[(WINDOW_LABEL, window), (KIND_LABEL, kind)])
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
    let (samples, warnings) = crate::prometheus::api::vector(body)?;
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

#[cfg(test)]
mod tests {
    use super::*;

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

    /// Reading the matrix itself is `prometheus::api`'s (tested there); this is the query.
    #[test]
    fn the_ratio_query_spans_one_step() {
        assert_eq!(
            ratio_query(&events(), 3_600),
            "sum(rate(e[1h])) / sum(rate(t[1h]))"
        );
    }
}
