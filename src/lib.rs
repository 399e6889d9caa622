//! ready-actions: the library behind the `ready` binary.
//!
//! The shape: each action is one folder `src/<action>/` whose `mod.rs` holds `NAME`, `Args`
//! (clap), `run()` and `META`, its entry in the registry (`actions`): whether predeploy may run
//! it as a gate and what it needs (a network service, a token). The CLI (`cli`), predeploy's gate
//! table and the action contract test read the registry. Every action reads its inputs through
//! one inputs layer (`inputs`: blank means unset, one switch vocabulary, one duration grammar,
//! and `Runner`, the `GITHUB_*` variables and event payload read once). The runtime (`gha`),
//! `report` and `render` are shared by all of them.
//!
//! A gate runs in three steps: collecting (I/O at the edge: `collect.rs`, `engine.rs`, a
//! transport), a pure typed decision unit-tested without I/O (`decision.rs`, `checks.rs`), and
//! presentation into a `report::Report` (`present.rs`). Summary sections are typed
//! `report::Block`s; only `render/` turns them into markdown, escaping what came from outside.
//!
//! Rule-based actions (check-alembic-heads, k8s-ready, config-check) keep their rules as units in
//! `rules/`: a `Rule` enum (id, title, severity, doc link) and one file per rule or family; their
//! docs' `## Rules` sections are read by `render::rule_docs` (the docs-ids tests, SARIF help).
//! Services several actions talk to have one client each: `github`, `prometheus` (with `slo`, the
//! Sloth and OpenSLO files error-budget-gate and watch share), `registry`, `http` below them all.
//! predeploy runs gates in-process with the checklist's directory as their base for paths: no
//! action changes the process's directory (migration-smoke runs Alembic and squawk as child
//! processes in its `working-directory`), and findings name files from it, the workspace.
//!
//! YAML is read through `yaml`: `from_str` into typed structs, `documents` into spanned `Node`s
//! (line and column of every key and value) where an error or a finding must name its line.
//!
//! What people see, shared by every action: `gha::Progress` prints a line per poll that changed
//! something and a heartbeat at most once a minute while an action waits (gate-on-green, smoke's
//! readiness wait; steps and measurements with `Progress::step`). Pictures are
//! `report::Block::Mermaid` (a bounded flowchart or timeline that says what it leaves out) and
//! `Block::Chart`; links are `report::Inline::Link` or a table's `link_columns`.
//! `render::sarif` writes SARIF 2.1.0 for code scanning from any rule table (rules with
//! id/title/help, results from the report's findings). `github::comment` keeps one sticky PR
//! comment per action (the `comment` input), created, updated in place and marked resolved.

pub mod actions;
pub mod check_alembic_heads;
pub mod cli;
pub mod config_check;
pub mod error_budget_gate;
pub mod gate_on_green;
pub mod gha;
pub mod github;
pub mod http;
pub mod image_tag;
pub mod inputs;
pub mod k8s_ready;
pub mod migration_smoke;
pub mod pr_dependencies;
pub mod predeploy;
pub mod prometheus;
pub mod promote;
pub mod registry;
pub mod render;
pub mod report;
pub mod rollback;
pub mod runtime;
pub mod slo;
pub mod smoke;
pub mod watch;
pub mod yaml;
