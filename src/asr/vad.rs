//! Silero voice activity detection, run by whisper.cpp, over a stream of
//! audio fed a piece at a time.
//!
//! whisper-rs can only detect speech in audio held whole. A call is read
//! in pieces instead, so that an hour of it does not sit in memory; the
//! vendored whisper.cpp's `whisper_vad_detect_speech_more` goes on with
//! Silero's state from one piece to the next, which gives the
//! probabilities, and so the cuts, of the whole track detected at once.

use std::ffi::CString;
use std::path::Path;
use std::ptr::NonNull;

use whisper_rs_sys as sys;

use super::{MAX_SPEECH_S, MIN_SILENCE_MS, MIN_SPEECH_MS, SPEECH_PAD_MS, VAD_WINDOW};
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
}

// SAFETY: the context is owned, and used through `&mut self` alone.
unsafe impl Send for Vad {}

impl Vad {
    pub fn new(model: &Path) -> Result<Vad> {
        let failed = |why: &str| Error::Usage(format!("{}: cannot load the VAD model ({why})", model.display()));
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
        Ok(Vad { ctx, pending: Vec::new(), started: false })
    }

    /// Starts a new stream.
    pub fn start(&mut self) {
        self.pending.clear();
        self.started = false;
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
        // SAFETY: the context owns the probabilities, and `self` is borrowed while they are.
        Ok(unsafe {
            let n = sys::whisper_vad_n_probs(self.ctx.as_ptr()) as usize;
            if n == 0 { &[] } else { std::slice::from_raw_parts(sys::whisper_vad_probs(self.ctx.as_ptr()), n) }
        })
    }

    /// The finished stream's voiced stretches in seconds, cut by
    /// whisper.cpp with sufler's settings.
    pub fn segments(&mut self, threshold: f32) -> Result<Vec<(f64, f64)>> {
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
                return Err(Error::Usage("voice activity detection failed: cannot cut the speech".into()));
            }
            let n = sys::whisper_vad_segments_n_segments(segments);
            // whisper.cpp counts in centiseconds.
            let seconds = |cs: f32| f64::from(cs) / 100.0;
            let out = (0..n)
                .map(|i| {
                    (
                        seconds(sys::whisper_vad_segments_get_segment_t0(segments, i)),
                        seconds(sys::whisper_vad_segments_get_segment_t1(segments, i)),
                    )
                })
                .collect();
            sys::whisper_vad_free_segments(segments);
            Ok(out)
        }
    }
}

/// Gives Silero the next piece of a stream (`more`: not its first).
fn detect(ctx: NonNull<sys::whisper_vad_context>, more: bool, piece: &[f32]) -> Result<()> {
    let len = i32::try_from(piece.len()).map_err(|_| Error::Usage("voice activity detection failed: a piece too long".into()))?;
    // SAFETY: `piece` holds `len` samples, read during the call alone.
    let ok = unsafe {
        if more {
            sys::whisper_vad_detect_speech_more(ctx.as_ptr(), piece.as_ptr(), len)
        } else {
            sys::whisper_vad_detect_speech(ctx.as_ptr(), piece.as_ptr(), len)
        }
    };
    if !ok {
        return Err(Error::Usage("voice activity detection failed".into()));
    }
    Ok(())
}

impl Drop for Vad {
    fn drop(&mut self) {
        // SAFETY: created by whisper_vad_init_from_file_with_params, freed once.
        unsafe { sys::whisper_vad_free(self.ctx.as_ptr()) }
    }
}
