//! One speech level for every clip Whisper hears.
//!
//! Whisper's features are not free of the recording's level: its log-mel
//! spectrum is clamped 8 (log10) below the clip's loudest bin and then
//! shifted by a constant, so the same words recorded 15 dB quieter reach
//! the model as other numbers. PBX recordings come at many levels; a
//! clip's flags should not depend on the gain of the line it came in on.
//! Each clip is scaled to one root-mean-square level, that of the
//! speech Whisper base hears best in the generated calls (figures in
//! docs/matching.md, "One speech level").

use std::borrow::Cow;

/// The level clips are brought to: −20 dBFS, a little below the clean
/// generated calls' speech (RMS 0.126 over the stretches words were heard
/// in, which leave out the silence a clip is padded with).
pub const SPEECH_RMS: f32 = 0.1;

/// At most +30 dB: a clip of near silence is not blown up into noise
/// Whisper would read words into.
pub const MOST_GAIN: f32 = 31.6;

/// `clip` at [`SPEECH_RMS`], or as it is when it holds nothing but zeros.
pub fn at_speech_level(clip: &[f32]) -> Cow<'_, [f32]> {
    let power = clip.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / clip.len().max(1) as f64;
    if power == 0.0 {
        return Cow::Borrowed(clip);
    }
    let gain = (f64::from(SPEECH_RMS) / power.sqrt()).min(f64::from(MOST_GAIN)) as f32;
    Cow::Owned(clip.iter().map(|&x| x * gain).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rms(clip: &[f32]) -> f32 {
        (clip.iter().map(|x| x * x).sum::<f32>() / clip.len() as f32).sqrt()
    }

    /// A second of a 440 Hz tone at 16 kHz, with peak `peak`.
    fn tone(peak: f32) -> Vec<f32> {
        (0..16_000).map(|i| peak * (i as f32 * 440.0 * std::f32::consts::TAU / 16_000.0).sin()).collect()
    }

    #[test]
    fn a_clip_is_heard_at_one_level_whatever_its_recording_level() {
        // (peak of the clip as recorded, root-mean-square level it is heard at)
        let table = [
            (0.9, SPEECH_RMS),                        // loud: brought down
            (0.141, SPEECH_RMS),                      // already there
            (0.02, SPEECH_RMS),                       // a quiet line: brought up
            (0.002, 0.002 / 2f32.sqrt() * MOST_GAIN), // near silence: +30 dB at most
        ];
        for (peak, heard) in table {
            let clip = tone(peak);
            let levelled = at_speech_level(&clip);
            assert!((rms(&levelled) - heard).abs() < heard * 1e-3, "peak {peak}: heard at {}, not {heard}", rms(&levelled));
        }
    }

    #[test]
    fn the_same_words_quieter_reach_whisper_as_the_same_samples() {
        let loud = at_speech_level(&tone(0.5)).into_owned();
        for gain in [0.3, 0.05, 2.0] {
            let quieter: Vec<f32> = tone(0.5).iter().map(|x| x * gain).collect();
            let levelled = at_speech_level(&quieter);
            let worst = loud.iter().zip(levelled.iter()).map(|(a, b)| (a - b).abs()).fold(0.0, f32::max);
            assert!(worst < 1e-5, "gain {gain}: samples differ by up to {worst}");
        }
    }

    #[test]
    fn a_gain_by_a_power_of_two_leaves_the_levelled_samples_bit_for_bit_alike() {
        // What tests/audio.rs relies on to ask Whisper for the same words.
        let clip = tone(0.3);
        let levelled = at_speech_level(&clip).into_owned();
        for gain in [1.0 / 32.0, 0.5, 2.0] {
            let scaled: Vec<f32> = clip.iter().map(|x| x * gain).collect();
            assert!(at_speech_level(&scaled)[..] == levelled[..], "gain {gain}");
        }
    }

    #[test]
    fn silence_and_nothing_are_left_as_they_are() {
        for clip in [&[][..], &[0.0; 160][..]] {
            assert!(matches!(at_speech_level(clip), Cow::Borrowed(_)));
        }
    }
}
