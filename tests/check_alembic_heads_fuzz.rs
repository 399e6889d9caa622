//! The front door must not panic on any input: migration sources, alembic.ini and
//! pyproject.toml text, and whole trees through the rules.

mod support;

use proptest::prelude::*;
use ready_actions::check_alembic_heads::{config, quick, rules, script};

/// Python-ish fragments, so that generated text reaches deep into the parser and the rules.
fn pythonish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("revision = ".to_string()),
        Just("down_revision: Union[str, None] = ".to_string()),
        Just("branch_labels = ".to_string()),
        Just("depends_on = ".to_string()),
        Just("migration_contract = ".to_string()),
        Just("no_downgrade = ".to_string()),
        Just("def downgrade():\n    ".to_string()),
        Just("'a'".to_string()),
        Just("\"b\"".to_string()),
        Just("None".to_string()),
        Just("('a', 'b')".to_string()),
        Just("[".to_string()),
        Just("(".to_string()),
        Just(")".to_string()),
        Just("\n".to_string()),
        Just("    ".to_string()),
        Just("pass".to_string()),
        Just("# ready: ignore[multiple-heads]".to_string()),
        Just("\"\"\"".to_string()),
        Just("f'{".to_string()),
        Just("\\".to_string()),
        "[a-z0-9_]{1,3}",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..40).prop_map(|v| v.concat())
}

