//! Stored JSON transcripts read quickly. Re-scoring is mostly reading: the
//! derived serde reader spent about 90 ns a word on its four keys, three
//! numbers and a string. This reader walks the words of the layout
//! `check --save-transcripts` writes by hand, and hands every other value
//! (the language, the redactions, the call's metadata, unknown keys) to
//! serde_json.
//!
//! It gives up on what it is not sure of: a key said twice, a number with
//! an exponent, a sign or more than 15 digits, an escape other than the
//! short ones, a value of another type. The caller then reads the whole text
//! with serde_json, which also words any error. So it accepts nothing that
//! serde_json refuses and reads no value otherwise.

use std::borrow::Cow;

use serde::de::{Deserialize, IgnoredAny};

use super::{Segment, TimedWord, Transcript};
use crate::call::Speaker;

/// The transcript in `text`, or `None` when serde_json must read it.
pub(super) fn read(text: &str) -> Option<Transcript<'_>> {
    let mut reader = Reader { text, pos: 0 };
    let transcript = reader.transcript()?;
    reader.space();
    (reader.pos == text.len()).then_some(transcript)
}

/// Exact powers of ten: a decimal of at most 15 digits divided by one is
/// the nearest double, as serde_json computes it.
const POW10: [f64; 16] = [1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

/// Fills a key's slot with its value; a key said twice is serde_json's
/// error, so the reader gives up on it.
fn set<T>(slot: &mut Option<T>, value: Option<T>) -> Option<()> {
    if slot.is_some() {
        return None;
    }
    *slot = Some(value?);
    Some(())
}

impl<'a> Reader<'a> {
    fn transcript(&mut self) -> Option<Transcript<'a>> {
        let (mut language, mut duration, mut segments) = (None, None, None);
        let (mut warnings, mut redacted, mut unredacted, mut call) = (None, None, None, None);
        self.object(|r, key| match key {
            "segments" => set(&mut segments, r.list(Self::segment)),
            "language" => set(&mut language, r.value()),
            "duration" => set(&mut duration, r.value()),
            "warnings" => set(&mut warnings, r.value()),
            "redacted" => set(&mut redacted, r.value()),
            "unredacted" => set(&mut unredacted, r.value()),
            "call" => set(&mut call, r.value()),
            _ => r.value::<IgnoredAny>().map(drop),
        })?;
        Some(Transcript {
            language: language.flatten(),
            duration: duration.flatten(),
            segments: segments?,
            warnings: warnings.unwrap_or_default(),
            redacted: redacted.unwrap_or_default(),
            unredacted: unredacted.unwrap_or_default(),
            call: call.flatten(),
        })
    }

    fn segment(&mut self) -> Option<Segment<'a>> {
        let (mut speaker, mut start, mut end, mut text, mut words) = (None, None, None, None, None);
        self.object(|r, key| match key {
            "speaker" => set(&mut speaker, r.speaker()),
            "start" => set(&mut start, r.number()),
            "end" => set(&mut end, r.number()),
            "text" => set(&mut text, r.string()),
            "words" => set(&mut words, r.list(Self::word)),
            _ => r.value::<IgnoredAny>().map(drop),
        })?;
        Some(Segment { speaker: speaker?, start: start?, end: end?, text: text.unwrap_or_default(), words: words.unwrap_or_default() })
    }

    fn word(&mut self) -> Option<TimedWord<'a>> {
        let (mut start, mut end, mut text, mut confidence, mut guessed) = (None, None, None, None, None);
        self.object(|r, key| match key {
            "start" => set(&mut start, r.number()),
            "end" => set(&mut end, r.number()),
            "text" => set(&mut text, r.string()),
            "confidence" => set(&mut confidence, r.null_or(|r| r.number().map(|c| c as f32))),
            "guessed" => set(&mut guessed, r.boolean()),
            _ => r.value::<IgnoredAny>().map(drop),
        })?;
        Some(TimedWord { start: start?, end: end?, text: text?, confidence: confidence.flatten(), guessed: guessed.unwrap_or_default() })
    }

    fn speaker(&mut self) -> Option<Speaker> {
        match &*self.string()? {
            "operator" => Some(Speaker::Operator),
            "client" => Some(Speaker::Client),
            _ => None,
        }
    }

    /// Any value, by serde_json, with the reader moved past it.
    fn value<T: Deserialize<'a>>(&mut self) -> Option<T> {
        self.space();
        let mut values = serde_json::Deserializer::from_str(&self.text[self.pos..]).into_iter::<T>();
        let value = values.next()?.ok()?;
        self.pos += values.byte_offset();
        Some(value)
    }

    /// `{"key": value, ...}`, with `field` called at each value.
    fn object(&mut self, mut field: impl FnMut(&mut Self, &str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let Cow::Borrowed(key) = self.string()? else { return None };
            self.eat(b':')?;
            field(self, key)?;
            if self.eat(b'}').is_some() {
                return Some(());
            }
            self.eat(b',')?;
        }
    }

    /// `[item, ...]`, each read by `item`.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let mut items = Vec::new();
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(items);
        }
        loop {
            items.push(item(self)?);
            if self.eat(b']').is_some() {
                return Some(items);
            }
            self.eat(b',')?;
        }
    }

    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat(b'"')?;
        let start = self.pos;
        let end = start + plain(&self.text.as_bytes()[start..])?;
        match self.text.as_bytes()[end] {
            b'"' => {
                self.pos = end + 1;
                Some(Cow::Borrowed(&self.text[start..end]))
            }
            b'\\' => self.escaped(start, end).map(Cow::Owned),
            _ => None,
        }
    }

    /// The rest of a string from its first escape at `i`.
    fn escaped(&mut self, start: usize, mut i: usize) -> Option<String> {
        let bytes = self.text.as_bytes();
        let mut out = String::from(&self.text[start..i]);
        loop {
            match *bytes.get(i)? {
                b'"' => {
                    self.pos = i + 1;
                    return Some(out);
                }
                b'\\' => {
                    out.push(match *bytes.get(i + 1)? {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        _ => return None,
                    });
                    i += 2;
                }
                0..=0x1f => return None,
                _ => {
                    let run = i;
                    while bytes.get(i).is_some_and(|&b| b != b'"' && b != b'\\' && b >= 0x20) {
                        i += 1;
                    }
                    out.push_str(&self.text[run..i]);
                }
            }
        }
    }

    /// An unsigned decimal of at most 15 digits and no exponent.
    fn number(&mut self) -> Option<f64> {
        self.space();
        let rest = &self.text.as_bytes()[self.pos..];
        let whole = rest.iter().take_while(|b| b.is_ascii_digit()).count();
        let (decimals, len) = match rest.get(whole) {
            Some(b'.') => {
                let decimals = rest[whole + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
                (decimals, whole + 1 + decimals)
            }
            _ => (0, whole),
        };
        let leading_zero = rest.first() == Some(&b'0') && whole > 1;
        let unusual = whole == 0 || leading_zero || whole + decimals > 15 || (len > whole && decimals == 0);
        if unusual || matches!(rest.get(len), Some(b'e' | b'E')) {
            return None;
        }
        let value = rest[..len].iter().filter(|b| b.is_ascii_digit()).fold(0u64, |v, &d| v * 10 + u64::from(d - b'0'));
        self.pos += len;
        Some(value as f64 / POW10[decimals])
    }

    fn boolean(&mut self) -> Option<bool> {
        self.space();
        let rest = &self.text[self.pos..];
        let (value, len) = match () {
            () if rest.starts_with("true") => (true, 4),
            () if rest.starts_with("false") => (false, 5),
            () => return None,
        };
        self.pos += len;
        Some(value)
    }

    /// `null` as `None`, else what `read` reads.
    fn null_or<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        self.space();
        if self.text[self.pos..].starts_with("null") {
            self.pos += 4;
            return Some(None);
        }
        read(self).map(Some)
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.space();
        (self.text.as_bytes().get(self.pos) == Some(&byte)).then(|| self.pos += 1)
    }

    fn space(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.text.as_bytes().get(self.pos) {
            self.pos += 1;
        }
    }
}

/// How many bytes come before the first quote, backslash or control
/// character, eight at a time: most of a transcript is its words' texts.
fn plain(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    // The lowest byte flagged is exact (a borrow runs upwards only).
    let below = |w: u64, n: u8| w.wrapping_sub(ONES * u64::from(n)) & !w & HIGH;
    let mut chunks = bytes.chunks_exact(8);
    for (i, chunk) in chunks.by_ref().enumerate() {
        let w = u64::from_le_bytes(chunk.try_into().expect("eight bytes"));
        let found = below(w ^ (ONES * u64::from(b'"')), 1) | below(w ^ (ONES * u64::from(b'\\')), 1) | below(w, 0x20);
        if found != 0 {
            return Some(i * 8 + found.trailing_zeros() as usize / 8);
        }
    }
    let done = bytes.len() - chunks.remainder().len();
    chunks.remainder().iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20).map(|p| done + p)
}
