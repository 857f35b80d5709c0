//! sufler's hearing: recorded or streamed call audio becomes the timed
//! words the core checks.
//!
//! [`audio`] decodes recordings into one track per party at 16 kHz,
//! [`asr`] finds speech (Silero VAD) and transcribes it (whisper.cpp), and
//! [`models`] gets and converts the models both need.

pub mod asr;
pub mod audio;
pub mod error;
pub mod models;

pub use error::{Error, Result};
