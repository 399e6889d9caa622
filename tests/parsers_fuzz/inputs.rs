//! Generators shared by the fuzz tests. Near-valid documents come from a real seed (a fixture or
//! an example answer) with a few structural edits, so that most cases get past the syntax and
//! reach deep into a parser; text edits on top make syntax errors and truncated bodies. Fragment
//! soups feed the small line formats, and arbitrary text is always tried too.

use proptest::prelude::*;
use proptest::sample::Index;
use serde_json::Value;

/// Cases per test of a pure parser: the whole file runs in seconds in a debug build.
pub const CASES: u32 = 256;
/// Cases per test that runs the binary once a case.
pub const BINARY_CASES: u32 = 32;

/// `cases`, unless PROPTEST_CASES asks for a longer (or shorter) run.
pub fn config(cases: u32) -> ProptestConfig {
    let default = ProptestConfig::default();
    ProptestConfig {
        cases: match std::env::var_os("PROPTEST_CASES") {
            Some(_) => default.cases,
            None => cases,
        },
        ..default
    }
}

/// One structural edit, at the node `at` picks in pre-order.
#[derive(Debug, Clone)]
pub enum Edit {
    Replace {
        at: Index,
        with: Value,
    },
    /// Removes a child of the node: an array item or an object member.
    Remove {
        at: Index,
        child: Index,
    },
    /// Copies a child: once more into an array, or under `key` into an object.
    Copy {
        at: Index,
        child: Index,
        key: String,
    },
}

/// A value: one of the domain's `words` (read as JSON where they are JSON, else as a string),
/// or any scalar, or an empty container.
pub fn leaf(words: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let word = prop::sample::select(words)
        .prop_map(|w| serde_json::from_str(w).unwrap_or_else(|_| Value::String(w.to_string())));
    prop_oneof![
        4 => word,
        1 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => any::<i64>().prop_map(Value::from),
        1 => prop_oneof![Just(u64::MAX), 0u64..1000].prop_map(Value::from),
        1 => prop_oneof![any::<f64>(), -1.0f64..101.0].prop_map(Value::from),
        1 => "\\PC{0,16}".prop_map(Value::String),
        1 => Just(Value::Array(Vec::new())),
        1 => Just(Value::Object(serde_json::Map::new())),
    ]
}

fn edit(words: &'static [&'static str]) -> impl Strategy<Value = Edit> {
    let key = prop_oneof![
        prop::sample::select(words).prop_map(str::to_string),
        "[a-z_-]{1,10}",
    ];
    prop_oneof![
        2 => (any::<Index>(), leaf(words)).prop_map(|(at, with)| Edit::Replace { at, with }),
        1 => (any::<Index>(), any::<Index>()).prop_map(|(at, child)| Edit::Remove { at, child }),
        1 => (any::<Index>(), any::<Index>(), key)
            .prop_map(|(at, child, key)| Edit::Copy { at, child, key }),
    ]
}

fn size(v: &Value) -> usize {
    1 + match v {
        Value::Array(a) => a.iter().map(size).sum(),
        Value::Object(o) => o.values().map(size).sum(),
        _ => 0,
    }
}

fn nth_mut(v: &mut Value, mut n: usize) -> Option<&mut Value> {
    if n == 0 {
        return Some(v);
    }
    n -= 1;
    let children: Vec<&mut Value> = match v {
        Value::Array(a) => a.iter_mut().collect(),
        Value::Object(o) => o.values_mut().collect(),
        _ => return None,
    };
    for child in children {
        let s = size(child);
        if n < s {
            return nth_mut(child, n);
        }
        n -= s;
    }
    None
}

pub fn apply(doc: &mut Value, edits: &[Edit]) {
    for e in edits {
        let at = match e {
            Edit::Replace { at, .. } | Edit::Remove { at, .. } | Edit::Copy { at, .. } => at,
        };
        let n = at.index(size(doc));
        let Some(node) = nth_mut(doc, n) else {
            continue;
        };
        match (e, node) {
            (Edit::Replace { with, .. }, node) => *node = with.clone(),
            (Edit::Remove { child, .. }, Value::Array(a)) if !a.is_empty() => {
                a.remove(child.index(a.len()));
            }
            (Edit::Remove { child, .. }, Value::Object(o)) if !o.is_empty() => {
                let key = o.keys().nth(child.index(o.len())).cloned().unwrap();
                o.remove(&key);
            }
            (Edit::Copy { child, .. }, Value::Array(a)) if !a.is_empty() => {
                let item = a[child.index(a.len())].clone();
                a.push(item);
            }
            (Edit::Copy { child, key, .. }, Value::Object(o)) if !o.is_empty() => {
                let item = o.values().nth(child.index(o.len())).cloned().unwrap();
                o.insert(key.clone(), item);
            }
            _ => {}
        }
    }
}

/// An edit of the text itself, at a character position.
#[derive(Debug, Clone)]
pub enum TextEdit {
    Truncate(Index),
    Insert(Index, char),
    Delete(Index),
    DuplicateLine(Index),
}

fn text_edit() -> impl Strategy<Value = TextEdit> {
    let special = prop::sample::select(
        &[
            ':', '-', ' ', '\n', '\t', '"', '\'', '[', ']', '{', '}', ',', '#', '&', '*', '!', '|',
            '>', '%', '@', '\\', '\0', '\u{feff}', 'é',
        ][..],
    );
    let c = prop_oneof![3 => special, 1 => any::<char>()];
    prop_oneof![
        1 => any::<Index>().prop_map(TextEdit::Truncate),
        3 => (any::<Index>(), c).prop_map(|(i, c)| TextEdit::Insert(i, c)),
        1 => any::<Index>().prop_map(TextEdit::Delete),
        1 => any::<Index>().prop_map(TextEdit::DuplicateLine),
    ]
}

