//! `check --redact-audio DIR`: a copy of each heard recording with what
//! redaction took out of its words (card and phone numbers, codes, dates,
//! e-mail addresses) silenced on the party's channel, for QA to listen to
//! without the numbers: 16 kHz, 16-bit, operator left and client right.
//!
//! Word times are Whisper's guesses (a word after a pause starts ~0.2 s
//! late): each stretch is widened by [`MARGIN_S`] on both sides.

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
    let mut partial = to.as_os_str().to_owned();
    partial.push(".partial");
    let partial = std::path::PathBuf::from(partial);
    let fail = |e: std::io::Error| Error::Unsaved { path: to.to_path_buf(), source: e };
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    let file = super::check::private(&partial).map_err(fail)?;
    let written = copy(recording, map, taken, BufWriter::new(file)).and_then(|()| std::fs::rename(&partial, to).map_err(fail));
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
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

fn copy(recording: &Path, map: ChannelMap, taken: &[Redaction], mut out: BufWriter<std::fs::File>) -> Result<()> {
    let spans = spans(taken);
    let io = |e: std::io::Error| Error::Unsaved { path: recording.to_path_buf(), source: e };
    out.write_all(&header(0)).map_err(io)?;
    let reader = Reader::open(recording, map, |_| true)?;
    let mut at = 0usize;
    for packet in reader {
        let packet = packet?;
        let of = |s: Speaker| packet.iter().find(|(p, _)| *p == s).map(|(_, x)| x.as_slice()).unwrap_or(&[]);
        let (op, cl) = (of(Speaker::Operator), of(Speaker::Client));
        let len = op.len().max(cl.len());
        let mut bytes = Vec::with_capacity(len * 4);
        for i in 0..len {
            for (samples, party) in [(op, Speaker::Operator), (cl, Speaker::Client)] {
                let silenced = spans[party].iter().any(|&(a, b)| (a..b).contains(&(at + i)));
                let s = if silenced { 0.0 } else { samples.get(i).copied().unwrap_or(0.0) };
                bytes.extend_from_slice(&((s.clamp(-1.0, 1.0) * 32767.0).round() as i16).to_le_bytes());
            }
        }
        out.write_all(&bytes).map_err(io)?;
        at += len;
    }
    // The sizes, now that they are known.
    let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).and_then(|_| file.write_all(&header(at))).and_then(|()| file.sync_all()).map_err(io)
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
