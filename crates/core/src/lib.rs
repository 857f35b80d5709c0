//! sufler's core: what a call's words come to under a call script.
//!
//! Timed words of the two parties ([`call`]) come in, from a recogniser or
//! a stored [`transcript`]; the [`engine`] matches them against a compiled
//! [`rules::RuleSet`] (checked against its own examples by [`rulebook`])
//! and emits [`engine::Event`]s, which [`score`] turns into a call's score.
//! This crate hears nothing: it has no audio, Whisper, runtime or
//! command-line dependency, so the compiler keeps the engine pure and its
//! tests build in seconds.

pub mod call;
pub mod engine;
pub mod error;
pub mod metrics;
mod par;
pub mod redact;
pub mod rulebook;
pub mod rules;
pub mod score;
pub mod scorecard;
pub mod text;
pub mod transcript;

pub use error::{Diagnostic, Error, Result};
