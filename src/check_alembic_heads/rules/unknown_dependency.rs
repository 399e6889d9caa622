//! `unknown-dependency`: `depends_on` names neither a revision nor a branch label.

use super::super::graph::Problem;
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (problem, found) in tree.graph.problems.iter().enumerate() {
        let Problem::UnknownDependency { node, name } = found else {
            continue;
        };
        out.push(
            Rule::UnknownDependency,
            Order::Graph { problem },
            tree.file_of(*node),
            tree.script_of(*node).depends_on.line(),
            format!(
                "depends_on of {} names {name:?}, which is neither a revision nor a branch label",
                tree.describe(*node)
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn names_neither_a_revision_nor_a_label() {
        let tree = [
            src(
                "a.py",
                "revision = 'a'\ndown_revision = None\nbranch_labels = 'lib'\n",
            ),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = 'a'\ndepends_on = ('lib', 'a', 'nowhere')\n",
            ),
        ];
        insta::assert_snapshot!(findings_of(Rule::UnknownDependency, &tree, &opts()));
    }
}
