//! The spanned YAML reader (`yaml::documents`): any text gives documents or a placed error,
//! never a panic; every node starts inside the text; where yaml_serde reads the same single
//! document, both give the same values.

use crate::inputs::{self, CASES};
use proptest::prelude::*;
use ready_actions::yaml::{self, Node, Value};

const SEED: &str = include_str!("../data/smoke/draft.yml");

const WORDS: &[&str] = &[
    "a", "b", "1", "-1", "1.5", "true", "null", "~", "", "0x1f", "007",
];

/// YAML's own punctuation, to reach the parser's corners (anchors, tags, flow, documents).
const FRAGMENTS: &[&str] = &[
    "a",
    "b: ",
    "- ",
    "  ",
    "\n",
    "---\n",
    "...\n",
    "&x ",
    "*x",
    "!!str ",
    "!!int ",
    "!t ",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "'",
    "\"",
    "|\n",
    ">-\n",
    "# c\n",
    "? ",
    ": ",
    "1",
    "true",
    "~",
    "\t",
    "\r",
    "%YAML 1.2\n",
    "<<: *x\n",
    "\\",
    "é",
];

/// An upper bound of the lines a text has, however its line breaks are counted.
fn max_line(text: &str) -> usize {
    text.matches(['\n', '\r']).count() + 1
}

fn inside(node: &Node, text: &str, lines: usize, width: usize) -> Result<(), TestCaseError> {
    prop_assert!(
        (1..=lines).contains(&node.line),
        "line {} of {text:?}",
        node.line
    );
    prop_assert!(
        (1..=width).contains(&node.column),
        "column {} of {text:?}",
        node.column
    );
    match &node.value {
        Value::Seq(items) => items.iter().try_for_each(|n| inside(n, text, lines, width)),
        Value::Map(entries) => entries.iter().try_for_each(|(k, v)| {
            inside(k, text, lines, width)?;
            inside(v, text, lines, width)
        }),
        _ => Ok(()),
    }
}

/// What the two readers are known to read differently: tags and integers beyond i64.
fn comparable(text: &str) -> bool {
    !text.contains('!') && text.bytes().filter(u8::is_ascii_digit).nth(18).is_none()
}

proptest! {
    #![proptest_config(inputs::config(CASES))]

    #[test]
    fn any_text_reads_or_is_refused_at_a_place_inside_it(text in prop_oneof![
        2 => inputs::yaml_doc(SEED, WORDS),
        2 => inputs::soup(FRAGMENTS, 40),
        1 => any::<String>(),
    ]) {
        let lines = max_line(&text);
        let width = text.split(['\n', '\r']).map(|l| l.chars().count()).max().unwrap_or(0) + 1;
        match yaml::documents(&text) {
            Ok(documents) => {
                for document in &documents {
                    inside(document, &text, lines, width)?;
                }
                let theirs = yaml_serde::from_str::<yaml_serde::Value>(&text);
                if let ([document], Ok(theirs)) = (documents.as_slice(), theirs)
                    && comparable(&text)
                {
                    prop_assert_eq!(document.to_yaml_serde(), theirs, "{:?}", text);
                }
            }
            Err(e) => {
                let at = e.location().expect("a placed error");
                prop_assert!((1..=lines).contains(&at.line()), "{e} in {text:?}");
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }
}
