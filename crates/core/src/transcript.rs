//! Transcripts: the words of a call with their times, as JSON (written by
//! `sufler check --save-transcripts`, read back for re-scoring) or as plain
//! text that trainers type by hand.
//!
//! JSON schema (unknown fields are ignored):
//!
//! ```json
//! {
//!   "language": "ru",            // optional
//!   "duration": 63.5,            // optional, seconds; default: last word's end
//!   "segments": [
//!     {"speaker": "operator", "start": 0.5, "end": 3.2,
//!      "text": "Здравствуйте, компания Ромашка.",
//!      "words": [{"start": 0.5, "end": 1.3, "text": "Здравствуйте,", "confidence": 0.97}, ...]}
//!   ]
//! }
//! ```
//!
//! A segment is one utterance. `words` may be left out: the segment's text
//! is then spread evenly over its time.
//!
//! Plain text: one utterance per line, `speaker: text`, optionally preceded
//! (or followed) by a time `[mm:ss]`, `[mm:ss.s]` or `[h:mm:ss]`; `#` starts
//! a comment line. Lines without a time follow the previous one.

mod json;

use std::borrow::Cow;
use std::path::Path;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::call::{CallMeta, Parties, Speaker, Word};
use crate::engine::{Engine, Event, Swapped};
use crate::error::{Diagnostic, Error, Result};
use crate::rules::RuleSet;

/// Seconds given to a word whose time is not known.
pub const WORD_S: f64 = 0.4;
/// The longest call a transcript may say it is: a day. A duration past
/// it is a mistake, and would put every closing step out of reach.
pub const MAX_DURATION_S: f64 = 86_400.0;
/// Pause assumed between untimed lines.
const LINE_GAP_S: f64 = 0.6;

/// A transcript; its texts borrow from the JSON they were read from where
/// they can (re-scoring many stored calls is mostly reading them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript<'a> {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "opt_ms")]
    pub duration: Option<f64>,
    #[serde(borrow)]
    pub segments: Vec<Segment<'a>>,
    /// What went wrong in reading the recording (damaged stretches heard as
    /// silence, a file cut short), for people.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// What was taken out of the words (see [`crate::redact`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub redacted: Vec<Redaction>,
    /// Set when the words were kept as heard (`--no-redact`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unredacted: bool,
    /// Who took the call, when known as it was saved.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call: Option<CallMeta>,
}

/// A stretch of a party's speech taken out, as a saved transcript tells it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Redaction {
    pub speaker: Speaker,
    #[serde(flatten)]
    pub taken: crate::redact::Redacted,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment<'a> {
    pub speaker: Speaker,
    #[serde(serialize_with = "ms")]
    pub start: f64,
    #[serde(serialize_with = "ms")]
    pub end: f64,
    #[serde(default, borrow)]
    pub text: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Vec::is_empty", borrow)]
    pub words: Vec<TimedWord<'a>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimedWord<'a> {
    #[serde(serialize_with = "ms")]
    pub start: f64,
    #[serde(serialize_with = "ms")]
    pub end: f64,
    #[serde(borrow)]
    pub text: Cow<'a, str>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<f32>,
    /// Heard where the recogniser itself could not hear (see
    /// [`Word::guessed`]).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub guessed: bool,
}

/// Times are written to the millisecond: finer is noise, and short
/// numbers keep stored transcripts small and quick to read back.
pub fn ms<S: serde::Serializer>(t: &f64, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_f64((t * 1000.0).round() / 1000.0)
}

fn opt_ms<S: serde::Serializer>(t: &Option<f64>, s: S) -> std::result::Result<S::Ok, S::Error> {
    match t {
        Some(t) => ms(t, s),
        None => s.serialize_none(),
    }
}

/// Reads a file for [`Transcript::parse`].
pub fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

