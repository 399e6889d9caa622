//! `non-literal-revision-attribute`: `revision`, `down_revision`, `branch_labels` or
//! `depends_on` assigned something other than a literal, which cannot be read without running
//! the file. One finding per attribute, on its line.

use super::{AttrState, Attribute, Findings, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (i, (source, sc)) in tree.sources.iter().zip(tree.scripts).enumerate() {
        for attr in Attribute::ALL {
            if let AttrState::NonLiteral { line } = attr.in_script(sc) {
                out.push(
                    Rule::NonLiteralRevisionAttribute,
                    attr.order(i),
                    i,
                    Some(line),
                    format!(
                        "{} in {} is not a string, tuple, list or None literal; it cannot be read without running the file",
                        attr.name(),
                        source.display
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn each_attribute_that_is_not_a_literal() {
        let tree = [
            src("a.py", "revision = make_id()\ndown_revision = None\n"),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = PARENT\nbranch_labels = labels()\ndepends_on = [x for x in y]\n",
            ),
            src(
                "c.py",
                "revision = 'c'\ndown_revision = ('b',)\nbranch_labels = ['l']\n",
            ),
        ];
        insta::assert_snapshot!(findings_of(
            Rule::NonLiteralRevisionAttribute,
            &tree,
            &opts()
        ));
    }
}
