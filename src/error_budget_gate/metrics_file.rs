//! The metrics-file source: good and total counts per window, as JSON, for teams whose CI cannot
//! reach Prometheus. Keys are windows in Prometheus form:
//!
//! ```json
//! { "windows": { "7d": { "good": 99800, "total": 100000 }, "1h": { "bad": 3, "total": 900 } } }
//! ```

use super::budget::Observed;
use super::duration;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    windows: BTreeMap<String, Counts>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Counts {
    good: Option<f64>,
    bad: Option<f64>,
    total: f64,
}

/// Observations per window length in seconds.
pub fn parse(text: &str) -> Result<BTreeMap<u64, Observed>, String> {
    let file: File = serde_json::from_str(text).map_err(|e| format!("not a metrics file: {e}"))?;
    let mut out = BTreeMap::new();
    for (key, counts) in file.windows {
        let window = duration::parse(&key).map_err(|e| format!("window {e}"))?;
        if !(counts.total.is_finite() && counts.total >= 0.0) {
            return Err(format!(
                "window {key}: total must be a count, not {}",
                counts.total
            ));
        }
        let bad = match (counts.good, counts.bad) {
            (Some(good), None) => counts.total - good,
            (None, Some(bad)) => bad,
            _ => {
                return Err(format!(
                    "window {key}: give either `good` or `bad` with `total`"
                ));
            }
        };
        if !(bad.is_finite() && bad >= 0.0 && bad <= counts.total) {
            return Err(format!(
                "window {key}: bad events ({bad}) must be between 0 and the total ({})",
                counts.total
            ));
        }
        if out
            .insert(window, Observed::from_counts(Some(bad), Some(counts.total)))
            .is_some()
        {
            return Err(format!("window {key} is given twice"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_good_or_bad_counts_per_window() {
        let m =
            parse(r#"{"windows":{"7d":{"good":995,"total":1000},"1m10s":{"bad":0,"total":0}}}"#)
                .unwrap();
        assert_eq!(m[&604_800].ratio(), Some(0.005));
        assert_eq!(m[&70], Observed::ZeroTraffic);
    }

    #[test]
    fn rejects_impossible_counts() {
        assert!(parse(r#"{"windows":{"7d":{"good":1001,"total":1000}}}"#).is_err());
        assert!(parse(r#"{"windows":{"7d":{"good":1,"bad":1,"total":2}}}"#).is_err());
        assert!(parse(r#"{"windows":{"7x":{"good":1,"total":2}}}"#).is_err());
        assert!(
            parse(r#"{"windows":{"7d":{"good":1,"total":2},"168h":{"good":1,"total":2}}}"#)
                .unwrap_err()
                .contains("twice")
        );
        assert!(parse(r#"{"window":{}}"#).is_err());
    }
}
