//! `missing-contract-doc` (`contract-doc`): a checked migration's revision id does not appear
//! in the contract document.

use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    let Some((doc, text)) = &tree.options.contract_doc else {
        return;
    };
    for (i, (source, sc)) in tree.sources.iter().zip(tree.scripts).enumerate() {
        let Some(id) = sc.revision.value() else {
            continue;
        };
        if tree.checked(i) && !text.contains(id.as_str()) {
            out.push(
                Rule::MissingContractDoc,
                Order::Contract { file: i, slot: 2 },
                i,
                sc.revision.line(),
                format!(
                    "revision {id} ({}) is not mentioned in {doc}",
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
    fn each_revision_the_document_does_not_mention() {
        let mut o = opts();
        o.contract_doc = Some(("MIGRATIONS.md".into(), "## a1\nAdds users.\n".into()));
        let tree = [
            src("a.py", "revision = 'a1'\ndown_revision = None\n"),
            src("b.py", "revision = 'b2'\ndown_revision = 'a1'\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::MissingContractDoc, &tree, &o));
        o.checked = Some(vec![true, false]);
        assert_eq!(findings_of(Rule::MissingContractDoc, &tree, &o), "");
    }
}
