//! The front door must not panic on any input: migration sources, alembic.ini and
//! pyproject.toml text, and whole trees through the rules.

mod support;

use proptest::prelude::*;
use ready_actions::check_alembic_heads::{config, rules, script};

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