fn tree() -> impl Strategy<Value = Vec<rules::Source>> {
    prop::collection::vec(
        (
            pythonish(),
            prop_oneof![Just("a"), Just("b"), Just("c")],
            prop_oneof![Just("a"), Just("b"), Just("c"), Just("x")],
        ),
        0..6,
    )
    .prop_map(|files| {
        files
            .into_iter()
            .enumerate()
            .map(|(i, (body, id, down))| rules::Source {
                display: format!("v/{i}.py"),
                file_name: format!("{i}.py"),
                text: Ok(format!(
                    "revision = '{id}'\ndown_revision = '{down}'\nbranch_labels = '{down}'\ndepends_on = '{id}'\n{body}"
                )),
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_text_reads_without_panic(text in any::<String>()) {
        let _ = script::read(&text);
    }

    #[test]
    fn python_like_text_reads_without_panic(text in pythonish()) {
        let s = script::read(&text);
        for e in &s.syntax_errors {
            prop_assert!(e.line >= 1);
        }
    }

    #[test]
    fn any_tree_checks_without_panic(sources in tree(), max_heads in 0usize..3, resolve: bool, contract: bool) {
        let options = rules::Options {
            max_heads,
            resolve_dependencies: resolve,
            require_contract: contract,
            contract_doc: Some(("D.md".into(), "a".into())),
            checked: None,
            locations: vec!["v".into()],
        };
        let report = rules::check(&sources, &options);
        let heads: usize = report.outputs[1].1.parse().unwrap();
        prop_assert_eq!(report.verdict == ready_actions::report::Verdict::Passed, report.findings.is_empty());
        prop_assert!(heads <= sources.len());
    }

    #[test]
    fn any_config_text_without_panic(text in any::<String>(), ini_like in "[\\[\\]a-z_=:%() \n#;]{0,80}") {
        for t in [&text, &ini_like] {
            if let Ok(ini) = config::Ini::parse(t) {
                let vars = [("here".to_string(), "/r".to_string())].into();
                let _ = ini.get("alembic", "script_location", &vars);
                let _ = config::Sources { ini: Some((&ini, "/r".into())), toml: None, section: "alembic" }.settings();
            }
            if let Ok(Some(table)) = config::toml_alembic(t) {
                let _ = config::Sources { ini: None, toml: Some((&table, "/r".into())), section: "alembic" }.settings();
            }
            let _ = config::percent_format(t, &[("here".to_string(), "/r".to_string())].into());
            let _ = config::split_version_locations(t, None);
        }
    }
}

/// Migration-like files: lines of declarations, blocks and bodies, indented after each header
/// and sometimes out of step, with now and then a piece outside the quick reader's subset; so
/// that many files are read quickly and many are not quite valid.
fn migration_like() -> impl Strategy<Value = String> {
    let name = prop_oneof![
        Just("revision"),
        Just("down_revision"),
        Just("branch_labels"),
        Just("depends_on"),
        Just("migration_contract"),
        Just("no_downgrade"),
        Just("x"),
    ];
    let value = prop_oneof![
        Just("'a'"),
        Just("\"b\" 'c'"),
        Just("None"),
        Just("('a', 'b')"),
        Just("['a']"),
        Just("{'a'}"),
        Just("()"),
        Just("(('a'))"),
        Just("'a',"),
        Just("x.y"),
        Just("f()"),
        Just("..."),
        Just("{}"),
        Just("('a',\n    'b')"),
        Just("'''x\ny'''"),
        Just("'a' + 'b'"),
        Just("1"),
    ];
    let declaration = prop_oneof![
        (name.clone(), value.clone()).prop_map(|(n, v)| format!("{n} = {v}")),
        (name.clone(), value).prop_map(|(n, v)| format!("{n}: Union[str, None] = {v}")),
        name.prop_map(|n| format!("{n}: str")),
    ];
    let line = prop_oneof![
        Just("def downgrade():".to_string()),
        Just("def downgrade() -> None:".to_string()),
        Just("def upgrade(a, b=1):".to_string()),
        Just("with op.batch_alter_table('t', schema=None) as batch_op:".to_string()),
        Just("if context.is_offline_mode():".to_string()),
        Just("else:".to_string()),
        Just("pass".to_string()),
        Just("'''Downgrade.'''".to_string()),
        Just("...".to_string()),
        Just("raise NotImplementedError()".to_string()),
        Just("op.drop_column('t', sa.Column('c', sa.Integer(), nullable=False))".to_string()),
        Just("return".to_string()),
        Just("import sqlalchemy as sa".to_string()),
        Just("from alembic import op".to_string()),
        Just("# ready: ignore[multiple-heads]".to_string()),
        Just(String::new()),
    ];
    let outside = prop_oneof![
        Just("x = (".to_string()),
        Just("f(a=1, a=2)".to_string()),
        Just("def f(:".to_string()),
        Just("x = f'{a}'".to_string()),
        Just("\tpass".to_string()),
    ];
    let line = prop_oneof![15 => declaration, 15 => line, 1 => outside];
    // Each line with how far to step back before it (0 or 1: stay).
    prop::collection::vec((line, 0u8..4), 0..16).prop_map(|lines| {
        let mut depth = 0usize;
        let mut text = String::new();
        for (line, back) in lines {
            depth = depth.saturating_sub(usize::from(back) / 2);
            text.push_str(&"    ".repeat(depth));
            text.push_str(&line);
            text.push('\n');
            if line.ends_with(':') {
                depth += 1;
            }
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// The quick reader only answers for text ruff reads without a syntax error, and then with
    /// what ruff's tree gives.
    #[test]
    fn what_is_read_quickly_is_what_ruff_reads(text in migration_like()) {
        if let Some(quick) = quick::read(&text) {
            let mut parsed = script::read_with_parser(&text);
            parsed.ignores = Default::default();
            prop_assert_eq!(quick, parsed);
        }
    }
}

/// The same on every committed migration fixture, through the front door.
#[test]
fn fixtures_read_the_same_quickly_and_through_ruff() {
    let mut todo = vec![std::path::PathBuf::from("tests/data/check_alembic_heads")];
    let mut files = 0;
    while let Some(dir) = todo.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                todo.push(path);
            } else if path.extension().is_some_and(|e| e == "py") {
                let text = std::fs::read_to_string(&path).unwrap();
                assert_eq!(
                    script::read(&text),
                    script::read_with_parser(&text),
                    "{}",
                    path.display()
                );
                files += 1;
            }
        }
    }
    assert!(files >= 10, "{files} fixtures");
}

/// Deep nesting is where recursive parsers overflow their stack: the binary parses on a thread
/// with a large stack, so it must answer (a syntax error or a finding), never crash.
#[test]
fn deeply_nested_source_does_not_crash_the_binary() {
    let dir = tempfile::tempdir().unwrap();
    let versions = dir.path().join("migrations/versions");
    std::fs::create_dir_all(&versions).unwrap();
    std::fs::write(
        dir.path().join("alembic.ini"),
        "[alembic]\nscript_location = migrations\n",
    )
    .unwrap();
    let depth = 20_000;
    let text = format!(
        "revision = 'a'\ndown_revision = None\nx = {}1{}\ny = {}\n",
        "(".repeat(depth),
        ")".repeat(depth),
        "-".repeat(depth) + "1"
    );
    std::fs::write(versions.join("a.py"), text).unwrap();
    std::fs::write(versions.join("b.py"), "[".repeat(depth)).unwrap();
    let run = support::Step::new()
        .outside_actions()
        .current_dir(dir.path())
        .arg("check-alembic-heads")
        .run();
    let code = run.code;
    assert!(code == 0 || code == 1, "exit {code}: {}", run.log());
}
