//! Presenting: a decision as a report. One pull request's check names each dependency with its
//! state and link; an order is a table and the `gh pr merge` lines that follow it.

use super::collect::{Graph, Via};
use super::decide::{Check, Order};
use super::graph::Cycle;
use super::pull::{PrId, State};
use super::{MergeMethod, NAME};
use crate::report::{Block, Finding, Report, Table, Verdict};

/// Where a dependency was found, in words.
fn via_words(via: &Via) -> String {
    match via {
        Via::Body { line } => format!("body, line {line}"),
        Via::Stack { branch } => format!("stacked: merges into its branch {branch}"),
    }
}

/// `#14 depends on #15, which depends on #17, which depends on #14`.
fn loop_words(cycle: &Cycle<PrId>, home: &str) -> String {
    let shown: Vec<String> = cycle.path.iter().map(|p| p.shown_from(home)).collect();
    let mut text = match shown.as_slice() {
        [only] => format!("{only} depends on itself"),
        [first, rest @ ..] => {
            let mut text = format!("{first} depends on {}", rest[0]);
            for next in rest[1..].iter().chain([first]) {
                text.push_str(&format!(", which depends on {next}"));
            }
            text
        }
        [] => String::new(),
    };
    if !cycle.knot.is_empty() {
        let knot: Vec<String> = cycle.knot.iter().map(|p| p.shown_from(home)).collect();
        text.push_str(&format!(
            " (in one tangle with {}: each is in a loop with these)",
            knot.join(", ")
        ));
    }
    text
}

fn cycle_finding(cycle: &Cycle<PrId>, home: &str) -> Finding {
    Finding::error(
        "dependency-cycle",
        "Dependency loop",
        format!(
            "{}: none of them can merge first. Remove one of these dependencies.",
            loop_words(cycle, home)
        ),
    )
}

fn full_list<'a>(ids: impl Iterator<Item = &'a PrId>) -> String {
    ids.map(PrId::to_string).collect::<Vec<_>>().join(",")
}

fn notes_as_warnings(report: &mut Report, graph: &Graph) {
    for note in &graph.notes {
        report.findings.push(Finding::warning(
            "dependency-unread",
            "Dependency not followed",
            note.clone(),
        ));
    }
}

/// The report of one pull request's check.
pub fn check(check: &Check, graph: &Graph) -> Report {
    let home = check.pull.repo.as_str();
    let me = check.pull.shown_from(home);
    let total = check.dependencies.len();
    let blocking: Vec<_> = check.blocking().collect();
    let headline = if !check.passed() {
        let mut parts: Vec<String> = blocking
            .iter()
            .map(|d| format!("{} ({})", d.id.shown_from(home), d.state.word()))
            .collect();
        if !check.cycles.is_empty() {
            parts.push(format!("{} dependency loop(s)", check.cycles.len()));
        }
        format!(
            "{me} waits on {} of {total} dependencies: {}",
            blocking.len(),
            parts.join(", ")
        )
    } else if total == 0 {
        format!("{me} has no dependencies")
    } else {
        format!("all {total} dependencies of {me} are merged")
    };
    let verdict = if check.passed() {
        Verdict::Passed
    } else {
        Verdict::Blocked
    };
    let mut report = Report::new(NAME, verdict, headline);
    for dep in &blocking {
        let pull = &graph.pulls[&dep.id];
        let (rule, title, what, advice) = match dep.state {
            State::Closed => (
                "dependency-closed",
                "Dependency closed without merging",
                "was closed without merging".to_string(),
                ". Reopen and merge it, or drop the dependency.",
            ),
            state => (
                "dependency-open",
                "Dependency not merged",
                format!("is {}, not merged yet", state.word()),
                "",
            ),
        };
        report.findings.push(Finding::error(
            rule,
            title,
            format!(
                "{} {what}: {} — {} (found in {me}'s {}){advice}",
                dep.id.shown_from(home),
                pull.title,
                pull.url,
                via_words(&dep.via)
            ),
        ));
    }
    for cycle in &check.cycles {
        report.findings.push(cycle_finding(cycle, home));
    }
    notes_as_warnings(&mut report, graph);
    if total > 0 {
        let mut table = Table::new(["Dependency", "State", "Found in", "Title", "Link"]);
        for dep in &check.dependencies {
            let pull = &graph.pulls[&dep.id];
            table.row([
                dep.id.shown_from(home),
                dep.state.word().to_string(),
                via_words(&dep.via),
                pull.title.clone(),
                pull.url.clone(),
            ]);
        }
        report.table = Some(table);
    }
    report.output(
        "dependencies",
        full_list(check.dependencies.iter().map(|d| &d.id)),
    );
    report.output("blocking", full_list(blocking.iter().map(|d| &d.id)));
    report.output("order", "");
    report.output("merge-commands", "");
    report
}

