//! `unknown-down-revision`: `down_revision` names no revision of the tree (the message says so
//! when it names a branch label, which `down_revision` cannot).

use super::super::graph::Problem;
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (problem, found) in tree.graph.problems.iter().enumerate() {
        let Problem::UnknownDownRevision {
            node,
            name,
            label_of,
        } = found
        else {
            continue;
        };
        let hint = match label_of {
            Some(l) => format!(
                "; it is a branch label of {}, but down_revision must name a revision id",
                tree.describe(*l)
            ),
            None => String::new(),
        };
        out.push(
            Rule::UnknownDownRevision,
            Order::Graph { problem },
            tree.file_of(*node),
            tree.script_of(*node).down_revision.line(),
            format!(
                "down_revision of {} names {name:?}, which is not a revision in {}{hint}",
                tree.describe(*node),
                tree.options.locations.join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn a_missing_parent_and_a_branch_label_as_parent() {
        let tree = [
            src(
                "a.py",
                "revision = 'a'\ndown_revision = None\nbranch_labels = 'main'\n",
            ),
            src("b.py", "revision = 'b'\ndown_revision = 'main'\n"),
            src("c.py", "revision = 'c'\n\ndown_revision = ('a', 'gone')\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::UnknownDownRevision, &tree, &opts()));
    }
}
