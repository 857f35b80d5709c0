//! `sufler models`: getting and converting the speech models, into the
//! user's data folder unless told otherwise.

use std::path::{Path, PathBuf};

use sufler_hear::models::{self, whisper};

use crate::error::Result;

/// Downloads an official whisper.cpp model into `dir`.
pub fn fetch(name: &str, dir: &Path) -> Result<PathBuf> {
    Ok(models::fetch(name, dir)?)
}

/// Converts a faster-whisper model folder; says what it wrote.
pub fn import(dir: &Path, weights: whisper::Weights, out: &Path) -> Result<String> {
    let s = models::import_whisper(dir, weights, out)?;
    Ok(format!("{}: {} tensors, {} + {} layers, vocabulary {}", out.display(), s.tensors, s.n_audio_layer, s.n_text_layer, s.n_vocab))
}

/// Converts Silero VAD's safetensors; says what it wrote.
pub fn import_vad(file: &Path, out: &Path) -> Result<String> {
    let n = models::import_vad(file, out)?;
    Ok(format!("{}: {n} tensors", out.display()))
}
