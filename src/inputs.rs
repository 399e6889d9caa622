//! The inputs layer: how every action reads what it is given. An action input left at "" in
//! action.yml arrives as `INPUT_X=""`, so blank means "not set" everywhere; booleans have one
//! vocabulary; and the runner's own variables are read here, not in each action.

use crate::report::{Failure, Finding};
use std::time::Duration;

/// An input that is set and not blank, trimmed.
pub fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// A list input: items separated by commas or new lines, trimmed, empty ones dropped.
pub fn list(value: &str) -> Vec<String> {
    value
        .split([',', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// A non-empty input, trimmed.
pub fn required(value: Option<String>, name: &str) -> Result<String, Failure> {
    value
        .map(|v| v.trim().to_string())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Failure::invalid(format!("`{name}` is required")))
}

/// A boolean in any spelling an action has ever accepted: true/false, on/off, yes/no, 1/0, in
/// any case. Blank is `None`: the caller's default.
pub fn boolean(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "on" | "yes" | "1" => Ok(Some(true)),
        "false" | "off" | "no" | "0" => Ok(Some(false)),
        _ => Err(format!(
            "{:?} is not true or false (nor on/off, yes/no, 1/0)",
            text.trim()
        )),
    }
}

/// Only `true` or `false` (any case), as docker/metadata-action reads its boolean settings: for
/// inputs of a drop-in that must refuse what the original refuses. Blank is `None`.
pub fn true_or_false(text: &str) -> Result<Option<bool>, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(format!("{:?} is not true or false", text.trim())),
    }
}

/// A clap value parser for a switch that is off unless turned on.
pub fn off_unless_set(text: &str) -> Result<bool, String> {
    boolean(text).map(|b| b.unwrap_or(false))
}

/// A clap value parser for a switch that is on unless turned off.
pub fn on_unless_set(text: &str) -> Result<bool, String> {
    boolean(text).map(|b| b.unwrap_or(true))
}

/// A boolean input kept as text by its `Args`: `default` when unset or blank.
pub fn flag(value: &Option<String>, name: &str, default: bool) -> Result<bool, Failure> {
    boolean(value.as_deref().unwrap_or_default())
        .map(|b| b.unwrap_or(default))
        .map_err(|e| Failure::invalid(format!("{name}: {e}")))
}

/// A duration for timeouts and intervals: `500ms`, `1.5s`, `30s`, `10m`, `1h30m` (`sec` and
/// `min` too, spaces between parts allowed) or a plain number of seconds (`90`, `2.5`).
/// Prometheus windows (`30d`) are the same grammar held to what PromQL accepts: see
/// `error_budget_gate::duration`.
pub fn duration(text: &str) -> Result<Duration, String> {
    let t = text.trim();
    let bad = || format!("{t:?} is not a duration such as 500ms, 30s, 10m, 1h or 1h30m");
    if t.is_empty() {
        return Err("empty duration".into());
    }
    if t.chars().all(is_number_char) {
        return nanos(number(t, 1_000_000_000).ok_or_else(bad)?, t);
    }
    let mut total: u128 = 0;
    for part in duration_parts(t).ok_or_else(bad)? {
        // Days and longer are SLO windows' units (`error_budget_gate::duration`), not a timeout's.
        let unit_seconds = part
            .unit_seconds()
            .filter(|&u| u < 86_400)
            .ok_or_else(bad)?;
        let unit_nanos = unit_seconds.saturating_mul(1_000_000_000);
        let unit_nanos = if part.unit == "ms" {
            1_000_000
        } else {
            unit_nanos
        };
        let value = number(part.number, unit_nanos).ok_or_else(bad)?;
        total = total.checked_add(value).ok_or_else(bad)?;
    }
    nanos(total, t)
}

/// One `<number><unit>` of a duration, as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DurationPart<'a> {
    pub number: &'a str,
    pub unit: &'a str,
}

impl DurationPart<'_> {
    /// The unit in whole seconds: `ms` is 0 (less than one), an unknown unit `None`.
    pub fn unit_seconds(&self) -> Option<u64> {
        Some(match self.unit {
            "ms" => 0,
            "s" | "sec" => 1,
            "m" | "min" => 60,
            "h" => 3_600,
            "d" => 86_400,
            "w" => 7 * 86_400,
            "y" => 365 * 86_400,
            _ => return None,
        })
    }
}

/// Splits `1h 30m` into its parts; `None` when a part lacks its number or its unit. The one
/// lexer of every duration the actions read.
pub fn duration_parts(text: &str) -> Option<Vec<DurationPart<'_>>> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while !rest.is_empty() {
        let digits = rest.find(|c| !is_number_char(c)).unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits);
        let unit_len = after.find(is_number_char).unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        let unit = unit.trim();
        if number.is_empty() || unit.is_empty() {
            return None;
        }
        parts.push(DurationPart { number, unit });
        rest = after;
    }
    Some(parts)
}

fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || c == '.'
}

/// A duration as people read it: `1m30s`, `45s`, `2h` (whole seconds; under a second `0s`).
pub fn human(d: Duration) -> String {
    let s = d.as_secs();
    let (h, m, sec) = (s / 3600, (s % 3600) / 60, s % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if sec > 0 || out.is_empty() {
        out.push_str(&format!("{sec}s"));
    }
    out
}

/// `text` (digits, maybe one `.`) times `unit` nanoseconds; whole numbers stay exact.
fn number(text: &str, unit: u64) -> Option<u128> {
    if let Ok(n) = text.parse::<u64>() {
        return u128::from(n).checked_mul(u128::from(unit));
    }
    let value: f64 = text.parse().ok().filter(|v: &f64| v.is_finite())?;
    let n = (value * unit as f64).round();
    (n < u128::MAX as f64).then_some(n as u128)
}

fn nanos(total: u128, text: &str) -> Result<Duration, String> {
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| format!("{text:?} is too long"))?;
    Ok(Duration::new(secs, (total % 1_000_000_000) as u32))
}

