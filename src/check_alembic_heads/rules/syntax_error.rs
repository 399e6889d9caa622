//! `syntax-error`: the file does not parse, so Alembic cannot import it. One finding per file,
//! at the first error, counting the rest.

use super::{Findings, Order, Rule, Tree};

pub fn check(tree: &Tree, out: &mut Findings) {
    for (i, (source, sc)) in tree.sources.iter().zip(tree.scripts).enumerate() {
        let Some(first) = sc.syntax_errors.first() else {
            continue;
        };
        let more = sc.syntax_errors.len() - 1;
        let extra = if more > 0 {
            format!(
                " ({more} more syntax {} in this file)",
                if more == 1 { "error" } else { "errors" }
            )
        } else {
            String::new()
        };
        out.push(
            Rule::SyntaxError,
            Order::File { file: i, slot: 0 },
            i,
            Some(first.line),
            format!(
                "{} does not parse: {} at line {}, column {}{extra}; Alembic cannot import it",
                source.display, first.message, first.line, first.column
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::{findings_of, opts, src};
    use super::super::{Rule, Source};

    #[test]
    fn first_error_with_a_count_of_the_rest() {
        let tree = [
            src("a.py", "revision = 'a'\ndown_revision = None\n"),
            src(
                "b.py",
                "revision = 'b'\ndown_revision = 'a'\ndef upgrade(:\n    pass\nx = = 1\n",
            ),
        ];
        insta::assert_snapshot!(findings_of(Rule::SyntaxError, &tree, &opts()));
    }

    #[test]
    fn a_file_that_is_not_utf8() {
        let tree = [Source {
            text: Err("revision = 'a'\ndown_revision = None\n# \u{fffd}\n".into()),
            ..src("a.py", "")
        }];
        insta::assert_snapshot!(findings_of(Rule::SyntaxError, &tree, &opts()));
    }

    #[test]
    fn silenced_on_its_line() {
        let tree = [src(
            "a.py",
            "revision = 'a'\ndown_revision = None\ndef f(:  # ready: ignore[syntax-error]\n",
        )];
        assert_eq!(findings_of(Rule::SyntaxError, &tree, &opts()), "");
    }
}
