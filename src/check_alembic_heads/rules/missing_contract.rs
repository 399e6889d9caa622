//! `missing-contract` (`require-contract`): a checked migration declares no
//! `migration_contract`, so the deploy cannot know how it may run.

use super::super::script::Attr;
use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    if !tree.options.require_contract {
        return;
    }
    for (i, (source, sc)) in tree.sources.iter().zip(tree.scripts).enumerate() {
        if tree.checked(i) && sc.contract == Attr::Missing {
            out.push(
                Rule::MissingContract,
                Order::Contract { file: i, slot: 0 },
                i,
                sc.revision.line(),
                format!(
                    "{} declares no migration_contract; add migration_contract = \"safe_online\", \"requires_maintenance_window\" or \"destructive\"",
                    source.display
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn only_with_require_contract() {
        let tree = [
            src("a.py", "\nrevision = 'a'\ndown_revision = None\n"),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = 'a'\nmigration_contract = 'safe_online'\n",
            ),
        ];
        assert_eq!(findings_of(Rule::MissingContract, &tree, &opts()), "");
        let mut o = opts();
        o.require_contract = true;
        insta::assert_snapshot!(findings_of(Rule::MissingContract, &tree, &o));
    }
}
