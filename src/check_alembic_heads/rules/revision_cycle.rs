//! `revision-cycle`: revisions that loop through `down_revision` (or through `down_revision`
//! and `depends_on`). One finding per loop, at the first member's line that does not silence
//! it, listing the loop (a long one: the first members and a count).

use super::super::graph::Problem;
use super::tree::{MAX_LISTED, listing};
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (problem, found) in tree.graph.problems.iter().enumerate() {
        let Problem::Cycle {
            nodes: members,
            dependency,
        } = found
        else {
            continue;
        };
        let kind = if *dependency {
            "down_revision and depends_on"
        } else {
            "down_revision"
        };
        let places = members.iter().map(|&n| {
            let sc = tree.script_of(n);
            let line = if *dependency && sc.depends_on.line().is_some() {
                sc.depends_on.line()
            } else {
                sc.down_revision.line()
            };
            (tree.file_of(n), line)
        });
        let Some((file, line)) = tree.first_unsilenced(places, Rule::RevisionCycle.id()) else {
            continue;
        };
        let ids: Vec<String> = members.iter().map(|&n| tree.describe(n)).collect();
        let shown = if ids.len() > MAX_LISTED {
            format!("{} revisions: {}", ids.len(), listing(&ids))
        } else {
            ids.join(" → ")
        };
        out.push(
            Rule::RevisionCycle,
            Order::Graph { problem },
            file,
            line,
            format!("revisions loop through {kind}: {shown}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn a_loop_through_down_revision_is_one_finding() {
        let tree = [
            src("a.py", "revision = 'a'\ndown_revision = 'c'\n"),
            src("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
            src("c.py", "revision = 'c'\ndown_revision = 'b'\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::RevisionCycle, &tree, &opts()));
    }

    #[test]
    fn a_loop_through_depends_on() {
        let tree = [
            src(
                "a.py",
                "revision = 'a'\ndown_revision = None\ndepends_on = 'b'\n",
            ),
            src("b.py", "revision = 'b'\ndown_revision = 'a'\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::RevisionCycle, &tree, &opts()));
    }

    #[test]
    fn a_long_loop_names_the_first_members_and_counts_the_rest() {
        let n = 25;
        let tree: Vec<_> = (0..n)
            .map(|i| {
                let down = (i + n - 1) % n;
                src(
                    &format!("r{i:02}.py"),
                    &format!("revision = 'r{i:02}'\ndown_revision = 'r{down:02}'\n"),
                )
            })
            .collect();
        insta::assert_snapshot!(findings_of(Rule::RevisionCycle, &tree, &opts()));
    }
}
