//! ready-actions: the library behind the `ready` binary. Each action is a module with `Args`
//! (clap) and `run()`; the runtime, report and renderers are shared by all of them.
//!
//! A gate runs in three steps: collecting (I/O at the edge: `collect.rs`, `engine.rs`, a
//! transport), a pure typed decision unit-tested without I/O (`decision.rs`, `checks.rs`), and
//! presentation into a `report::Report` (`present.rs`). Summary sections are typed
//! `report::Block`s; only `render/` turns them into markdown, escaping what came from outside.

pub mod check_alembic_heads;
pub mod cli;
pub mod error_budget_gate;
pub mod gate_on_green;
pub mod gha;
pub mod github;
pub mod http;
pub mod image_tag;
pub mod predeploy;
pub mod promote;
pub mod registry;
pub mod render;
pub mod report;
pub mod rollback;
pub mod runtime;
pub mod smoke;
pub mod yaml;
