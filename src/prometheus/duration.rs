//! Prometheus durations (`30d`, `1h30m`, `70s`): parsed into whole seconds and printed back in
//! the same form, so a window the gate puts into a query is one Prometheus accepts.

/// Parses `[0-9]+(y|w|d|h|m|s|ms)` units, concatenated largest first as Prometheus does. Returns
/// whole seconds; sub-second parts are rejected, since no SLO window is that short.
pub fn parse(text: &str) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("empty duration".into());
    }
    let bad = || format!("`{text}` is not a duration such as 30d, 7d, 1h or 5m");
    let mut total: u64 = 0;
    let mut rest = text;
    let mut last_unit = u64::MAX;
    while !rest.is_empty() {
        let digits = rest.chars().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return Err(bad());
        }
        let number: u64 = rest[..digits].parse().map_err(|_| bad())?;
        rest = &rest[digits..];
        let (unit, len) = match rest {
            r if r.starts_with("ms") => {
                return Err(format!(
                    "`{text}`: milliseconds are too short for an SLO window"
                ));
            }
            r if r.starts_with('y') => (365 * 86_400, 1),
            r if r.starts_with('w') => (7 * 86_400, 1),
            r if r.starts_with('d') => (86_400, 1),
            r if r.starts_with('h') => (3_600, 1),
            r if r.starts_with('m') => (60, 1),
            r if r.starts_with('s') => (1, 1),
            _ => return Err(bad()),
        };
        if unit >= last_unit {
            return Err(bad());
        }
        last_unit = unit;
        rest = &rest[len..];
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
