//! Keeps every `actions/<name>/action.yml`, the `ready <name>` subcommand and the docs in step:
//! each input reaches the binary as `INPUT_<NAME>` through `env:` and matches a flag of the same
//! name that reads that variable; no `${{ }}` inside `run:`; everything described.

use clap::CommandFactory;
use ready_actions::cli::Cli;
use std::path::Path;
use yaml_serde::Value;

fn env_name(input: &str) -> String {
    format!("INPUT_{}", input.to_uppercase().replace('-', "_"))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}

/// Problems with one action directory; empty when it is in step.
fn check_action(dir: &Path, readme: &str) -> Vec<String> {
    let name = dir.file_name().unwrap().to_string_lossy().to_string();
    let mut problems = Vec::new();
    let text = match std::fs::read_to_string(dir.join("action.yml")) {
        Ok(t) => t,
        Err(e) => return vec![format!("{name}: cannot read action.yml: {e}")],
    };
    let doc: Value = match yaml_serde::from_str(&text) {
        Ok(d) => d,
        Err(e) => return vec![format!("{name}: action.yml does not parse: {e}")],
    };
    for key in ["name", "description", "author"] {
        if str_of(&doc, key).is_none_or(str::is_empty) {
            problems.push(format!("{name}: action.yml has no {key}"));
        }
    }
    if doc.get("branding").is_none() {
        problems.push(format!("{name}: action.yml has no branding"));
    }
    let inputs: Vec<(String, Value)> = doc
        .get("inputs")
        .and_then(Value::as_mapping)
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.as_str().unwrap_or_default().to_string(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    for (input, spec) in &inputs {
        if str_of(spec, "description").is_none_or(str::is_empty) {
            problems.push(format!("{name}: input {input} has no description"));
        }
        if let Some(default) = spec.get("default")
            && !default.is_string()
        {
            problems.push(format!("{name}: input {input} has an unquoted default"));
        }
    }
    let outputs = doc.get("outputs").and_then(Value::as_mapping);
    if outputs.is_none_or(|o| !o.contains_key("result")) {
        problems.push(format!("{name}: action.yml has no `result` output"));
    }
    for (output, spec) in outputs.into_iter().flatten() {
        if str_of(spec, "description").is_none_or(str::is_empty) {
            problems.push(format!(
                "{name}: output {:?} has no description",
                output.as_str()
            ));
        }
    }

    let steps = doc["runs"]["steps"]
        .as_sequence()
        .cloned()
        .unwrap_or_default();
    if str_of(&doc["runs"], "using") != Some("composite") {
        problems.push(format!("{name}: runs.using is not composite"));
    }
    for step in &steps {
        if str_of(step, "run").is_some_and(|r| r.contains("${{")) {
            problems.push(format!(
                "{name}: a run: script contains a ${{{{ }}}} expression"
            ));
        }
    }
    let Some(run) = steps.iter().find(|s| str_of(s, "id") == Some("run")) else {
        problems.push(format!("{name}: no step with id `run`"));
        return problems;
    };
    let expected_run = format!("\"$READY_BIN\" {name}");
    if str_of(run, "run").map(str::trim) != Some(expected_run.as_str()) {
        problems.push(format!("{name}: the run step should be `{expected_run}`"));
    }
    let env = run
        .get("env")
        .and_then(Value::as_mapping)
        .cloned()
        .unwrap_or_default();
    for (input, _) in &inputs {
        let var = env_name(input);
        let wanted = format!("${{{{ inputs.{input} }}}}");
        match env.get(var.as_str()).and_then(Value::as_str) {
            Some(v) if v.trim() == wanted => {}
            Some(v) => problems.push(format!("{name}: env {var} is {v:?}, expected {wanted:?}")),
            None => problems.push(format!("{name}: input {input} is not passed as {var}")),
        }
    }
    for var in env
        .keys()
        .filter_map(Value::as_str)
        .filter(|k| k.starts_with("INPUT_"))
    {
        if !inputs.iter().any(|(i, _)| env_name(i) == var) {
            problems.push(format!("{name}: env {var} has no input"));
        }
    }

    let cli = Cli::command();
    let Some(sub) = cli.find_subcommand(&name) else {
        problems.push(format!("{name}: `ready {name}` does not exist"));
        return problems;
    };
    for (input, _) in &inputs {
        let arg = sub
            .get_arguments()
            .chain(cli.get_arguments())
            .find(|a| a.get_long() == Some(input.as_str()));
        match arg {
            None => problems.push(format!("{name}: input {input} has no flag --{input}")),
            Some(arg) => {
                let env = arg.get_env().map(|e| e.to_string_lossy().to_string());
                if env.as_deref() != Some(env_name(input).as_str()) {
                    problems.push(format!(
                        "{name}: --{input} does not read {}",
                        env_name(input)
                    ));
                }
            }
        }
    }
    if !readme.contains(&format!("actions/{name}")) {
        problems.push(format!("{name}: README.md does not mention actions/{name}"));
    }
    let docs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("docs/{name}.md")),
    )
    .unwrap_or_default();
    for (input, _) in &inputs {
        if !docs.contains(&format!("`{input}`")) {
            problems.push(format!(
                "{name}: docs/{name}.md does not document `{input}`"
            ));
        }
    }
    problems
}

#[test]
fn every_action_is_in_step_with_its_subcommand_and_docs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    let mut problems = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root.join("actions")) {
        for entry in entries {
            problems.extend(check_action(&entry.unwrap().path(), &readme));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn every_subcommand_has_an_action() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let missing: Vec<&str> = ready_actions::actions::ALL
        .iter()
        .map(|a| a.name)
        .filter(|name| !root.join("actions").join(name).join("action.yml").exists())
        .collect();
    assert!(
        missing.is_empty(),
        "subcommands without an action: {missing:?}"
    );
}

#[test]
fn the_check_catches_a_mismatched_action() {
    let dir = tempfile::tempdir().unwrap();
    let action = dir.path().join("no-such-action");
    std::fs::create_dir(&action).unwrap();
    std::fs::write(
        action.join("action.yml"),
        r#"
name: "ready: no-such-action"
description: "test"
author: "t"
branding: { icon: "check", color: "green" }
inputs:
  spec:
    description: "a spec"
    default: 1
  other:
    description: ""
outputs:
  result:
    description: "r"
    value: "x"
runs:
  using: "composite"
  steps:
    - id: run
      shell: bash
      run: "ready no-such-action ${{ inputs.spec }}"
      env:
        INPUT_SPEC: ${{ inputs.other }}
        INPUT_STRAY: "x"
"#,
    )
    .unwrap();
    let problems = check_action(&action, "").join("\n");
    for expected in [
        "input spec has an unquoted default",
        "input other has no description",
        "a run: script contains a ${{ }} expression",
        "the run step should be",
        "env INPUT_SPEC is",
        "input other is not passed as INPUT_OTHER",
        "env INPUT_STRAY has no input",
        "`ready no-such-action` does not exist",
    ] {
        assert!(
            problems.contains(expected),
            "missing {expected:?} in:\n{problems}"
        );
    }
}