/// The run's URL, for records that point back at it, when running in Actions.
pub fn run_url() -> Option<String> {
    let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
    Some(format!(
        "{}/{}/actions/runs/{}",
        var("GITHUB_SERVER_URL")?,
        var("GITHUB_REPOSITORY")?,
        var("GITHUB_RUN_ID")?
    ))
}

/// `sha256:0123456789ab` for headlines.
pub fn short(digest: &str) -> &str {
    // A digest is ASCII; anything else is cut at a character boundary, never inside one.
    let end = (0..=digest.len().min(19))
        .rev()
        .find(|&i| digest.is_char_boundary(i))
        .unwrap_or(0);
    &digest[..end]
}

/// The runner's context, read once and handed to the action: its `GITHUB_*` variables (through
/// `env`, so tests can pass a map) and the event payload.
pub struct Runner<'a> {
    env: &'a dyn Fn(&str) -> Option<String>,
    /// The event payload; `{}` when there is none.
    pub event: serde_json::Value,
    /// What the action's report should warn about, such as an unreadable payload.
    pub warnings: Vec<Finding>,
}

impl<'a> Runner<'a> {
    /// Reads the payload at `$GITHUB_EVENT_PATH`. An unreadable file is a warning (the action
    /// goes on from the variables alone); a file that is not JSON is invalid input.
    pub fn read(env: &'a dyn Fn(&str) -> Option<String>) -> Result<Self, Failure> {
        let mut runner = Runner {
            env,
            event: serde_json::json!({}),
            warnings: Vec::new(),
        };
        let Some(path) = runner.var("GITHUB_EVENT_PATH") else {
            return Ok(runner);
        };
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                runner.event = serde_json::from_str(&text).map_err(|e| {
                    Failure::invalid(format!("the event payload {path} is not JSON: {e}"))
                })?;
            }
            Err(e) => runner.warnings.push(Finding::warning(
                "event-payload-missing",
                "Event payload missing",
                format!(
                    "GITHUB_EVENT_PATH {path} could not be read ({e}); going on from the GITHUB_* variables only."
                ),
            )),
        }
        Ok(runner)
    }

    /// A runner variable, when set and not empty.
    pub fn var(&self, name: &str) -> Option<String> {
        (self.env)(name).filter(|v| !v.is_empty())
    }

    /// A string in the event payload, by JSON pointer (`/pull_request/head/sha`).
    pub fn event_str(&self, pointer: &str) -> Option<String> {
        self.event
            .pointer(pointer)
            .and_then(|v| v.as_str())
            .map(str::to_string)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_boolean_spelling_any_action_accepted() {
        for t in ["true", "TRUE", " on ", "yes", "1", "True"] {
            assert_eq!(boolean(t), Ok(Some(true)), "{t}");
        }
        for f in ["false", "FALSE", "off", "no", "0"] {
            assert_eq!(boolean(f), Ok(Some(false)), "{f}");
        }
        assert_eq!(boolean("  "), Ok(None));
        assert!(boolean("maybe").unwrap_err().contains("not true or false"));
        assert_eq!(on_unless_set(""), Ok(true));
        assert_eq!(off_unless_set(""), Ok(false));
        assert_eq!(true_or_false("TRUE"), Ok(Some(true)));
        assert_eq!(true_or_false(""), Ok(None));
        assert!(true_or_false("yes").is_err());
    }

    #[test]
    fn every_duration_form_smoke_or_gate_on_green_accepted() {
        let ms = Duration::from_millis;
        for (text, want) in [
            ("500ms", ms(500)),
            ("1.5s", ms(1500)),
            ("3", ms(3000)),
            ("2.5", ms(2500)),
            ("2m", ms(120_000)),
            ("1h30m", ms(5_400_000)),
            ("1h 30m", ms(5_400_000)),
            ("5 s", ms(5000)),
            ("10sec", ms(10_000)),
            ("2min", ms(120_000)),
            (" 30m ", ms(1_800_000)),
        ] {
            assert_eq!(duration(text), Ok(want), "{text}");
        }
        for text in [
            "",
            "soon",
            "5x",
            "1d",
            "m",
            "1..5s",
            "nan",
            "inf",
            "-1s",
            "99999999999999999999h",
        ] {
            assert!(duration(text).is_err(), "{text}");
        }
    }

    #[test]
    fn an_unreadable_payload_is_a_warning_and_bad_json_is_invalid() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.json").display().to_string();
        let env = |k: &str| (k == "GITHUB_EVENT_PATH").then(|| missing.clone());
        let runner = Runner::read(&env).unwrap();
        assert_eq!(runner.event, serde_json::json!({}));
        assert_eq!(runner.warnings.len(), 1);
        let bad = dir.path().join("bad.json");
        std::fs::write(&bad, "{").unwrap();
        let bad = bad.display().to_string();
        let env = |k: &str| (k == "GITHUB_EVENT_PATH").then(|| bad.clone());
        assert!(Runner::read(&env).is_err());
    }

    #[test]
    fn blank_means_unset() {
        assert_eq!(given(&Some("  ".into())), None);
        assert_eq!(given(&Some(" x ".into())), Some("x"));
        assert!(required(Some(" ".into()), "image").is_err());
    }

    #[test]
    fn short_never_cuts_inside_a_character() {
        assert_eq!(short("sha256:0123456789abcdef"), "sha256:0123456789ab");
        assert_eq!(short("ééééééééééé"), "ééééééééé");
    }
}
