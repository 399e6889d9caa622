//! `illegal-revision-id`: a revision id with a character Alembic does not allow (`@`, `-`,
//! `+`, `:`), which its revision syntax would misread.

use super::super::graph::Problem;
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (problem, found) in tree.graph.problems.iter().enumerate() {
        let Problem::IllegalRevisionId { node, chars } = found else {
            continue;
        };
        out.push(
            Rule::IllegalRevisionId,
            Order::Graph { problem },
            tree.file_of(*node),
            tree.script_of(*node).revision.line(),
            format!(
                "revision id {:?} contains {chars:?}, which Alembic does not allow",
                tree.nodes[*node].id
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn characters_alembic_refuses() {
        let tree = [
            src("a.py", "revision = 'a-1'\ndown_revision = None\n"),
            src("b.py", "revision = 'b@2+x'\ndown_revision = 'a-1'\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::IllegalRevisionId, &tree, &opts()));
    }
}
