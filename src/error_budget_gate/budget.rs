//! The arithmetic of the gate: error ratios per window, the budget left, and the multiwindow,
//! multi-burn-rate rule of the Google SRE workbook (page level), fitted to the SLO window.

/// What one window measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Observed {
    /// An error ratio (bad/total), with the counts where the source has them.
    Ratio {
        ratio: f64,
        bad: Option<f64>,
        total: Option<f64>,
    },
    /// The queries returned no series at all.
    NoSeries,
    /// Series exist but no requests were counted.
    ZeroTraffic,
}

/// A count of events is finite and non-negative. NaN, ±Inf or a negative count is no measurement:
/// counted as zero errors it would pass the gate on garbage.
pub fn is_count(value: f64) -> bool {
    value.is_finite() && value >= 0.0
}

/// An error ratio is in [0, 1], or NaN: what 0/0 gives for a window without traffic.
pub fn is_ratio(value: f64) -> bool {
    value.is_nan() || (0.0..=1.0).contains(&value)
}

impl Observed {
    /// From summed counts (checked with `is_count`); a missing error series means no errors, a
    /// missing total means no data.
    pub fn from_counts(bad: Option<f64>, total: Option<f64>) -> Observed {
        match total {
            None => Observed::NoSeries,
            Some(t) if t <= 0.0 => Observed::ZeroTraffic,
            Some(t) => {
                let b = bad.unwrap_or(0.0);
                Observed::Ratio {
                    ratio: b / t,
                    bad: Some(b),
                    total: Some(t),
                }
            }
        }
    }

    /// From a query that returns the ratio itself (checked with `is_ratio`); NaN is 0/0 there.
    pub fn from_ratio(ratio: Option<f64>) -> Observed {
        match ratio {
            None => Observed::NoSeries,
            Some(r) if r.is_nan() => Observed::ZeroTraffic,
            Some(r) => Observed::Ratio {
                ratio: r,
                bad: None,
                total: None,
            },
        }
    }

    pub fn ratio(&self) -> Option<f64> {
        match self {
            Observed::Ratio { ratio, .. } => Some(*ratio),
            _ => None,
        }
    }

    pub fn describe_missing(&self) -> &'static str {
        match self {
            Observed::NoSeries => "no series",
            Observed::ZeroTraffic => "no traffic",
            Observed::Ratio { .. } => "data",
        }
    }
}

/// What a firing pair means: page-level pairs block the deploy, ticket-level ones warn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Page,
    Ticket,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Page => "page",
            Level::Ticket => "ticket",
        }
    }
}

/// One pair of the multiwindow rule: fires when both windows burn faster than `factor`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pair {
    pub level: Level,
    pub long: u64,
    pub short: u64,
    pub factor: f64,
    /// Share of the budget that this pair lets go before it fires, e.g. 0.02.
    pub budget_share: f64,
}

/// The SRE workbook's page-level pairs for a 30-day SLO (2% of the budget in 1h with a 5m check,
/// 5% in 6h with a 30m check): burn faster than 14.4× over 1h and 5m, or 6× over 6h and 30m.
/// Longer SLO windows scale both windows up, which keeps the budget share; shorter ones keep the
/// workbook's windows, as Sloth's 7d example does: scaled down they would fall below a few scrape
/// intervals (7d would give 1m10s, which `rate()` over a 1m scrape leaves empty, so the pair
/// could never fire). The factors stay; the share of the budget a pair lets go grows instead.
pub fn page_pairs(slo_window: u64) -> Vec<Pair> {
    pairs(
        slo_window,
        Level::Page,
        &[(3_600, 300, 0.02), (6 * 3_600, 1_800, 0.05)],
    )
}

/// The workbook's ticket-level pairs, as Sloth sets them: 10% of the budget in 1d confirmed over
/// 2h (factor 3), 10% in 3d confirmed over 6h (factor 1), scaled like the page pairs. They warn:
/// a slow burn is for the team to look at, not a reason to stop a deploy.
pub fn ticket_pairs(slo_window: u64) -> Vec<Pair> {
    pairs(
        slo_window,
        Level::Ticket,
        &[(86_400, 7_200, 0.10), (3 * 86_400, 6 * 3_600, 0.10)],
    )
}

