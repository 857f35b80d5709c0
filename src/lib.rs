//! sufler: a call-script and phrase-compliance checker for call centres.
//!
//! Data flows one way: audio ([`audio`]) becomes timed words ([`asr`]), or
//! words come from a stored [`transcript`]; the [`engine`] matches them
//! against a compiled [`rules::RuleSet`] and emits [`engine::Event`]s for
//! the sinks in [`report`]. [`live`] runs the same stages on a call while it
//! goes on; [`batch`] is what a batch's command line names.

pub mod asr;
pub mod audio;
pub mod batch;
pub mod engine;
pub mod models;
pub mod error;
pub mod live;
pub mod rules;
pub mod text;
pub mod transcript;
pub mod report;

pub use error::{Diagnostic, Error, Result};
