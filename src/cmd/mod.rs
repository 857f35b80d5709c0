//! The commands, one per module, as library functions: each takes its
//! settings, already resolved from flags and `sufler.toml`
//! ([`crate::settings`]), and writes through a sink or returns what it
//! found; none reads flags or decides an exit code.

pub mod check;
pub mod live;
pub mod merge;
pub mod models;
pub mod report;
pub mod rules;
pub mod silence;
pub mod transcribe;
