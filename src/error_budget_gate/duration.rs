//! Prometheus durations (`30d`, `1h30m`, `70s`): the actions' one duration grammar
//! (`inputs::duration_parts`) held to what PromQL accepts, parsed into whole seconds and printed
//! back in the same form, so a window the gate puts into a query is one Prometheus accepts.

use crate::inputs::duration_parts;

/// Parses `[0-9]+(y|w|d|h|m|s)` units, concatenated largest first as Prometheus does. Returns
/// whole seconds; sub-second parts are rejected, since no SLO window is that short, and so are
/// fractions and bare numbers, which PromQL's range selectors refuse.
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let bad = || format!("`{text}` is not a duration such as 30d, 7d, 1h or 5m");
    let mut total: u64 = 0;
    let mut last_unit = u64::MAX;
    for part in duration_parts(text).ok_or_else(bad)? {
        let unit = match part.unit_seconds() {
            Some(0) => {
                return Err(format!(
                    "`{text}`: milliseconds are too short for an SLO window"
                ));
            }
            // PromQL spells units with one letter; `sec` and `min` are the timeouts' own.
            Some(unit) if part.unit.len() == 1 => unit,
            _ => return Err(bad()),
        };
        if unit >= last_unit || !part.number.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        last_unit = unit;
        let number: u64 = part.number.parse().map_err(|_| bad())?;
        total = number
            .checked_mul(unit)
            .and_then(|s| total.checked_add(s))
            .ok_or_else(bad)?;
    }
    if total == 0 {
        return Err(format!("`{text}`: a window must be longer than zero"));
    }
    Ok(total)
}

/// Formats seconds the way Prometheus does: `7d`, `1h24m`, `1m10s`.
pub fn format(seconds: u64) -> String {
    if seconds == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = seconds;
    // No weeks: SLO windows are spoken of in days (`28d`, not `4w`).
    for (unit, suffix) in [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")] {
        if rest >= unit {
            out.push_str(&format!("{}{suffix}", rest / unit));
            rest %= unit;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prometheus_durations() {
        assert_eq!(parse("30d"), Ok(30 * 86_400));
        assert_eq!(parse("7d"), Ok(7 * 86_400));
        assert_eq!(parse("1h30m"), Ok(5_400));
        assert_eq!(parse("70s"), Ok(70));
        assert_eq!(parse("2w"), Ok(14 * 86_400));
        assert_eq!(parse(" 5m "), Ok(300));
    }

    #[test]
    fn rejects_what_prometheus_rejects() {
        assert!(parse("").is_err());
        assert!(parse("7").is_err());
        assert!(parse("d").is_err());
        assert!(parse("5m1h").is_err());
        assert!(parse("1.5h").is_err());
        assert!(parse("0d").is_err());
        assert!(parse("100ms").is_err());
        assert!(parse("99999999999999999999y").is_err());
    }

    #[test]
    fn formats_round_trip() {
        assert_eq!(format(7 * 86_400), "7d");
        assert_eq!(format(840), "14m");
        assert_eq!(format(70), "1m10s");
        assert_eq!(format(5_040), "1h24m");
        assert_eq!(format(28 * 86_400), "28d");
        for s in [1, 59, 61, 3_599, 86_401, 30 * 86_400] {
            assert_eq!(parse(&format(s)), Ok(s));
        }
    }
}
