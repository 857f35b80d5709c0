//! sufler: a call-script and phrase-compliance checker for call centres.
//!
//! Data flows one way: timed words (from a transcript or, later, from speech
//! recognition) go into the [`engine`], which matches them against a
//! compiled [`rules::RuleSet`] and emits [`engine::Event`]s for the sinks in
//! [`report`].

pub mod asr;
pub mod audio;
pub mod engine;
pub mod models;
pub mod error;
pub mod rules;
pub mod text;
pub mod transcript;
pub mod report;

pub use error::{Diagnostic, Error, Result};
