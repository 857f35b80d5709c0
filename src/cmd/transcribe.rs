//! `sufler transcribe`: what the recogniser hears in a recording.

use std::path::Path;

use sufler_core::call::Speaker;
use sufler_core::redact;
use sufler_core::text::Lang;
use sufler_core::transcript::{TimedWord, Transcript};
use sufler_hear::asr::Model;
use sufler_hear::audio::{self, ChannelMap};

use crate::error::Result;
use crate::settings::Hearing;

/// The transcript of a recording, as `check --save-transcripts` writes it
/// (card and phone numbers taken out unless `redact` is false).
pub fn transcript(file: &Path, hearing: &Hearing, lang: Lang, channels: ChannelMap, redact: bool) -> Result<Transcript<'static>> {
    let mut t = Model::load(hearing.options(lang))?.transcribe(file, channels)?;
    redaction(lang, &mut t, redact);
    Ok(t)
}

/// Takes card and phone numbers out of a transcript, or marks it as kept
/// as heard.
pub fn redaction(lang: Lang, t: &mut Transcript<'_>, redact: bool) {
    if redact {
        redact::transcript(lang, t);
    } else {
        t.unredacted = true;
    }
}

/// Whisper's bare text of the operator's channel, whole, no voice
/// detection or guards: the reference to compare runtimes of one model by.
pub fn plain(file: &Path, hearing: &Hearing, lang: Lang, channels: ChannelMap, redact: bool) -> Result<String> {
    let model = Model::load(hearing.options(lang))?;
    let call = audio::load(file, channels, |s| s == Speaker::Operator)?;
    let text = model.transcribe_plain(&call.operator)?;
    if !redact {
        return Ok(text);
    }
    let mut words: Vec<TimedWord> =
        text.split_whitespace().map(|w| TimedWord { start: 0.0, end: 0.0, text: w.into(), confidence: None, guessed: false }).collect();
    redact::words(lang, &mut words);
    Ok(words.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>().join(" "))
}
