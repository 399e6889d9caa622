//! Deciding, without I/O: what the measured numbers, the freezes and the policy inputs mean for
//! the deploy. `present.rs` turns the decision into a report.

use super::budget::{self, Pair, PairResult};
use super::collect::Measured;
use super::slo::Slo;
use super::{OnNoData, duration, freeze};
use crate::report::{Finding, Severity, Verdict};

/// The inputs that change what the numbers mean.
pub struct Policy<'a> {
    pub on_no_data: OnNoData,
    /// Block while less than this share of the budget is left (0 = only when spent).
    pub min_budget: f64,
    pub accept_warnings: bool,
    /// Set: a blocking verdict passes with a warning that records it.
    pub override_reason: Option<&'a str>,
    /// Who ran the gate, named in the override's warning.
    pub actor: Option<&'a str>,
}

/// The gate's verdict and why.
#[derive(Debug)]
pub struct Decision {
    pub verdict: Verdict,
    /// Some rule said no (before any override).
    pub blocked: bool,
    /// The answer came with warnings and nothing blocked: it cannot pass.
    pub undecided: bool,
    pub overridden: Option<String>,
    /// Why it blocked, one short clause per rule.
    pub reasons: Vec<String>,
    pub findings: Vec<Finding>,
    /// The error ratio over the SLO window, and the share of the budget left.
    pub ratio: Option<f64>,
    pub remaining: Option<f64>,
    pub results: Vec<PairResult>,
}

pub fn pct(ratio: f64) -> String {
    format!("{}%", budget::trim_float(ratio * 100.0, 4))
}

pub fn rate_cell(rate: Option<f64>) -> String {
    rate.map(|r| budget::trim_float(r, 2))
        .unwrap_or_else(|| "–".into())
}

