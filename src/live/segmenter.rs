//! Cutting one party's audio into utterances while it arrives.
//!
//! Fed Silero's speech probability for each 32 ms window, in order, it
//! decides where speech starts and ends the way whisper.cpp cuts a whole
//! recording (`asr::Recogniser::speech`), so that a call replayed live is
//! cut as the same call checked afterwards: speech starts at a window at
//! or above the threshold, a pause starts at a window below the threshold
//! minus 0.15 and lasts until a window at or above the threshold, a pause
//! of [`MIN_SILENCE_MS`] ends the utterance, utterances shorter than
//! [`MIN_SPEECH_MS`] are dropped, and one longer than [`MAX_SPEECH_S`] is
//! cut there. Boundaries are in samples, widened by [`SPEECH_PAD_MS`].

use sufler_hear::asr::{MAX_SPEECH_S, MIN_SILENCE_MS, MIN_SPEECH_MS, SPEECH_PAD_MS, VAD_WINDOW};
use sufler_hear::audio::RATE;

/// A boundary of speech, in samples from the start of the stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cut {
    /// Speech has lasted long enough to be an utterance; it began here.
    Start(usize),
    /// The utterance ended here.
    End(usize),
    /// The utterance grew too long: it ends here and the next begins.
    Split(usize),
}

#[derive(Debug)]
struct Run {
    start: usize,
    /// Where the current pause began, in windows.
    pause: Option<usize>,
    /// `Cut::Start` given.
    announced: bool,
    /// Began at a split: no pad before it.
    split: bool,
}

#[derive(Debug)]
pub struct Segmenter {
    threshold: f32,
    low: f32,
    min_speech: usize,
    min_silence: usize,
    max_speech: usize,
    pad: usize,
    /// Windows seen.
    n: usize,
    run: Option<Run>,
}

fn windows(ms: f64) -> usize {
    (ms * f64::from(RATE) / 1000.0 / VAD_WINDOW as f64).ceil() as usize
}

impl Segmenter {
    pub fn new(threshold: f32) -> Segmenter {
        Segmenter {
            threshold,
            low: (threshold - 0.15).max(0.01),
            // whisper.cpp keeps speech longer than the minimum (strictly).
            min_speech: windows(f64::from(MIN_SPEECH_MS)) + 1,
            min_silence: windows(f64::from(MIN_SILENCE_MS)),
            max_speech: windows(f64::from(MAX_SPEECH_S) * 1000.0),
            pad: (SPEECH_PAD_MS * RATE / 1000) as usize,
            n: 0,
            run: None,
        }
    }

    /// Samples covered so far.
    pub fn position(&self) -> usize {
        self.n * VAD_WINDOW
    }

    /// The next window's probability; at most one boundary comes of it.
    pub fn push(&mut self, p: f32) -> Option<Cut> {
        let w = self.n;
        self.n += 1;
        let Some(run) = &mut self.run else {
            if p >= self.threshold {
                self.run = Some(Run { start: w, pause: None, announced: false, split: false });
            }
            return None;
        };
        if p >= self.threshold {
            run.pause = None;
        } else if p < self.low && run.pause.is_none() {
            run.pause = Some(w);
        }
        if let Some(pause) = run.pause
            && w - pause >= self.min_silence
        {
            let run = self.run.take().expect("in a run");
            return run.announced.then(|| Cut::End(pause * VAD_WINDOW + self.pad));
        }
        if w + 1 - run.start >= self.max_speech {
            let at = (w + 1) * VAD_WINDOW;
            let announced = run.announced;
            *run = Run { start: w + 1, pause: None, announced: true, split: true };
            return Some(if announced { Cut::Split(at) } else { Cut::Start(at) });
        }
        // Speech is as long as it was before the current pause.
        if !run.announced && run.pause.unwrap_or(w + 1) - run.start >= self.min_speech {
            run.announced = true;
            let start = run.start * VAD_WINDOW;
            return Some(Cut::Start(if run.split { start } else { start.saturating_sub(self.pad) }));
        }
        None
    }

    /// The stream ended: an utterance still open ends with it.
    pub fn finish(&mut self) -> Option<Cut> {
        let run = self.run.take()?;
        let end = run.pause.unwrap_or(self.n) * VAD_WINDOW;
        run.announced.then_some(Cut::End(end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const W: usize = VAD_WINDOW;

    /// Probabilities written as a string: `#` speech (0.9), `-` unsure
    /// (0.1: below the threshold, above the pause level), `.` silence.
    fn cuts(pattern: &str) -> Vec<(usize, Cut)> {
        let mut s = Segmenter::new(0.2);
        let mut out = Vec::new();
        for (i, c) in pattern.chars().enumerate() {
            let p = match c {
                '#' => 0.9,
                '-' => 0.1,
                _ => 0.0,
            };
            out.extend(s.push(p).map(|cut| (i, cut)));
        }
        out.extend(s.finish().map(|cut| (pattern.len(), cut)));
        out
    }

    #[test]
    fn utterances_start_once_long_enough_and_end_after_a_pause() {
        let pad = 1920;
        // (pattern, expected (window index when decided, cut))
        let table: &[(&str, &[(usize, Cut)])] = &[
            // 200 ms (7 windows) is not enough: 8 are.
            ("..#######..........", &[]),
            (".....########............", &[(12, Cut::Start(5 * W - pad)), (23, Cut::End(13 * W + pad))]),
            // The eleventh silent window ends it (320 ms), at the pause's
            // start plus the pad; the start is never before the stream's.
            ("########...........##", &[(7, Cut::Start(0)), (18, Cut::End(8 * W + pad))]),
            // A shorter pause does not.
            ("########.........###", &[(7, Cut::Start(0)), (20, Cut::End(20 * W))]),
            // Unsure windows neither start a pause nor end one.
            ("########-.---.-.-.-.-##", &[(7, Cut::Start(0)), (19, Cut::End(9 * W + pad))]),
        ];
        for (pattern, want) in table {
            assert_eq!(&cuts(pattern), want, "{pattern}");
        }
    }

    #[test]
    fn long_speech_is_split_without_padding() {
        let mut s = Segmenter::new(0.2);
        let max = windows(f64::from(MAX_SPEECH_S) * 1000.0);
        let got: Vec<Cut> = (0..max * 2 + 20).filter_map(|_| s.push(0.9)).collect();
        assert_eq!(got, vec![Cut::Start(0), Cut::Split(max * W), Cut::Split(2 * max * W)]);
        assert_eq!(s.finish(), Some(Cut::End((2 * max + 20) * W)));
    }
}
