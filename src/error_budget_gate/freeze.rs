//! Deploy freezes: one-off windows (a holiday, an incident review) and weekly recurring windows
//! (Friday afternoons), in a named time zone. Local times stay local across daylight-saving
//! changes: "Friday 15:00 Europe/Berlin" is 14:00 UTC in winter and 13:00 UTC in summer.

use crate::yaml::PathItem;
use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, Zoned};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FreezeFile {
    #[serde(default, alias = "time-zone")]
    timezone: Option<String>,
    /// Required: an empty file is more likely a mistake than "no freezes", which is `freezes: []`.
    freezes: Option<Vec<FreezeEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FreezeEntry {
    reason: String,
    #[serde(default, alias = "time-zone")]
    timezone: Option<String>,
    start: Option<String>,
    end: Option<String>,
    weekly: Option<WeeklyEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WeeklyEntry {
    days: Vec<String>,
    start: String,
    end: String,
}

/// When a freeze applies.
#[derive(Debug, Clone)]
pub enum When {
    Once {
        start: Zoned,
        end: Zoned,
    },
    Weekly {
        days: Vec<Weekday>,
        /// Seconds after local midnight.
        start: u32,
        /// Seconds after local midnight, up to 24:00; at or before `start` it ends the next day.
        end: u32,
        tz: TimeZone,
    },
}

#[derive(Debug, Clone)]
pub struct Freeze {
    pub reason: String,
    pub when: When,
}

/// A freeze in force at the evaluated instant.
#[derive(Debug, Clone, PartialEq)]
pub struct Active {
    pub reason: String,
    /// When it lifts, in the freeze's own time zone.
    pub until: Zoned,
}

#[derive(Debug, PartialEq)]
pub struct FreezeError {
    pub message: String,
    pub line: Option<u32>,
}

fn err(message: impl Into<String>) -> FreezeError {
    FreezeError {
        message: message.into(),
        line: None,
    }
}

fn zone(name: Option<&str>) -> Result<TimeZone, FreezeError> {
    match name {
        None => Ok(TimeZone::UTC),
        Some(n) => TimeZone::get(n).map_err(|e| err(format!("unknown time zone `{n}`: {e}"))),
    }
}

/// An instant: RFC 3339 with an offset, or a local date-time (`2024-12-20 18:00`) or date in `tz`.
fn instant(text: &str, tz: &TimeZone) -> Result<Zoned, FreezeError> {
    let text = text.trim();
    if let Ok(ts) = text.parse::<Timestamp>() {
        return Ok(ts.to_zoned(tz.clone()));
    }
    let civil = text
        .parse::<DateTime>()
        .or_else(|_| {
            text.parse::<Date>()
                .map(|d| d.to_datetime(Time::midnight()))
        })
        .map_err(|_| {
            err(format!(
                "`{text}` is not a time such as 2024-12-20 18:00 or 2024-12-20T17:00:00Z"
            ))
        })?;
    // A local time skipped by a DST change moves forward; a repeated one takes the first.
    civil
        .to_zoned(tz.clone())
        .map_err(|e| err(format!("`{text}`: {e}")))
}

fn clock(text: &str, allow_24: bool) -> Result<u32, FreezeError> {
    let bad = || err(format!("`{text}` is not a time of day such as 15:00"));
    let (h, m) = text.trim().split_once(':').ok_or_else(bad)?;
    let h: u32 = h.parse().map_err(|_| bad())?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if m >= 60 || h > 24 || (h == 24 && (m != 0 || !allow_24)) {
        return Err(bad());
    }
    Ok(h * 3_600 + m * 60)
}

fn weekday(text: &str) -> Result<Weekday, FreezeError> {
    let t = text.trim().to_ascii_lowercase();
    let day = match t.get(..3).unwrap_or("") {
        "mon" => Weekday::Monday,
        "tue" => Weekday::Tuesday,
        "wed" => Weekday::Wednesday,
        "thu" => Weekday::Thursday,
        "fri" => Weekday::Friday,
        "sat" => Weekday::Saturday,
        "sun" => Weekday::Sunday,
        _ => return Err(err(format!("`{text}` is not a day of the week"))),
    };
    Ok(day)
}

/// Parses a freeze file.
pub fn parse(text: &str) -> Result<Vec<Freeze>, FreezeError> {
    let file: Option<FreezeFile> = crate::yaml::from_str(text).map_err(|e| FreezeError {
        message: format!("not a freeze file: {e}"),
        line: e.location().map(|l| l.line() as u32),
    })?;
    let Some(FreezeFile {
        timezone,
        freezes: Some(freezes),
    }) = file
    else {
        return Err(err(
            "no `freezes` list: the file freezes nothing (write `freezes: []` to say so)",
        ));
    };
    let default_tz = timezone.as_deref();
    freezes
        .into_iter()
        .enumerate()
        .map(|(index, entry)| {
            // An error names the entry's field where it has one, else the entry itself.
            let at = |field: &[&str]| {
                let mut path = vec![PathItem::Key("freezes"), PathItem::Index(index)];
                path.extend(field.iter().map(|f| PathItem::Key(f)));
                crate::yaml::line_of(text, &path)
                    .or_else(|| crate::yaml::line_of(text, &path[..2]))
                    .map(|l| l as u32)
            };
            let label = |field: &[&str], m: String| FreezeError {
                message: format!("freeze `{}`: {}", entry.reason, m),
                line: at(field),
            };
            let zone_field: &[&str] = if entry.timezone.is_some() {
                &["timezone"]
            } else {
                &[]
            };
            let tz = zone(entry.timezone.as_deref().or(default_tz))
                .map_err(|e| label(zone_field, e.message))?;
            let when = match (&entry.start, &entry.end, &entry.weekly) {
                (Some(s), Some(e), None) => {
                    let start = instant(s, &tz).map_err(|e| label(&["start"], e.message))?;
                    let end = instant(e, &tz).map_err(|e| label(&["end"], e.message))?;
                    if end.timestamp() <= start.timestamp() {
                        return Err(label(&["end"], "`end` must be after `start`".into()));
                    }
                    When::Once { start, end }
                }
                (None, None, Some(w)) => {
                    if w.days.is_empty() {
                        return Err(label(&["weekly", "days"], "`weekly.days` is empty".into()));
                    }
                    let days = w
                        .days
                        .iter()
                        .map(|d| weekday(d))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| label(&["weekly", "days"], e.message))?;
                    When::Weekly {
                        days,
                        start: clock(&w.start, false)
                            .map_err(|e| label(&["weekly", "start"], e.message))?,
                        end: clock(&w.end, true)
                            .map_err(|e| label(&["weekly", "end"], e.message))?,
                        tz,
                    }
                }
                _ => {
                    return Err(label(
                        &[],
                        "give either `start` and `end`, or `weekly` (days, start, end)".into(),
                    ));
                }
            };
            Ok(Freeze {
                reason: entry.reason,
                when,
            })
        })
        .collect()
}

fn local_end(date: Date, end: u32, tz: &TimeZone) -> Zoned {
    let (date, secs) = if end >= 86_400 {
        (date.tomorrow().unwrap_or(date), end - 86_400)
    } else {
        (date, end)
    };
    let time =
        Time::new((secs / 3_600) as i8, ((secs / 60) % 60) as i8, 0, 0).unwrap_or(Time::midnight());
    date.to_datetime(time)
        .to_zoned(tz.clone())
        .unwrap_or_else(|_| Timestamp::MAX.to_zoned(tz.clone()))
}

impl Freeze {
    /// Whether this freeze is in force at `at`, and until when.
    pub fn active_at(&self, at: Timestamp) -> Option<Active> {
        let until = match &self.when {
            When::Once { start, end } => {
                (start.timestamp() <= at && at < end.timestamp()).then(|| end.clone())?
            }
            When::Weekly {
                days,
                start,
                end,
                tz,
            } => {
                let local = at.to_zoned(tz.clone());
                let t = local.time();
                let now = t.hour() as u32 * 3_600 + t.minute() as u32 * 60 + t.second() as u32;
                let today = local.date();
                let on = |d: Weekday| days.contains(&d);
                if start < end {
                    (on(local.weekday()) && *start <= now && now < *end)
                        .then(|| local_end(today, *end, tz))?
                } else if on(local.weekday()) && now >= *start {
                    // Runs past midnight into tomorrow.
                    local_end(today, end + 86_400, tz)
                } else if on(local.weekday().previous()) && now < *end {
                    local_end(today, *end, tz)
                } else {
                    return None;
                }
            }
        };
        Some(Active {
            reason: self.reason.clone(),
            until,
        })
    }
}

/// The first freeze in force at `at`.
pub fn active(freezes: &[Freeze], at: Timestamp) -> Option<Active> {
    freezes.iter().find_map(|f| f.active_at(at))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
timezone: Europe/Berlin
freezes:
  - reason: "No deploys on Friday afternoon"
    weekly:
      days: [friday]
      start: "15:00"
      end: "18:00"
  - reason: "Night maintenance"
    timezone: America/New_York
    weekly:
      days: [sat]
      start: "22:00"
      end: "02:00"
  - reason: "Year-end freeze"
    start: "2024-12-21 18:00"
    end: "2025-01-06"
  - reason: "Clock change night"
    start: "2024-10-27 01:30"
    end: "2024-10-27T02:30:00+01:00"
"#;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn reason(text: &str) -> Option<String> {
        active(&parse(FILE).unwrap(), at(text)).map(|a| a.reason)
    }

    #[test]
    fn an_error_in_an_entry_names_the_line_of_its_field() {
        let text = "timezone: UTC\nfreezes:\n  - reason: ok\n    start: 2024-01-01T00:00\n    end: 2024-01-02T00:00\n  - reason: backwards\n    start: 2024-01-02T00:00\n    end: 2024-01-01T00:00\n  - reason: no days\n    weekly:\n      days: []\n      start: \"15:00\"\n      end: \"18:00\"\n  - reason: neither\n";
        let e = parse(text).unwrap_err();
        assert_eq!(
            (e.line, e.message.contains("`end` must be after")),
            (Some(8), true)
        );
        let only = |from: &str| -> String {
            let start = text.find(from).unwrap();
            format!("freezes:\n{}", &text[start..])
        };
        let e = parse(&only("  - reason: no days")).unwrap_err();
        assert_eq!((e.line, e.message.contains("is empty")), (Some(4), true));
        let e = parse(&only("  - reason: neither")).unwrap_err();
        assert_eq!((e.line, e.message.contains("give either")), (Some(2), true));
    }

    #[test]
    fn weekly_window_follows_local_time_across_dst() {
        // Before the spring change (CET, UTC+1): 15:00 local is 14:00 UTC.
        assert_eq!(reason("2024-03-29T13:59:00Z"), None);
        assert_eq!(
            reason("2024-03-29T14:00:00Z").as_deref(),
            Some("No deploys on Friday afternoon")
        );
        assert_eq!(
            reason("2024-03-29T16:59:00Z").as_deref(),
            Some("No deploys on Friday afternoon")
        );
        assert_eq!(reason("2024-03-29T17:00:00Z"), None);
        // After it (CEST, UTC+2): 15:00 local is 13:00 UTC.
        assert_eq!(
            reason("2024-04-05T13:00:00Z").as_deref(),
            Some("No deploys on Friday afternoon")
        );
        assert_eq!(reason("2024-04-05T16:00:00Z"), None);
    }

    #[test]
    fn overnight_window_runs_into_the_next_day() {
        // Saturday 22:00 to Sunday 02:00 New York time (EDT, UTC-4 in June).
        assert_eq!(
            reason("2024-06-09T02:30:00Z").as_deref(),
            Some("Night maintenance")
        );
        assert_eq!(
            reason("2024-06-09T05:30:00Z").as_deref(),
            Some("Night maintenance")
        );
        assert_eq!(reason("2024-06-09T06:00:00Z"), None);
        assert_eq!(reason("2024-06-09T01:59:00Z"), None);
        let a = active(&parse(FILE).unwrap(), at("2024-06-09T03:00:00Z")).unwrap();
        assert_eq!(a.until.timestamp(), at("2024-06-09T06:00:00Z"));
    }

    #[test]
    fn one_off_windows_in_local_time() {
        // 18:00 CET is 17:00 UTC.
        assert_eq!(reason("2024-12-21T16:59:00Z"), None);
        assert_eq!(
            reason("2024-12-21T17:00:00Z").as_deref(),
            Some("Year-end freeze")
        );
        assert_eq!(
            reason("2025-01-05T22:59:00Z").as_deref(),
            Some("Year-end freeze")
        );
        assert_eq!(reason("2025-01-05T23:00:00Z"), None);
    }

    #[test]
    fn one_off_window_across_the_autumn_change() {
        // 01:30 CEST (UTC+2) = 23:30 UTC on the 26th; the end is given with its offset, after
        // the clocks went back: 02:30 CET = 01:30 UTC. Two hours and a half of real time.
        assert_eq!(reason("2024-10-26T23:29:00Z"), None);
        assert_eq!(
            reason("2024-10-26T23:30:00Z").as_deref(),
            Some("Clock change night")
        );
        assert_eq!(
            reason("2024-10-27T01:29:00Z").as_deref(),
            Some("Clock change night")
        );
        assert_eq!(reason("2024-10-27T01:30:00Z"), None);
    }

    #[test]
    fn until_is_reported_in_the_freeze_zone() {
        let a = active(&parse(FILE).unwrap(), at("2024-04-05T13:30:00Z")).unwrap();
        assert_eq!(a.until.timestamp(), at("2024-04-05T16:00:00Z"));
        assert_eq!(a.until.time_zone().iana_name(), Some("Europe/Berlin"));
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let e = |t: &str| parse(t).unwrap_err().message;
        assert!(e("freezes:\n  - reason: x\n    timezone: Mars/Olympus\n    start: 2024-01-01\n    end: 2024-01-02\n").contains("unknown time zone"));
        assert!(
            e("freezes:\n  - reason: x\n    start: 2024-01-02\n    end: 2024-01-01\n")
                .contains("after")
        );
        assert!(e("freezes:\n  - reason: x\n    weekly:\n      days: [funday]\n      start: '1:00'\n      end: '2:00'\n").contains("day of the week"));
        assert!(e("freezes:\n  - reason: x\n    weekly:\n      days: [mon]\n      start: '25:00'\n      end: '2:00'\n").contains("time of day"));
        assert!(e("freezes:\n  - reason: x\n").contains("either"));
        assert!(e("freezes:\n  - reason: x\n    colour: red\n").contains("unknown field"));
        assert!(parse("freezes: [\n").unwrap_err().line.is_some());
        for empty in ["", "# nothing yet\n", "{}", "timezone: Europe/Berlin\n"] {
            assert!(e(empty).contains("no `freezes` list"), "{empty:?}");
        }
        assert!(parse("freezes: []\n").unwrap().is_empty());
    }
}
