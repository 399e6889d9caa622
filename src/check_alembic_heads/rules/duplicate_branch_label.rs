//! `duplicate-branch-label`: a branch label used twice, or equal to a revision id, so Alembic
//! cannot tell what it names.

use super::super::graph::Problem;
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (problem, found) in tree.graph.problems.iter().enumerate() {
        let Problem::DuplicateBranchLabel { label, node, other } = found else {
            continue;
        };
        out.push(
            Rule::DuplicateBranchLabel,
            Order::Graph { problem },
            tree.file_of(*node),
            tree.script_of(*node).branch_labels.line(),
            format!(
                "branch label {label:?} of revision {} is already used by revision {}",
                tree.describe(*node),
                tree.describe(*other)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn a_label_used_twice_or_equal_to_a_revision_id() {
        let tree = [
            src(
                "a.py",
                "revision = 'a'\ndown_revision = None\nbranch_labels = ('x',)\n",
            ),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = 'a'\n\nbranch_labels = 'x'\n",
            ),
            src(
                "c.py",
                "revision = 'c'\ndown_revision = 'b'\nbranch_labels = ['a']\n",
            ),
        ];
        insta::assert_snapshot!(findings_of(Rule::DuplicateBranchLabel, &tree, &opts()));
    }
}
