//! `check --redact-audio DIR`: a copy of each heard recording with what
//! redaction took out of its words (card and phone numbers, codes, dates,
//! e-mail addresses) silenced on the party's channel, for QA to listen to
//! without the numbers: 16 kHz, 16-bit, operator left and client right.
//!
//! Word times are Whisper's guesses (a word after a pause starts ~0.2 s
//! late): each stretch is widened by [`MARGIN_S`] on both sides.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::Path;

use sufler_core::call::{Parties, Speaker};
use sufler_core::transcript::Redaction;
use sufler_hear::audio::{ChannelMap, RATE, Reader};

use crate::error::{Error, Result};

/// Seconds of sound silenced before and after each stretch taken out.
pub const MARGIN_S: f64 = 0.3;

/// Writes the copy of `recording` to `to`, whole or not at all, readable by
/// its owner alone.
pub fn write(recording: &Path, map: ChannelMap, taken: &[Redaction], to: &Path) -> Result<()> {
    let io = |e: std::io::Error| Error::Unsaved { path: to.to_path_buf(), source: e };
    crate::files::write_whole(to, io, |out| copy(recording, map, taken, out, io))
}

/// Which samples of each party to silence: `[start, end)` in 16 kHz samples.
fn spans(taken: &[Redaction]) -> Parties<Vec<(usize, usize)>> {
    let mut spans: Parties<Vec<(usize, usize)>> = Parties::default();
    for r in taken {
        let at = |t: f64| (t.max(0.0) * f64::from(RATE)) as usize;
        spans[r.speaker].push((at(r.taken.start - MARGIN_S), at(r.taken.end + MARGIN_S)));
    }
    spans
}

fn copy(recording: &Path, map: ChannelMap, taken: &[Redaction], out: &mut BufWriter<File>, io: impl Fn(std::io::Error) -> Error) -> Result<()> {
    let spans = spans(taken);
    out.write_all(&header(0)).map_err(&io)?;
    let reader = Reader::open(recording, map, |_| true)?;
    let mut at = 0usize;
    for packet in reader {
        let packet = packet?;
        let of = |s: Speaker| packet.iter().find(|(p, _)| *p == s).map(|(_, x)| x.as_slice()).unwrap_or(&[]);
        let parties = [of(Speaker::Operator), of(Speaker::Client)];
        let len = parties.iter().map(|p| p.len()).max().unwrap_or(0);
        // Interleaved, a party with no channel silent.
        let mut frames = vec![0i16; 2 * len];
        for (c, samples) in parties.iter().enumerate() {
            for (i, s) in samples.iter().enumerate() {
                frames[2 * i + c] = (s.clamp(-1.0, 1.0) * 32767.0).round() as i16;
            }
        }
        // The stretches taken out that fall in this block.
        for (c, party) in [Speaker::Operator, Speaker::Client].into_iter().enumerate() {
            for &(a, b) in &spans[party] {
                for i in a.max(at)..b.min(at + len) {
                    frames[2 * (i - at) + c] = 0;
                }
            }
        }
        let bytes: Vec<u8> = frames.iter().flat_map(|s| s.to_le_bytes()).collect();
        out.write_all(&bytes).map_err(&io)?;
        at += len;
    }
    // The sizes, now that they are known.
    out.seek(SeekFrom::Start(0)).and_then(|_| out.write_all(&header(at))).map_err(&io)
}

/// A RIFF/WAVE header for `frames` stereo 16-bit frames at 16 kHz.
fn header(frames: usize) -> [u8; 44] {
    let data = u32::try_from(frames * 4).unwrap_or(u32::MAX - 36);
    let mut h = [0u8; 44];
    let mut put = |at: usize, bytes: &[u8]| h[at..at + bytes.len()].copy_from_slice(bytes);
    put(0, b"RIFF");
    put(4, &(36 + data).to_le_bytes());
    put(8, b"WAVEfmt ");
    put(16, &16u32.to_le_bytes());
    put(20, &1u16.to_le_bytes()); // PCM
    put(22, &2u16.to_le_bytes()); // channels
    put(24, &RATE.to_le_bytes());
    put(28, &(RATE * 4).to_le_bytes()); // bytes per second
    put(32, &4u16.to_le_bytes()); // bytes per frame
    put(34, &16u16.to_le_bytes()); // bits per sample
    put(36, b"data");
    put(40, &data.to_le_bytes());
    h
}
