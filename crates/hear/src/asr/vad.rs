//! Silero voice activity detection, run by whisper.cpp, over a stream of
//! audio fed a piece at a time.
//!
//! whisper-rs can only detect speech in audio held whole. A call is read
//! in pieces instead, so that an hour of it does not sit in memory; the
//! vendored whisper.cpp's `whisper_vad_detect_speech_more` goes on with
//! Silero's state from one piece to the next, which gives the
//! probabilities, and so the cuts, of the whole track detected at once.
//! Cuts are given out as the stream goes on, each once whisper.cpp's cut
//! of what has been heard has it as the whole stream's will.

use std::ffi::CString;
use std::path::Path;
use std::ptr::NonNull;

use whisper_rs_sys as sys;

use super::{MAX_SPEECH_S, MIN_SILENCE_MS, MIN_SPEECH_MS, SPEECH_PAD_MS, VAD_WINDOW};
use crate::audio::RATE;
use crate::error::{Error, Result};

/// Samples given to whisper.cpp at a time (256 windows, ~8 s): each call
/// builds Silero's graph again, and the audio is read in packets.
const PIECE: usize = 256 * VAD_WINDOW;

/// One stream's voice activity detection.
pub struct Vad {
    ctx: NonNull<sys::whisper_vad_context>,
    /// Audio not yet given to Silero: less than a [`PIECE`].
    pending: Vec<f32>,
    /// Whether Silero has seen a piece of the current stream.
    started: bool,
    /// Whether the stream has ended.
    finished: bool,
    /// How many stretches [`Vad::settle`] gave, and the seconds heard then.
    given: (usize, f64),
    /// The earliest second a stretch not yet given can start at.
    next_from: f64,
}

// SAFETY: the context is owned, and used through `&mut self` alone.
unsafe impl Send for Vad {}

impl Vad {
    pub fn new(model: &Path) -> Result<Vad> {
        let failed = |why: &str| Error::Model { path: model.to_path_buf(), message: format!("cannot load the VAD model ({why})") };
        let path = model.to_str().and_then(|p| CString::new(p).ok()).ok_or_else(|| failed("the path is not UTF-8"))?;
        // SAFETY: plain values in; the path lives through the call.
        let ctx = unsafe {
            let mut params = sys::whisper_vad_default_context_params();
            // Silero is tiny: a second thread only adds waiting between its many small steps.
            params.n_threads = 1;
            params.use_gpu = false;
            sys::whisper_vad_init_from_file_with_params(path.as_ptr(), params)
        };
        let ctx = NonNull::new(ctx).ok_or_else(|| failed("whisper.cpp could not read it"))?;
        Ok(Vad { ctx, pending: Vec::new(), started: false, finished: false, given: (0, 0.0), next_from: 0.0 })
    }

    /// Starts a new stream.
    pub fn start(&mut self) {
        self.pending.clear();
        self.started = false;
        self.finished = false;
        self.given = (0, 0.0);
        self.next_from = 0.0;
    }

    /// The stream's next samples (16 kHz).
    pub fn push(&mut self, samples: &[f32]) -> Result<()> {
        self.pending.extend_from_slice(samples);
        let whole = self.pending.len() / PIECE * PIECE;
        for piece in self.pending[..whole].chunks(PIECE) {
            detect(self.ctx, self.started, piece)?;
            self.started = true;
        }
        self.pending.drain(..whole);
        Ok(())
    }

    /// The stream ended: Silero's speech probability for each of its
    /// [`VAD_WINDOW`]s (the last padded with silence).
    pub fn finish(&mut self) -> Result<&[f32]> {
        if !self.pending.is_empty() || !self.started {
            detect(self.ctx, self.started, &self.pending)?;
            self.started = true;
            self.pending.clear();
        }
        self.finished = true;
        // SAFETY: the context owns the probabilities, and `self` is borrowed while they are.
        Ok(unsafe {
            let n = sys::whisper_vad_n_probs(self.ctx.as_ptr()) as usize;
            if n == 0 { &[] } else { std::slice::from_raw_parts(sys::whisper_vad_probs(self.ctx.as_ptr()), n) }
        })
    }