fn pairs(slo_window: u64, level: Level, workbook: &[(u64, u64, f64)]) -> Vec<Pair> {
    const MONTH: u64 = 30 * 86_400;
    let scale = |seconds: u64| {
        ((seconds as u128 * slo_window as u128) / MONTH as u128).max(seconds as u128) as u64
    };
    workbook
        .iter()
        .map(|&(long, short, share)| {
            let factor = share * MONTH as f64 / long as f64;
            let long = scale(long);
            Pair {
                level,
                long,
                short: scale(short),
                factor,
                budget_share: factor * long as f64 / slo_window as f64,
            }
        })
        .collect()
}

/// Every window the gate needs, SLO window first, without repeats.
pub fn windows(slo_window: u64, pairs: &[Pair]) -> Vec<u64> {
    let mut all = vec![slo_window];
    for p in pairs {
        for w in [p.long, p.short] {
            if !all.contains(&w) {
                all.push(w);
            }
        }
    }
    all
}

/// Budget values closer to zero than this count as zero: a ratio computed from extrapolated
/// counters is off in the last bits, and "exactly at the edge" must block.
pub const EPSILON: f64 = 1e-9;

/// 1 − ratio/budget; may be negative.
pub fn remaining(ratio: f64, budget: f64) -> f64 {
    let r = 1.0 - ratio / budget;
    if r.abs() < EPSILON { 0.0 } else { r }
}

pub fn burn_rate(ratio: f64, budget: f64) -> f64 {
    ratio / budget
}

/// The outcome of one pair.
#[derive(Debug, Clone, PartialEq)]
pub struct PairResult {
    pub pair: Pair,
    pub long_rate: Option<f64>,
    pub short_rate: Option<f64>,
    pub firing: bool,
}

/// Evaluates the pairs; a window without data cannot fire (night-time silence is no burn).
pub fn evaluate_pairs(
    pairs: &[Pair],
    budget: f64,
    observed: impl Fn(u64) -> Observed,
) -> Vec<PairResult> {
    pairs
        .iter()
        .map(|pair| {
            let rate = |w| observed(w).ratio().map(|r| burn_rate(r, budget));
            let long_rate = rate(pair.long);
            let short_rate = rate(pair.short);
            let exceeds = |r: Option<f64>| r.is_some_and(|r| r > pair.factor + EPSILON);
            PairResult {
                pair: *pair,
                long_rate,
                short_rate,
                firing: exceeds(long_rate) && exceeds(short_rate),
            }
        })
        .collect()
}

