//! `sufler transcribe`: what the recogniser hears in a recording.

use std::path::Path;

use sufler_core::call::Speaker;
use sufler_core::text::Lang;
use sufler_core::transcript::Transcript;
use sufler_hear::asr::Model;
use sufler_hear::audio::{self, ChannelMap};

use crate::error::Result;
use crate::settings::Hearing;

/// The transcript of a recording, as `check --save-transcripts` writes it.
pub fn transcript(file: &Path, hearing: &Hearing, lang: Lang, channels: ChannelMap) -> Result<Transcript<'static>> {
    Ok(Model::load(hearing.options(lang))?.transcribe(file, channels)?)
}

/// Whisper's bare text of the operator's channel, whole, no voice
/// detection or guards: the reference to compare runtimes of one model by.
pub fn plain(file: &Path, hearing: &Hearing, lang: Lang, channels: ChannelMap) -> Result<String> {
    let model = Model::load(hearing.options(lang))?;
    let call = audio::load(file, channels, |s| s == Speaker::Operator)?;
    Ok(model.transcribe_plain(&call.operator)?)
}