fn byte_at(text: &str, i: &Index) -> usize {
    let n = text.chars().count();
    text.char_indices()
        .nth(i.index(n + 1))
        .map_or(text.len(), |(b, _)| b)
}

pub fn apply_text(text: &mut String, edits: &[TextEdit]) {
    for e in edits {
        match e {
            TextEdit::Truncate(i) => text.truncate(byte_at(text, i)),
            TextEdit::Insert(i, c) => text.insert(byte_at(text, i), *c),
            TextEdit::Delete(i) => {
                let at = byte_at(text, i);
                if at < text.len() {
                    text.remove(at);
                }
            }
            TextEdit::DuplicateLine(i) => {
                let lines: Vec<&str> = text.split_inclusive('\n').collect();
                if !lines.is_empty() {
                    let k = i.index(lines.len());
                    let mut out = lines[..=k].concat();
                    out.push_str(lines[k]);
                    out.push_str(&lines[k + 1..].concat());
                    *text = out;
                }
            }
        }
    }
}

/// Few edits, mostly: one wrong value is how real files go wrong, and it leaves the rest of the
/// document for the parser to go deep into.
fn edits(words: &'static [&'static str]) -> impl Strategy<Value = (Vec<Edit>, Vec<TextEdit>)> {
    (
        prop_oneof![
            1 => prop::collection::vec(edit(words), 0..=0),
            3 => prop::collection::vec(edit(words), 1..=1),
            2 => prop::collection::vec(edit(words), 2..=4),
        ],
        prop_oneof![
            6 => prop::collection::vec(text_edit(), 0..=0),
            3 => prop::collection::vec(text_edit(), 1..=1),
            1 => prop::collection::vec(text_edit(), 2..=3),
        ],
    )
}

/// The seed JSON with structural and text edits.
pub fn json_doc(
    seed: &'static str,
    words: &'static [&'static str],
) -> impl Strategy<Value = String> {
    edits(words).prop_map(move |(e, t)| {
        let mut doc: Value = serde_json::from_str(seed).expect("a JSON seed");
        apply(&mut doc, &e);
        let mut text = serde_json::to_string_pretty(&doc).unwrap();
        apply_text(&mut text, &t);
        text
    })
}

/// The seed YAML with structural and text edits.
pub fn yaml_doc(
    seed: &'static str,
    words: &'static [&'static str],
) -> impl Strategy<Value = String> {
    edits(words).prop_map(move |(e, t)| {
        let mut doc: Value = yaml_serde::from_str(seed).expect("a YAML seed");
        apply(&mut doc, &e);
        let mut text = yaml_serde::to_string(&doc).unwrap();
        apply_text(&mut text, &t);
        text
    })
}

/// Text made of the format's own fragments and, now and then, any character.
pub fn soup(fragments: &'static [&'static str], max: usize) -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        8 => prop::sample::select(fragments).prop_map(str::to_string),
        1 => any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..max).prop_map(|v| v.concat())
}

/// Lines of soup, for the inputs that take one entry a line.
pub fn soup_lines(fragments: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::collection::vec(soup(fragments, 8), 0..5).prop_map(|v| v.join("\n"))
}

/// Lines of `key=value` fields, as the list inputs take them: each line an optional head field
/// (`type=semver`, a bare name) and a few fields, now and then with a text edit.
pub fn entry_lines(
    heads: &'static [&'static str],
    keys: &'static [&'static str],
    values: &'static [&'static str],
) -> impl Strategy<Value = String> {
    let field = (prop::sample::select(keys), prop::sample::select(values))
        .prop_map(|(k, v)| format!("{k}={v}"));
    let line = (
        prop::option::weighted(0.8, prop::sample::select(heads)),
        prop::collection::vec(field, 0..=3),
        prop::collection::vec(text_edit(), 0..=1),
    )
        .prop_map(|(head, fields, edits)| {
            let mut line = head
                .into_iter()
                .map(str::to_string)
                .chain(fields)
                .collect::<Vec<_>>()
                .join(",");
            apply_text(&mut line, &edits);
            line
        });
    prop::collection::vec(line, 1..=4).prop_map(|v| v.join("\n"))
}

/// An error a user can act on: it says something, and a line it names is in the text (or just
/// past its end, where a truncated document ends).
pub fn clean_error(message: &str, line: Option<u32>, text: &str) -> Result<(), TestCaseError> {
    prop_assert!(!message.trim().is_empty(), "an error without a message");
    if let Some(line) = line {
        let lines = text.lines().count() as u32;
        prop_assert!(
            (1..=lines + 1).contains(&line),
            "line {line} of a {lines}-line text: {message}"
        );
    }
    Ok(())
}

/// The line of the YAML syntax error in the text, where yaml_serde reports one; a YAML
/// parser's error must then name a line too. (Read into `IgnoredAny`: a duplicate key in a part
/// the parser skips is no error.)
pub fn syntax_error_line(text: &str) -> Option<u32> {
    let e = yaml_serde::from_str::<serde::de::IgnoredAny>(text).err()?;
    e.location().map(|l| l.line() as u32)
}

/// An input as the runner passes it: an environment variable cannot hold a NUL.
pub fn env_value(text: &str) -> String {
    text.replace('\0', "")
}
