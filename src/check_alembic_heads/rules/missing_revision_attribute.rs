//! `missing-revision-attribute`: no module-level `revision` (and no legacy `<hex>.py` name), or
//! a revision without `down_revision`: Alembic cannot load the file.

use super::tree::revision_of;
use super::{AttrState, Attribute, Findings, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (i, (source, sc)) in tree.sources.iter().zip(tree.scripts).enumerate() {
        let has_revision = revision_of(source, sc).is_some();
        let missing = |attr: Attribute| attr.in_script(sc) == AttrState::Missing;
        let message = |attr: Attribute| {
            format!(
                "{} declares no module-level {}; Alembic cannot load it",
                source.display,
                attr.name()
            )
        };
        if missing(Attribute::Revision) && !has_revision {
            let attr = Attribute::Revision;
            out.push(
                Rule::MissingRevisionAttribute,
                attr.order(i),
                i,
                None,
                message(attr),
            );
        }
        if has_revision && missing(Attribute::DownRevision) {
            let attr = Attribute::DownRevision;
            let line = sc.revision.line();
            out.push(
                Rule::MissingRevisionAttribute,
                attr.order(i),
                i,
                line,
                message(attr),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::Rule;
    use super::super::testing::{findings_of, opts, src};

    #[test]
    fn no_revision_and_no_down_revision() {
        let tree = [
            // Not `a.py`: `a` is hex, a legacy revision id.
            src("no_revision.py", "down_revision = None\n"),
            src("b.py", "\n\nrevision = 'b'\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::MissingRevisionAttribute, &tree, &opts()));
    }

    #[test]
    fn a_legacy_hex_file_name_is_its_revision() {
        let tree = [
            src("ae10.py", "down_revision = None\n"),
            src("x_ae10.py", "down_revision = None\n"),
        ];
        insta::assert_snapshot!(findings_of(Rule::MissingRevisionAttribute, &tree, &opts()));
    }
}
