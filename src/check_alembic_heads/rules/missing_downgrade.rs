//! `missing-downgrade` (`require-contract`): no `downgrade()`, or one that does nothing, and no
//! `no_downgrade = "<why>"`: a failed deploy could not be rolled back.

use super::super::script::Downgrade;
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    if !tree.options.require_contract {
        return;
    }
    for (i, (source, sc)) in tree.sources.iter().zip(tree.scripts).enumerate() {
        if !tree.checked(i) || sc.declared_no_downgrade().is_some() {
            continue;
        }
        let (line, what) = match sc.downgrade {
            Downgrade::Present { .. } => continue,
            Downgrade::Empty { line } => (Some(line), "its downgrade() does nothing"),
            Downgrade::Missing => (sc.revision.line(), "it has no downgrade()"),
        };
        out.push(
            Rule::MissingDowngrade,
            Order::Contract { file: i, slot: 1 },
            i,
            line,
            format!(
                "{}: {what}; write one, or declare no_downgrade = \"<why>\"",
                source.display
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn none_empty_or_declared_away() {
        let mut o = opts();
        o.require_contract = true;
        let tree = [
            src("a.py", "revision = 'a'\ndown_revision = None\n"),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = 'a'\n\ndef downgrade():\n    pass\n",
            ),
            src(
                "c.py",
                "revision = 'c'\ndown_revision = 'b'\nno_downgrade = 'drops a column'\n",
            ),
            src(
                "d.py",
                "revision = 'd'\ndown_revision = 'c'\nno_downgrade = ' '\ndef downgrade():\n    '''doc'''\n    raise NotImplementedError\n",
            ),
            src(
                "e.py",
                "revision = 'e'\ndown_revision = 'd'\ndef downgrade():\n    op.drop_table('x')\n",
            ),
        ];
        insta::assert_snapshot!(findings_of(Rule::MissingDowngrade, &tree, &o));
    }
}