/// `gh pr merge 14 --repo acme/api --squash [--delete-branch]`.
fn merge_command(id: &PrId, method: MergeMethod, delete_branch: bool) -> String {
    let mut line = format!(
        "gh pr merge {} --repo {} --{}",
        id.number,
        id.repo,
        method.flag()
    );
    if delete_branch {
        line.push_str(" --delete-branch");
    }
    line
}

/// The report of an order.
pub fn order(
    order: &Order,
    graph: &Graph,
    repo: &str,
    label: Option<&str>,
    method: MergeMethod,
) -> Report {
    let scope = match label {
        Some(label) => format!("open pull requests labelled {label:?}"),
        None => "open pull requests".to_string(),
    };
    let count = order.steps.len()
        + order.waiting.len()
        + order
            .cycles
            .iter()
            .map(|c| c.path.len() + c.knot.len())
            .sum::<usize>();
    let sequence: Vec<String> = order.steps.iter().map(|s| s.id.shown_from(repo)).collect();
    let headline = if count == 0 {
        format!("no {scope} in {repo}")
    } else if order.passed() {
        format!("merge order of {count} {scope}: {}", sequence.join(", "))
    } else {
        format!(
            "no complete merge order of {count} {scope}: {} loop(s), {} waiting on a loop, {} depending on a closed pull request",
            order.cycles.len(),
            order.waiting.len(),
            order
                .steps
                .iter()
                .filter(|s| s.outside.iter().any(|(_, st)| *st == State::Closed))
                .count()
        )
    };
    let verdict = if order.passed() {
        Verdict::Passed
    } else {
        Verdict::Blocked
    };
    let mut report = Report::new(NAME, verdict, headline);
    if count == 0 {
        // Nothing to order passes (before a deploy every release pull request may be merged),
        // but a label with a typo would pass the same way: say so where it shows.
        report.findings.push(Finding::warning(
            "nothing-to-order",
            "No open pull request to order",
            match label {
                Some(label) => format!("no open pull request of {repo} has the label {label:?}; if one should, check the label's spelling"),
                None => format!("{repo} has no open pull request"),
            },
        ));
    }
    for cycle in &order.cycles {
        report.findings.push(cycle_finding(cycle, repo));
    }
    for id in &order.waiting {
        report.findings.push(Finding::error(
            "dependency-cycle",
            "Waits on a dependency loop",
            format!("{} depends, directly or not, on a loop of dependencies: it has no place in the order", id.shown_from(repo)),
        ));
    }
    for step in &order.steps {
        for (dep, state) in &step.outside {
            let closed = *state == State::Closed;
            let message = format!(
                "{} depends on {} ({}), which is not in the set{}",
                step.id.shown_from(repo),
                dep.shown_from(repo),
                state.word(),
                if closed {
                    ": it cannot merge until that dependency is dropped or reopened and merged"
                } else {
                    ": merge that one first"
                }
            );
            report.findings.push(if closed {
                Finding::error(
                    "dependency-closed",
                    "Dependency closed without merging",
                    message,
                )
            } else {
                Finding::warning("dependency-outside", "Dependency outside the set", message)
            });
        }
    }
    notes_as_warnings(&mut report, graph);
    let mut table = Table::new(["#", "Pull request", "Title", "After", "Command"]);
    let mut commands = Vec::new();
    for (position, step) in order.steps.iter().enumerate() {
        let mut after: Vec<String> = step.after.iter().map(|p| p.shown_from(repo)).collect();
        after.extend(
            step.outside
                .iter()
                .map(|(p, s)| format!("{} ({})", p.shown_from(repo), s.word())),
        );
        let command = merge_command(&step.id, method, step.carries_stack);
        table.row([
            (position + 1).to_string(),
            step.id.shown_from(repo),
            graph
                .pulls
                .get(&step.id)
                .map(|p| p.title.clone())
                .unwrap_or_default(),
            after.join(", "),
            command.clone(),
        ]);
        commands.push(command);
    }
    if !order.steps.is_empty() {
        report.table = Some(table);
        report.summary.push(Block::Details {
            summary: "Merge commands, in order".into(),
            text: commands.join("\n"),
        });
    }
    report.output("dependencies", "");
    report.output(
        "blocking",
        full_list(
            order.waiting.iter().chain(
                order
                    .cycles
                    .iter()
                    .flat_map(|c| c.path.iter().chain(&c.knot)),
            ),
        ),
    );
    report.output("order", full_list(order.steps.iter().map(|s| &s.id)));
    report.output("merge-commands", commands.join("\n"));
    report
}