    /// Seconds of the stream Silero has given probabilities for: whole
    /// pieces, and all of it once finished. (Before its first piece, none:
    /// so [`Vad::settle`] never cuts the stream before, still in the
    /// context.)
    fn heard(&self) -> f64 {
        if !self.started {
            // The context still holds the stream before.
            return 0.0;
        }
        // SAFETY: a plain read of the owned context.
        let n = unsafe { sys::whisper_vad_n_probs(self.ctx.as_ptr()) } as usize;
        (n * VAD_WINDOW) as f64 / f64::from(RATE)
    }

    /// The voiced stretches in seconds of the stream [`heard`](Vad::heard)
    /// so far, cut by whisper.cpp with sufler's settings (see [`settled`]
    /// for which of them a stream still going on leaves as they are).
    fn segments(&mut self, threshold: f32) -> Result<Vec<(f64, f64)>> {
        let params = sys::whisper_vad_params {
            threshold,
            min_speech_duration_ms: MIN_SPEECH_MS as i32,
            min_silence_duration_ms: MIN_SILENCE_MS as i32,
            max_speech_duration_s: MAX_SPEECH_S,
            speech_pad_ms: SPEECH_PAD_MS as i32,
            // Unused by the cutting; whisper.cpp's default.
            samples_overlap: 0.1,
        };
        // SAFETY: the segments are freed here, after they are read.
        unsafe {
            let segments = sys::whisper_vad_segments_from_probs(self.ctx.as_ptr(), params);
            if segments.is_null() {
                return Err(Error::vad("cannot cut the speech"));
            }
            let n = sys::whisper_vad_segments_n_segments(segments);
            // whisper.cpp counts in centiseconds.
            let seconds = |cs: f32| f64::from(cs) / 100.0;
            let out = (0..n)
                .map(|i| (seconds(sys::whisper_vad_segments_get_segment_t0(segments, i)), seconds(sys::whisper_vad_segments_get_segment_t1(segments, i))))
                .collect();
            sys::whisper_vad_free_segments(segments);
            Ok(out)
        }
    }

    /// The voiced stretches (seconds) of the stream that whisper.cpp will
    /// cut the same from the whole stream as from what is heard so far
    /// ([`settled`]), and not given before: so, as the stream goes on, the
    /// stretches of the whole stream, in order.
    fn settle(&mut self, threshold: f32) -> Result<Vec<(f64, f64)>> {
        let heard = self.heard();
        if !self.finished && heard == self.given.1 {
            return Ok(Vec::new());
        }
        let cuts = self.segments(threshold)?;
        // Settled stretches stay (tests/audio.rs checks it); were one to go,
        // the call goes on with those given.
        debug_assert!(cuts.len() >= self.given.0, "settled stretches went");
        let given = self.given.0.min(cuts.len());
        let settled = if self.finished { cuts.len() } else { settled(&cuts, heard).max(given) };
        self.next_from = if self.finished { f64::INFINITY } else { unsettled_from(&cuts[settled..], heard) };
        let new = cuts[given..settled].to_vec();
        self.given = (settled, heard);
        Ok(new)
    }

    /// Gives the stream its next samples (`None`: it has ended), and
    /// returns the stretches that settled with them ([`Vad::settle`]).
    pub fn hear(&mut self, samples: Option<&[f32]>, threshold: f32) -> Result<Vec<(f64, f64)>> {
        match samples {
            Some(samples) => self.push(samples)?,
            None => {
                self.finish()?;
            }
        }
        self.settle(threshold)
    }

    /// The earliest second a stretch not yet given by [`Vad::settle`] can
    /// start at (infinity once all are given).
    pub fn next_from(&self) -> f64 {
        self.next_from
    }
}

/// How long before the end of the audio heard speech not yet cut can
/// start: it has lasted at most [`MIN_SPEECH_MS`] (and a window), and is
/// widened by [`SPEECH_PAD_MS`]. With room to spare.
const UNCUT_S: f64 = 0.5;

