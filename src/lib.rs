//! sufler: a call-script and phrase-compliance checker for call centres.
//!
//! Data flows one way: audio ([`sufler_hear`]) becomes timed words, or
//! words come from a stored transcript; the engine of [`sufler_core`]
//! matches them against the rules and emits events; the sinks of
//! [`report`] write them out. This crate is the front end: the flags
//! ([`cli`]) resolved into [`settings`], and the commands ([`cmd`]) as
//! library functions; [`live`] is the pipeline of a call checked while it
//! goes on, [`batch`] what a batch's command line names, [`meta`] who
//! took each call, [`qa`] the report QA staff read.

pub mod batch;
pub mod cli;
pub mod cmd;
pub mod error;
pub mod files;
pub mod live;
pub mod meta;
pub mod qa;
pub mod report;
pub mod serve;
pub mod settings;
pub mod shard;

pub use error::{Error, Result};