pub fn decide(
    policy: &Policy,
    slo: &Slo,
    window: u64,
    pairs: &[Pair],
    measured: &Measured,
    active: Option<&freeze::Active>,
) -> Decision {
    let budget = slo.budget();
    let win = duration::format(window);
    let observed = |w: u64| measured.at(w);
    let main = observed(window);
    let ratio = main.ratio();
    let remaining = ratio.map(|r| budget::remaining(r, budget));
    let results: Vec<PairResult> = budget::evaluate_pairs(pairs, budget, observed);

    let mut findings: Vec<Finding> = Vec::new();
    let mut reasons: Vec<String> = Vec::new();
    if let Some(a) = &active {
        let until = a.until.strftime("%Y-%m-%d %H:%M %Z (%:z)").to_string();
        reasons.push(format!("deploy freeze: {} (until {until})", a.reason));
        findings.push(Finding::error(
            "deploy-freeze",
            "Deploy freeze",
            format!("{} — in force until {until}", a.reason),
        ));
    }
    match (ratio, remaining) {
        (Some(r), Some(left)) if left <= 0.0 => {
            reasons.push(format!(
                "error budget spent: {} left (error ratio {} over {win}, allowed {})",
                pct(left),
                pct(r),
                pct(budget)
            ));
            findings.push(Finding::error(
                "budget-exhausted",
                "Error budget spent",
                format!(
                    "The error ratio over {win} is {}, the objective {}% allows {}: {} of the budget is left.",
                    pct(r),
                    slo.objective,
                    pct(budget),
                    pct(left)
                ),
            ));
        }
        (Some(r), Some(left)) if left < policy.min_budget - budget::EPSILON => {
            reasons.push(format!(
                "error budget low: {} left, below min-budget {} (error ratio {} over {win})",
                pct(left),
                pct(policy.min_budget),
                pct(r)
            ));
            findings.push(Finding::error(
                "budget-low",
                "Error budget low",
                format!(
                    "{} of the budget is left (error ratio {} over {win}, objective {}%), below min-budget {}.",
                    pct(left),
                    pct(r),
                    slo.objective,
                    pct(policy.min_budget)
                ),
            ));
        }
        (Some(_), Some(_)) => {}
        _ => {
            let what = main.describe_missing();
            let message = format!(
                "No data for the SLO window {win} ({what}): the gate cannot tell whether the budget is spent."
            );
            if policy.on_no_data == OnNoData::Block {
                reasons.push(format!("no data over {win} ({what})"));
                findings.push(Finding::error("no-data", "No data", message));
            } else {
                findings.push(Finding::warning(
                    "no-data",
                    "No data",
                    format!("{message} Passing because on-no-data is pass."),
                ));
            }
        }
    }
    for r in results
        .iter()
        .filter(|r| r.firing && r.pair.level == budget::Level::Ticket)
    {
        let p = &r.pair;
        findings.push(Finding::warning(
            "slow-burn",
            "Error budget burning",
            format!(
                "Burn rate {}× over {} and {}× over {}, above {}× (ticket level: a warning, not a block): at this pace {} is gone within {}.",
                rate_cell(r.long_rate),
                duration::format(p.long),
                rate_cell(r.short_rate),
                duration::format(p.short),
                budget::trim_float(p.factor, 2),
                pct(p.budget_share).replace('%', "% of the budget"),
                duration::format(p.long)
            ),
        ));
    }
    for r in results
        .iter()
        .filter(|r| r.firing && r.pair.level == budget::Level::Page)
    {
        let p = &r.pair;
        reasons.push(format!(
            "burning fast: {}× over {} and {}× over {} (threshold {}×)",
            rate_cell(r.long_rate),
            duration::format(p.long),
            rate_cell(r.short_rate),
            duration::format(p.short),
            budget::trim_float(p.factor, 2)
        ));
        findings.push(Finding::error(
            "fast-burn",
            "Error budget burning fast",
            format!(
                "Burn rate {}× over {} and {}× over {}, above {}×: at this pace {} is gone within {}.",
                rate_cell(r.long_rate),
                duration::format(p.long),
                rate_cell(r.short_rate),
                duration::format(p.short),
                budget::trim_float(p.factor, 2),
                pct(p.budget_share).replace('%', "% of the budget"),
                duration::format(p.long)
            ),
        ));
    }
    let blocked = findings.iter().any(|f| f.severity == Severity::Error);
    // An answer with warnings may be partial: it may still block, but not pass, unless trusted.
    let undecided = !blocked && !measured.warnings.is_empty() && !policy.accept_warnings;
    for w in &measured.warnings {
        let (severity, message) = if undecided {
            (
                Severity::Error,
                format!(
                    "{w} — the answer may be partial, so it cannot pass the gate (accept-warnings: on trusts it)"
                ),
            )
        } else {
            (Severity::Notice, w.clone())
        };
        findings.push(Finding::new(
            severity,
            "prometheus-warning",
            "Prometheus warning",
            message,
        ));
    }

    let overridden = blocked.then_some(policy.override_reason).flatten();
    let verdict = if undecided {
        Verdict::Error
    } else if blocked && overridden.is_none() {
        Verdict::Blocked
    } else {
        Verdict::Passed
    };
    if let Some(why) = overridden {
        for f in findings
            .iter_mut()
            .filter(|f| f.severity == Severity::Error)
        {
            f.severity = Severity::Warning;
        }
        let who = policy
            .actor
            .map(|a| format!(" (run by {a})"))
            .unwrap_or_default();
        findings.push(Finding::warning(
            "override",
            "Gate overridden",
            format!("The blocking verdict was overridden{who}: {why}"),
        ));
    }

    Decision {
        verdict,
        blocked,
        undecided,
        overridden: overridden.map(str::to_string),
        reasons,
        findings,
        ratio,
        remaining,
        results,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error_budget_gate::budget::Observed;
    use std::collections::BTreeMap;

    const WINDOW: u64 = 30 * 86_400;

    fn slo() -> Slo {
        Slo {
            name: "api".into(),
            objective: 99.5,
            sli: None,
            window: None,
        }
    }

    fn measured(ratio: f64, warnings: &[&str]) -> Measured {
        let mut observed = BTreeMap::new();
        observed.insert(
            WINDOW,
            Observed::Ratio {
                ratio,
                bad: None,
                total: None,
            },
        );
        Measured {
            observed,
            chart: None,
            warnings: warnings.iter().map(|w| w.to_string()).collect(),
            round_trips: 0,
        }
    }

    fn policy<'a>(override_reason: Option<&'a str>, actor: Option<&'a str>) -> Policy<'a> {
        Policy {
            on_no_data: OnNoData::Block,
            min_budget: 0.0,
            accept_warnings: false,
            override_reason,
            actor,
        }
    }

    #[test]
    fn a_spent_budget_blocks() {
        let d = decide(
            &policy(None, None),
            &slo(),
            WINDOW,
            &[],
            &measured(0.01, &[]),
            None,
        );
        assert_eq!(d.verdict, Verdict::Blocked);
        assert_eq!(d.findings[0].rule, "budget-exhausted");
        assert!(
            d.reasons[0].starts_with("error budget spent"),
            "{:?}",
            d.reasons
        );
    }

    #[test]
    fn a_budget_below_min_budget_blocks() {
        // 0.4% against 0.5% allowed: 20% of the budget left.
        let mut p = policy(None, None);
        p.min_budget = 0.25;
        let d = decide(&p, &slo(), WINDOW, &[], &measured(0.004, &[]), None);
        assert_eq!(d.verdict, Verdict::Blocked);
        assert_eq!(d.findings[0].rule, "budget-low");
        assert!(
            d.reasons[0].starts_with("error budget low: 20% left, below min-budget 25%"),
            "{:?}",
            d.reasons
        );
        p.min_budget = 0.2;
        let d = decide(&p, &slo(), WINDOW, &[], &measured(0.004, &[]), None);
        assert_eq!(d.verdict, Verdict::Passed, "exactly at min-budget passes");
    }

    #[test]
    fn a_ticket_level_burn_warns_and_does_not_block() {
        let pairs = budget::ticket_pairs(WINDOW);
        let mut m = measured(0.001, &[]);
        for p in &pairs {
            for w in [p.long, p.short] {
                m.observed
                    .insert(w, Observed::from_counts(Some(2.0), Some(100.0)));
            }
        }
        let d = decide(&policy(None, None), &slo(), WINDOW, &pairs, &m, None);
        assert_eq!(d.verdict, Verdict::Passed);
        let slow: Vec<_> = d
            .findings
            .iter()
            .filter(|f| f.rule == "slow-burn")
            .collect();
        assert_eq!(slow.len(), 2);
        assert_eq!(slow[0].severity, Severity::Warning);
    }

    #[test]
    fn an_override_passes_and_names_who_ran_it() {
        let p = policy(Some("hotfix"), Some("octocat"));
        let d = decide(&p, &slo(), WINDOW, &[], &measured(0.01, &[]), None);
        assert_eq!(d.verdict, Verdict::Passed);
        assert_eq!(d.overridden.as_deref(), Some("hotfix"));
        let last = d.findings.last().unwrap();
        assert_eq!(
            last.message,
            "The blocking verdict was overridden (run by octocat): hotfix"
        );
        assert!(d.findings.iter().all(|f| f.severity != Severity::Error));
    }

    #[test]
    fn a_healthy_answer_with_warnings_cannot_pass() {
        let m = measured(0.001, &["partial response"]);
        let d = decide(&policy(None, None), &slo(), WINDOW, &[], &m, None);
        assert_eq!(d.verdict, Verdict::Error);
        assert!(d.undecided);
    }
}