impl<'a> Transcript<'a> {
    /// Parses a transcript, JSON or plain text by its first character.
    pub fn parse(path: &Path, text: &'a str) -> Result<Transcript<'a>> {
        // Editors on Windows start UTF-8 files with a byte-order mark.
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let transcript =
            if text.trim_start().starts_with('{') { json::read(text).map_or_else(|| Self::parse_json(path, text), Ok)? } else { parse_plain(path, text)? };
        transcript.validate(path)?;
        Ok(transcript)
    }

    /// JSON by serde_json, which words the errors.
    fn parse_json(path: &Path, text: &'a str) -> Result<Transcript<'a>> {
        serde_json::from_str::<Transcript>(text).map_err(|e| {
            let message = e.to_string();
            // serde_json appends " at line L column C"; the diagnostic shows that itself.
            let message = message.rsplit_once(" at line ").map_or(message.as_str(), |(m, _)| m).to_string();
            Error::Transcript(Diagnostic::at_line_col(path, text, e.line(), e.column(), message))
        })
    }

    fn validate(&self, path: &Path) -> Result<()> {
        let bad = |message: String| Err(Error::Input { path: path.to_path_buf(), message });
        if let Some(d) = self.duration {
            let last = self.segments.iter().flat_map(|s| std::iter::once(s.end).chain(s.words.iter().map(|w| w.end))).fold(0.0, f64::max);
            if !(d.is_finite() && (0.0..=MAX_DURATION_S).contains(&d)) {
                return bad(format!("bad duration {d:?}: seconds from 0 to {MAX_DURATION_S} (a day)"));
            }
            if d < last {
                return bad(format!("the duration, {d:?} s, ends before the last word does ({last:?} s)"));
            }
        }
        let mut last = Parties::both(f64::NEG_INFINITY);
        for (i, seg) in self.segments.iter().enumerate() {
            let times = std::iter::once((seg.start, seg.end)).chain(seg.words.iter().map(|w| (w.start, w.end)));
            for (start, end) in times {
                if !(start.is_finite() && end.is_finite() && start >= 0.0 && end >= start) {
                    return bad(format!("segment {}: bad time span {start}..{end} (times are seconds, end not before start)", i + 1));
                }
            }
            for w in &seg.words {
                let l = &mut last[seg.speaker];
                if w.start < *l {
                    return bad(format!(
                        "segment {}: word «{}» at {} s comes before the {}'s previous word ({} s); each speaker's words must be in time order",
                        i + 1,
                        w.text,
                        w.start,
                        seg.speaker,
                        l
                    ));
                }
                *l = w.start;
            }
        }
        Ok(())
    }

    /// All words, both speakers merged in time order.
    pub fn words(&self) -> Vec<Word<'_>> {
        let mut words = Vec::new();
        self.each_word(|w| words.push(w.clone()));
        // Stable: words of one speaker keep their order.
        words.sort_by(|a, b| a.start.total_cmp(&b.start));
        words
    }

    /// Calls `f` with each word, segment by segment: each speaker's words
    /// in order, which is all the engine asks for.
    pub fn each_word<'s>(&'s self, mut f: impl FnMut(&Word<'s>)) {
        for seg in &self.segments {
            let mut utterance_start = true;
            let mut emit = |start: f64, end: f64, text: &'s str, confidence: Option<f32>, guessed: bool| {
                let word = Word { speaker: seg.speaker, start, end, text: Cow::Borrowed(text), confidence, guessed, utterance_start };
                f(&word);
                utterance_start = false;
            };
            if seg.words.is_empty() {
                let parts: Vec<&str> = seg.text.split_whitespace().collect();
                let step = (seg.end - seg.start) / parts.len().max(1) as f64;
                for (i, text) in parts.into_iter().enumerate() {
                    let start = seg.start + step * i as f64;
                    emit(start, start + step, text, None, false);
                }
            } else {
                for w in &seg.words {
                    emit(w.start, w.end, &w.text, w.confidence, w.guessed);
                }
            }
        }
    }

    /// Runs the call through a fresh engine.
    pub fn check(&self, rules: &RuleSet, call: impl Into<CallMeta>) -> Vec<Event> {
        self.check_as(rules, call, false)
    }

    /// Runs the call through a fresh engine, and once more with the
    /// parties the other way round when it looks swapped (the client's
    /// words said the operator's opening): those events are the call's.
    pub fn check_either_way(&self, rules: &RuleSet, call: impl Into<CallMeta>) -> Vec<Event> {
        let call = call.into();
        let events = self.check_as(rules, call.clone(), false);
        let suspected = events.iter().any(|e| matches!(e, Event::CallSummary(s) if s.swapped == Swapped::Suspected));
        if !suspected {
            return events;
        }
        let mut events = self.check_as(rules, call, true);
        for e in &mut events {
            if let Event::CallSummary(s) = e {
                s.swapped = Swapped::Corrected;
            }
        }
        events
    }

