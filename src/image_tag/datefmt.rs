//! moment.js display formats (`YYYYMMDD-HHmmss`, `dddd, MMMM Do YYYY`), rendered with jiff in a
//! named time zone, for `{{date}}` and `{{commit_date}}`.

use jiff::Timestamp;
use jiff::civil::Weekday;
use jiff::tz::TimeZone;

/// The format `{{date}}` and `{{commit_date}}` use when none is given (metadata-action renders
/// an object there); `20200110` is a valid tag and sorts.
pub const DEFAULT_FORMAT: &str = "YYYYMMDD";

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// Tokens, longest first so that `YYYY` wins over `YY`.
const TOKENS: [&str; 37] = [
    "YYYY", "YY", "MMMM", "MMM", "MM", "Mo", "M", "DDDD", "DDD", "DD", "Do", "D", "dddd", "ddd",
    "dd", "d", "HH", "H", "hh", "h", "kk", "k", "mm", "m", "ss", "s", "SSS", "SS", "S", "A", "a",
    "ZZ", "Z", "X", "x", "Q", "E",
];

/// Renders `at` in time zone `tz` (IANA name, `UTC` by default) with a moment format.
pub fn format(at: Timestamp, fmt: &str, tz: &str) -> Result<String, String> {
    let zone = TimeZone::get(tz).map_err(|_| format!("unknown time zone `{tz}`"))?;
    let z = at.to_zoned(zone);
    let mut out = String::new();
    let mut rest = fmt;
    while !rest.is_empty() {
        if let Some(lit) = rest.strip_prefix('[') {
            let end = lit.find(']').unwrap_or(lit.len());
            out.push_str(&lit[..end]);
            rest = lit.get(end + 1..).unwrap_or("");
            continue;
        }
        let Some(token) = TOKENS.iter().find(|t| rest.starts_with(**t)) else {
            let c = rest.chars().next().expect("rest is not empty");
            out.push(c);
            rest = &rest[c.len_utf8()..];
            continue;
        };
        rest = &rest[token.len()..];
        let weekday = z.weekday();
        let hour12 = match z.hour() % 12 {
            0 => 12,
            h => h,
        };
        let offset = z.offset().seconds();
        let (sign, abs) = if offset < 0 {
            ('-', -offset)
        } else {
            ('+', offset)
        };
        let piece = match *token {
            "YYYY" => format!("{:04}", z.year()),
            "YY" => format!("{:02}", z.year().rem_euclid(100)),
            "MMMM" => MONTHS[z.month() as usize - 1].to_string(),
            "MMM" => MONTHS[z.month() as usize - 1][..3].to_string(),
            "MM" => format!("{:02}", z.month()),
            "Mo" => ordinal(z.month() as i64),
            "M" => z.month().to_string(),
            "DDDD" => format!("{:03}", z.day_of_year()),
            "DDD" => z.day_of_year().to_string(),
            "DD" => format!("{:02}", z.day()),
            "Do" => ordinal(z.day() as i64),
            "D" => z.day().to_string(),
            "dddd" => weekday_name(weekday).to_string(),
            "ddd" => weekday_name(weekday)[..3].to_string(),
            "dd" => weekday_name(weekday)[..2].to_string(),
            "d" => weekday.to_sunday_zero_offset().to_string(),
            "E" => weekday.to_monday_one_offset().to_string(),
            "HH" => format!("{:02}", z.hour()),
            "H" => z.hour().to_string(),
            "hh" => format!("{hour12:02}"),
            "h" => hour12.to_string(),
            "kk" => format!("{:02}", if z.hour() == 0 { 24 } else { z.hour() }),
            "k" => (if z.hour() == 0 { 24 } else { z.hour() }).to_string(),
            "mm" => format!("{:02}", z.minute()),
            "m" => z.minute().to_string(),
            "ss" => format!("{:02}", z.second()),
            "s" => z.second().to_string(),
            "SSS" => format!("{:03}", z.millisecond()),
            "SS" => format!("{:02}", z.millisecond() / 10),
            "S" => (z.millisecond() / 100).to_string(),
            "A" => (if z.hour() < 12 { "AM" } else { "PM" }).to_string(),
            "a" => (if z.hour() < 12 { "am" } else { "pm" }).to_string(),
            "ZZ" => format!("{sign}{:02}{:02}", abs / 3600, abs % 3600 / 60),
            "Z" => format!("{sign}{:02}:{:02}", abs / 3600, abs % 3600 / 60),
            "X" => at.as_second().to_string(),
            "x" => at.as_millisecond().to_string(),
            "Q" => ((z.month() - 1) / 3 + 1).to_string(),
            _ => unreachable!("every token has an arm"),
        };
        out.push_str(&piece);
    }
    Ok(out)
}

fn weekday_name(w: Weekday) -> &'static str {
    match w {
        Weekday::Monday => "Monday",
        Weekday::Tuesday => "Tuesday",
        Weekday::Wednesday => "Wednesday",
        Weekday::Thursday => "Thursday",
        Weekday::Friday => "Friday",
        Weekday::Saturday => "Saturday",
        Weekday::Sunday => "Sunday",
    }
}

fn ordinal(n: i64) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at() -> Timestamp {
        // 2020-01-10T00:30:00Z, a Friday: the instant metadata-action's README uses.
        Timestamp::from_second(1_578_616_200).unwrap()
    }

    #[test]
    fn readme_examples() {
        assert_eq!(format(at(), "YYYYMMDD", "UTC").unwrap(), "20200110");
        assert_eq!(
            format(at(), "YYYYMMDD-HHmmss", "Asia/Tokyo").unwrap(),
            "20200110-093000"
        );
        assert_eq!(
            format(
                at() + jiff::SignedDuration::from_secs(53_750),
                "dddd, MMMM Do YYYY, h:mm:ss a",
                "UTC"
            )
            .unwrap(),
            "Friday, January 10th 2020, 3:25:50 pm"
        );
        assert_eq!(
            format(at(), "YYYY-MM-DDTHH:mm:ss.SSS[Z]", "UTC").unwrap(),
            "2020-01-10T00:30:00.000Z"
        );
        assert_eq!(
            format(at(), "Z ZZ X", "Asia/Kolkata").unwrap(),
            "+05:30 +0530 1578616200"
        );
    }

    #[test]
    fn unknown_zone_is_an_error() {
        assert!(format(at(), "YYYY", "Mars/Olympus").is_err());
    }

    #[test]
    fn ordinals() {
        assert_eq!(ordinal(1), "1st");
        assert_eq!(ordinal(12), "12th");
        assert_eq!(ordinal(22), "22nd");
        assert_eq!(ordinal(103), "103rd");
    }
}
