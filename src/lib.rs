//! ready-actions: the library behind the `ready` binary. Each action is a module with `Args`
//! (clap) and `run()`; the runtime, report and renderers are shared by all of them.

pub mod cli;
pub mod gha;
pub mod http;
pub mod promote;
pub mod registry;
pub mod render;
pub mod report;
pub mod rollback;
pub mod runtime;