/// How far apart two stretches must start and end for neither to change
/// the other: whisper.cpp merges stretches less than 200 ms apart and
/// pads those less than two pads apart by half their pause instead of a
/// pad. With room to spare.
const APART_S: f64 = 0.5;

/// How many of the stretches `cuts` that whisper.cpp cut from the first
/// `heard` seconds of a stream it will cut the same from the whole.
///
/// whisper.cpp goes through the probabilities once, in order, ending a
/// stretch where a pause ends it; a stretch still going on where they end
/// is cut there (and may come to nothing, too short). Then it merges and
/// pads stretches by their neighbours' starts. So a stretch ended by a
/// pause is as it will be once the next one has ended too, or once
/// nothing can start near it. (A stretch settled once stays so, though a
/// later count may leave it out.)
fn settled(cuts: &[(f64, f64)], heard: f64) -> usize {
    // whisper.cpp gives centiseconds: a stretch going on ends at `heard`,
    // one ended by a pause at least a pause minus a pad before.
    let going_on = cuts.last().filter(|c| c.1 > heard - 0.05);
    let ended = cuts.len() - usize::from(going_on.is_some());
    // The earliest start of what comes after the last stretch ended (later
    // stretches start later if one going on comes to nothing).
    let after = going_on.map_or(heard - UNCUT_S, |c| c.0);
    let apart = ended > 0 && after - cuts[ended - 1].1 >= APART_S;
    if apart { ended } else { ended.saturating_sub(1) }
}

/// The earliest second a stretch not yet settled can start at, given
/// those cut after the settled ones from the first `heard` seconds.
fn unsettled_from(unsettled: &[(f64, f64)], heard: f64) -> f64 {
    unsettled.first().map_or(f64::INFINITY, |c| c.0).min(heard - UNCUT_S).max(0.0)
}

/// Gives Silero the next piece of a stream (`more`: not its first).
fn detect(ctx: NonNull<sys::whisper_vad_context>, more: bool, piece: &[f32]) -> Result<()> {
    let len = i32::try_from(piece.len()).map_err(|_| Error::vad("a piece too long"))?;
    // SAFETY: `piece` holds `len` samples, read during the call alone.
    let ok = unsafe {
        if more {
            sys::whisper_vad_detect_speech_more(ctx.as_ptr(), piece.as_ptr(), len)
        } else {
            sys::whisper_vad_detect_speech(ctx.as_ptr(), piece.as_ptr(), len)
        }
    };
    if !ok {
        return Err(Error::vad("Silero gave no probabilities"));
    }
    Ok(())
}

impl Drop for Vad {
    fn drop(&mut self) {
        // SAFETY: created by whisper_vad_init_from_file_with_params, freed once.
        unsafe { sys::whisper_vad_free(self.ctx.as_ptr()) }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stretch_settles_once_nothing_after_it_can_change_it() {
        type Stretches = &'static [(f64, f64)];
        // (stretches cut so far, seconds heard) → how many are settled
        let table: &[(Stretches, f64, usize)] = &[
            (&[], 5.0, 0),
            // Ended, but speech may be starting right after it.
            (&[(1.0, 2.0)], 2.5, 0),
            (&[(1.0, 2.0)], 3.0, 1),
            // Going on where the audio heard ends.
            (&[(1.0, 3.0)], 3.0, 0),
            (&[(1.0, 2.0), (2.3, 3.0)], 3.0, 0),
            (&[(1.0, 2.0), (4.0, 5.0)], 5.0, 1),
            // The next one ended: its start will not change.
            (&[(1.0, 2.0), (2.3, 3.0)], 3.2, 1),
            (&[(1.0, 2.0), (2.3, 3.0)], 6.0, 2),
        ];
        for &(cuts, heard, settled) in table {
            assert_eq!(super::settled(cuts, heard), settled, "{cuts:?} at {heard} s");
        }
    }
}
