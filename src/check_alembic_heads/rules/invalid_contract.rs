//! `invalid-contract` (`require-contract`): `migration_contract` is not one of the literals
//! the deploy understands.

use super::super::script::Attr;
use super::{CONTRACTS, Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    if !tree.options.require_contract {
        return;
    }
    for (i, (source, sc)) in tree.sources.iter().zip(tree.scripts).enumerate() {
        if !tree.checked(i) {
            continue;
        }
        let given = match &sc.contract {
            Attr::Missing => continue,
            Attr::Value { value, .. } if CONTRACTS.contains(&value.as_str()) => continue,
            other => other.value(),
        };
        out.push(
            Rule::InvalidContract,
            Order::Contract { file: i, slot: 0 },
            i,
            sc.contract.line(),
            format!(
                "migration_contract in {} must be the literal \"safe_online\", \"requires_maintenance_window\" or \"destructive\"{}",
                source.display,
                given.map(|v| format!(", not {v:?}")).unwrap_or_default()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn an_unknown_word_or_not_a_literal() {
        let mut o = opts();
        o.require_contract = true;
        let tree = [
            src(
                "a.py",
                "revision = 'a'\ndown_revision = None\nmigration_contract = 'whenever'\n",
            ),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = 'a'\nmigration_contract = CONTRACT\n",
            ),
            src(
                "c.py",
                "revision = 'c'\ndown_revision = 'b'\nmigration_contract = 'destructive'\n",
            ),
        ];
        insta::assert_snapshot!(findings_of(Rule::InvalidContract, &tree, &o));
    }
}