/// A number with at most `digits` decimals and no trailing zeros.
pub fn trim_float(value: f64, digits: usize) -> String {
    let s = format!("{value:.digits$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thirty_days_gives_the_workbook_pairs() {
        let p = page_pairs(30 * 86_400);
        assert_eq!((p[0].long, p[0].short), (3_600, 300));
        assert!((p[0].factor - 14.4).abs() < 1e-9);
        assert_eq!((p[1].long, p[1].short), (21_600, 1_800));
        assert!((p[1].factor - 6.0).abs() < 1e-9);
    }

    #[test]
    fn windows_never_shrink_below_the_workbook_and_factors_stay() {
        let p = page_pairs(7 * 86_400);
        assert_eq!((p[0].long, p[0].short), (3_600, 300));
        assert_eq!((p[1].long, p[1].short), (21_600, 1_800));
        assert!((p[0].factor - 14.4).abs() < 1e-9);
        assert!((p[1].factor - 6.0).abs() < 1e-9);
        // The same burn rate over a shorter SLO window spends a larger share of its budget.
        assert!((p[0].budget_share - 14.4 / 168.0).abs() < 1e-12);
        assert!((p[1].budget_share - 6.0 * 6.0 / 168.0).abs() < 1e-12);
        assert_eq!(
            windows(7 * 86_400, &p),
            vec![604_800, 3_600, 300, 21_600, 1_800]
        );
        // Longer windows scale up and keep the workbook's shares.
        let p = page_pairs(90 * 86_400);
        assert_eq!((p[0].long, p[0].short), (10_800, 900));
        assert!((p[0].factor - 14.4).abs() < 1e-9);
        assert!((p[0].budget_share - 0.02).abs() < 1e-12);
        assert!((page_pairs(30 * 86_400)[1].budget_share - 0.05).abs() < 1e-12);
    }

    #[test]
    fn budget_remaining_is_traffic_weighted_and_snaps_at_the_edge() {
        let budget = crate::error_budget_gate::slo::budget(99.5);
        let edge = Observed::from_counts(Some(50.0), Some(10_000.0));
        assert_eq!(remaining(edge.ratio().unwrap(), budget), 0.0);
        // Same ratio through extrapolated counters: still exactly zero.
        let r = (50.0 * 1.000_347) / (10_000.0 * 1.000_347);
        assert_eq!(remaining(r, budget), 0.0);
        assert!((remaining(0.001, budget) - 0.8).abs() < 1e-12);
        assert!((remaining(0.01, budget) + 1.0).abs() < 1e-12);
    }

    #[test]
    fn missing_errors_mean_zero_and_missing_totals_mean_no_data() {
        assert_eq!(Observed::from_counts(None, Some(10.0)).ratio(), Some(0.0));
        assert_eq!(Observed::from_counts(Some(1.0), None), Observed::NoSeries);
        assert_eq!(
            Observed::from_counts(Some(0.0), Some(0.0)),
            Observed::ZeroTraffic
        );
        assert_eq!(Observed::from_ratio(Some(f64::NAN)), Observed::ZeroTraffic);
        assert_eq!(Observed::from_ratio(None), Observed::NoSeries);
    }

    #[test]
    fn only_real_measurements_count() {
        for v in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -1.0] {
            assert!(!is_count(v), "{v}");
        }
        assert!(is_count(0.0) && is_count(1e12));
        for v in [-0.5, f64::NEG_INFINITY, f64::INFINITY, 1.5] {
            assert!(!is_ratio(v), "{v}");
        }
        assert!(is_ratio(0.0) && is_ratio(1.0) && is_ratio(f64::NAN));
    }

    #[test]
    fn a_pair_fires_only_when_both_windows_exceed() {
        let pairs = page_pairs(30 * 86_400);
        let budget = 0.001;
        // 2% errors = burn 20 on the long window, but the short one has recovered.
        let res = evaluate_pairs(&pairs, budget, |w| match w {
            3_600 => Observed::from_counts(Some(20.0), Some(1000.0)),
            _ => Observed::from_counts(Some(0.0), Some(1000.0)),
        });
        assert!(!res[0].firing);
        let res = evaluate_pairs(&pairs, budget, |_| {
            Observed::from_counts(Some(20.0), Some(1000.0))
        });
        assert!(res[0].firing && res[1].firing);
        let res = evaluate_pairs(&pairs, budget, |_| Observed::NoSeries);
        assert!(res.iter().all(|r| !r.firing && r.long_rate.is_none()));
    }

    #[test]
    fn ticket_pairs_follow_sloth() {
        let p = ticket_pairs(30 * 86_400);
        assert_eq!((p[0].long, p[0].short), (86_400, 7_200));
        assert!((p[0].factor - 3.0).abs() < 1e-9);
        assert_eq!((p[1].long, p[1].short), (3 * 86_400, 6 * 3_600));
        assert!((p[1].factor - 1.0).abs() < 1e-9);
        assert!(p.iter().all(|p| p.level == Level::Ticket));
    }

    #[test]
    fn trims_floats() {
        assert_eq!(trim_float(0.50, 4), "0.5");
        assert_eq!(trim_float(40.0, 2), "40");
    }
}