    fn check_as(&self, rules: &RuleSet, call: impl Into<CallMeta>, swap: bool) -> Vec<Event> {
        let mut engine = Engine::new(rules, call);
        for seg in &self.segments {
            engine.speech(if swap { seg.speaker.other() } else { seg.speaker }, seg.start, seg.end);
        }
        self.each_word(|w| match swap {
            false => engine.push(w),
            true => engine.push(&Word { speaker: w.speaker.other(), ..w.clone() }),
        });
        engine.finish(self.duration);
        engine.take_events()
    }
}

fn time_re() -> &'static Regex {
    static RE: std::sync::OnceLock<Regex> = std::sync::OnceLock::new();
    RE.get_or_init(|| Regex::new(r"^\[(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)\]\s*").expect("valid regex"))
}

fn parse_plain<'a>(path: &Path, text: &'a str) -> Result<Transcript<'a>> {
    let mut segments: Vec<Segment> = Vec::new();
    let mut cursor = 0.0f64;
    let mut last_time: Option<(f64, usize)> = None;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let line_start = offset;
        offset += line.len();
        let body = line.trim_end();
        let indent = body.len() - body.trim_start().len();
        let mut rest = body.trim_start();
        let mut pos = line_start + indent;
        if rest.is_empty() || rest.starts_with('#') {
            continue;
        }
        let diag = |at: usize, len: usize, message: &str| Error::Transcript(Diagnostic::new(path, text, at..at + len, message));
        let mut time = None;
        let mut take_time = |rest: &mut &str, pos: &mut usize| -> Result<()> {
            if let Some(c) = time_re().captures(rest) {
                let h: f64 = c.get(1).map_or(0.0, |m| m.as_str().parse().unwrap_or(0.0));
                let m: f64 = c[2].parse().unwrap_or(0.0);
                let s: f64 = c[3].parse().unwrap_or(0.0);
                let len = c[0].trim_end().len();
                // Minutes may run past an hour only when no hours are written.
                if s >= 60.0 || (c.get(1).is_some() && m >= 60.0) {
                    return Err(diag(*pos, len, "bad time: seconds (and minutes after hours) go up to 59"));
                }
                time = Some((h * 3600.0 + m * 60.0 + s, *pos, len));
                let n = c[0].len();
                *rest = &rest[n..];
                *pos += n;
            } else if rest.starts_with('[') {
                return Err(diag(*pos, rest.find(']').map_or(1, |i| i + 1), "bad time: write it as [mm:ss], [mm:ss.s] or [h:mm:ss]"));
            }
            Ok(())
        };
        take_time(&mut rest, &mut pos)?;
        let Some((who, said)) = rest.split_once(':') else {
            return Err(diag(pos, rest.len(), "expected `operator: text` or `client: text`"));
        };
        let speaker: Speaker = who.parse().map_err(|m: String| diag(pos, who.trim_end().len(), &m))?;
        pos += who.len() + 1;
        let lead = said.len() - said.trim_start().len();
        let mut said = said.trim_start();
        pos += lead;
        take_time(&mut said, &mut pos)?;
        let start = match time {
            Some((t, at, len)) => {
                if let Some((prev, _)) = last_time.filter(|(prev, _)| t < *prev) {
                    let message = format!("time goes backwards: {} is before the previous line's {}", clock(t), clock(prev));
                    return Err(diag(at, len, &message));
                }
                last_time = Some((t, at));
                t
            }
            None => cursor,
        };
        let parts: Vec<&str> = said.split_whitespace().collect();
        let words: Vec<TimedWord> = parts
            .iter()
            .enumerate()
            .map(|(i, w)| TimedWord {
                start: start + i as f64 * WORD_S,
                end: start + (i + 1) as f64 * WORD_S - 0.05,
                text: Cow::Borrowed(*w),
                confidence: None,
                guessed: false,
            })
            .collect();
        let end = start + parts.len() as f64 * WORD_S;
        cursor = cursor.max(end + LINE_GAP_S);
        segments.push(Segment { speaker, start, end, text: Cow::Borrowed(said), words });
    }
    if segments.is_empty() {
        return Err(Error::Input { path: path.to_path_buf(), message: "no lines of speech (expected `operator: text` lines)".into() });
    }
    Ok(Transcript { language: None, duration: None, segments, warnings: Vec::new(), redacted: Vec::new(), unredacted: false, call: None })
}

/// `mm:ss.s`, for people.
pub fn clock(t: f64) -> String {
    let t = t.max(0.0);
    format!("{:02}:{:04.1}", (t / 60.0).floor() as u64, t % 60.0)
}
