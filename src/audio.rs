//! Audio input: decoding recorded calls into one 16 kHz mono track per
//! party.
//!
//! WAV (PCM 8 to 32-bit, float, μ-law, A-law), MP3, OGG Vorbis and FLAC are
//! decoded by symphonia; any sample rate (8 kHz telephony included) is
//! resampled to the 16 kHz Whisper wants by rubato. In a stereo recording
//! each party has its own channel, mapped by [`ChannelMap`].

use std::fs::File;
use std::path::Path;

use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Resampler as _};
use symphonia::core::codecs::audio::AudioDecoderOptions;
use symphonia::core::errors::Error as DecodeError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::engine::Speaker;
use crate::error::{Error, Result};

/// Whisper's sample rate.
pub const RATE: u32 = 16_000;

/// Calls longer than this are refused rather than decoded into memory.
pub const MAX_SECONDS: f64 = 4.0 * 3600.0;

/// Which channel of a recording holds which party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelMap {
    pub operator: usize,
    pub client: Option<usize>,
    /// How many channels the input has, when given as a bare number
    /// (`--channels 2`): raw PCM does not say.
    pub channels: Option<usize>,
}

impl ChannelMap {
    /// Channels in each frame of raw PCM laid out by this map.
    pub fn count(&self) -> usize {
        self.channels.unwrap_or(self.operator.max(self.client.unwrap_or(0)) + 1)
    }
}

impl Default for ChannelMap {
    /// The usual call-recorder layout: the operator on the left.
    fn default() -> ChannelMap {
        ChannelMap { operator: 0, client: Some(1), channels: None }
    }
}

impl std::str::FromStr for ChannelMap {
    type Err = String;
    /// `operator=left,client=right` (also `0`/`1`, or `client=none`); or
    /// a number of channels: the operator on the first, the client on the
    /// second when there is one.
    fn from_str(s: &str) -> Result<ChannelMap, String> {
        if let Ok(n) = s.trim().parse::<usize>() {
            if n == 0 {
                return Err("a recording has at least one channel".into());
            }
            return Ok(ChannelMap { operator: 0, client: (n > 1).then_some(1), channels: Some(n) });
        }
        let mut map = ChannelMap::default();
        for part in s.split(',') {
            let (who, side) = part.split_once('=').ok_or_else(|| format!("expected PARTY=CHANNEL, got `{part}`"))?;
            let side = match side.trim() {
                "left" | "0" => Some(0),
                "right" | "1" => Some(1),
                "none" => None,
                other => return Err(format!("unknown channel `{other}` (left, right, 0, 1 or none)")),
            };
            match who.trim().parse::<Speaker>()? {
                Speaker::Operator => map.operator = side.ok_or("the operator needs a channel")?,
                Speaker::Client => map.client = side,
            }
        }
        Ok(map)
    }
}

/// A call's audio, 16 kHz mono per party.
#[derive(Debug, Clone, Default)]
pub struct Call {
    pub operator: Vec<f32>,
    /// `None` for a mono recording (or a client mapped to no channel).
    pub client: Option<Vec<f32>>,
    /// The recording's own sample rate and channel count.
    pub source_rate: u32,
    pub source_channels: usize,
}

impl Call {
    pub fn duration(&self) -> f64 {
        self.operator.len() as f64 / f64::from(RATE)
    }

    pub fn track(&self, speaker: Speaker) -> Option<&[f32]> {
        match speaker {
            Speaker::Operator => Some(&self.operator),
            Speaker::Client => self.client.as_deref(),
        }
    }

    /// The tracks of the parties `wanted`, for recognition.
    pub fn into_tracks(self, wanted: impl Fn(Speaker) -> bool) -> Vec<(Speaker, Vec<f32>)> {
        let tracks = [(Speaker::Operator, Some(self.operator)), (Speaker::Client, self.client)];
        tracks.into_iter().filter(|(s, _)| wanted(*s)).filter_map(|(s, t)| Some((s, t?))).collect()
    }
}

/// Decodes a recording. `wanted` says which parties will be listened to:
/// the others are not resampled.
pub fn load(path: &Path, map: ChannelMap, wanted: impl Fn(Speaker) -> bool) -> Result<Call> {
    let bad = |message: String| Error::Input { path: path.to_path_buf(), message };
    let (channels, rate) = decode(path)?;
    let frames = channels.first().map_or(0, Vec::len);
    if frames == 0 {
        return Err(bad("no audio in this file (it is empty or holds only a header)".into()));
    }
    let pick = |index: usize, who: Speaker| -> Result<Option<Vec<f32>>> {
        if !wanted(who) {
            return Ok(None);
        }
        // A mono recording is the operator's, whatever the map says.
        let index = if channels.len() == 1 { 0 } else { index };
        let source = channels.get(index).ok_or_else(|| {
            bad(format!("the {who} is mapped to channel {index}, but the file has {} channel(s)", channels.len()))
        })?;
        resample(source, rate).map(Some).map_err(&bad)
    };
    let operator = pick(map.operator, Speaker::Operator)?.unwrap_or_else(|| vec![0.0; to_16k_len(frames, rate)]);
    let client = match (map.client, channels.len()) {
        (Some(i), n) if n > 1 => pick(i, Speaker::Client)?,
        _ => None,
    };
    Ok(Call { operator, client, source_rate: rate, source_channels: channels.len() })
}

fn to_16k_len(frames: usize, rate: u32) -> usize {
    (frames as u64 * u64::from(RATE) / u64::from(rate)) as usize
}

/// All channels of a file at its own rate.
fn decode(path: &Path) -> Result<(Vec<Vec<f32>>, u32)> {
    let bad = |message: String| Error::Input { path: path.to_path_buf(), message };
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    if size == 0 {
        return Err(bad("the file is empty".into()));
    }
    let mss = MediaSourceStream::new(Box::new(file), Default::default());
    let mut hint = Hint::new();
    if let Some(ext) = path.extension().and_then(|e| e.to_str()) {
        hint.with_extension(ext);
    }
    let mut format = symphonia::default::get_probe()
        .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
        .map_err(|e| bad(format!("not a recognised audio file ({e})")))?;
    let track = format.default_track(TrackType::Audio).ok_or_else(|| bad("the file has no audio track".into()))?;
    let params = track.codec_params.as_ref().and_then(|p| p.audio()).ok_or_else(|| bad("the file has no audio track".into()))?;
    let mut decoder = symphonia::default::get_codecs()
        .make_audio_decoder(params, &AudioDecoderOptions::default())
        .map_err(|e| bad(format!("cannot decode this audio ({e})")))?;
    let track_id = track.id;
    let mut channels: Vec<Vec<f32>> = Vec::new();
    let mut rate = 0;
    let mut interleaved: Vec<f32> = Vec::new();
    let mut damaged = 0usize;
    loop {
        let packet = match format.next_packet() {
            Ok(Some(p)) => p,
            Ok(None) => break,
            // A recording cut short mid-write ends here; what came before is kept.
            Err(DecodeError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(bad(format!("cannot read the audio ({e})"))),
        };
        if packet.track_id != track_id {
            continue;
        }
        let buf = match decoder.decode(&packet) {
            Ok(buf) => buf,
            Err(DecodeError::DecodeError(_)) => {
                damaged += 1;
                continue;
            }
            Err(e) => return Err(bad(format!("cannot decode the audio ({e})"))),
        };
        let n = buf.spec().channels().count().max(1);
        rate = buf.spec().rate();
        if channels.is_empty() {
            channels = vec![Vec::new(); n];
        }
        interleaved.clear();
        buf.copy_to_vec_interleaved(&mut interleaved);
        for frame in interleaved.chunks_exact(n) {
            for (c, s) in channels.iter_mut().zip(frame) {
                c.push(*s);
            }
        }
        if rate > 0 && channels[0].len() as f64 / f64::from(rate) > MAX_SECONDS {
            return Err(bad(format!("longer than {} hours: split the recording", MAX_SECONDS / 3600.0)));
        }
    }
    if damaged > 0 && channels.first().is_none_or(Vec::is_empty) {
        return Err(bad(format!("no packet of audio could be decoded ({damaged} damaged)")));
    }
    if rate == 0 && !channels.is_empty() {
        return Err(bad("the file does not say its sample rate".into()));
    }
    Ok((channels, rate.max(1)))
}

/// Resamples one channel to 16 kHz.
pub fn resample(samples: &[f32], rate: u32) -> std::result::Result<Vec<f32>, String> {
    if rate == RATE {
        return Ok(samples.to_vec());
    }
    let err = |e: &dyn std::fmt::Display| format!("cannot resample from {rate} Hz: {e}");
    let mut resampler = Fft::<f32>::new(rate as usize, RATE as usize, 1024, 1, FixedSync::Input).map_err(|e| err(&e))?;
    let input = SequentialSlice::new(samples, 1, samples.len()).map_err(|e| err(&e))?;
    let needed = resampler.process_all_needed_output_len(samples.len());
    let mut out = vec![0.0f32; needed];
    let mut output = SequentialSlice::new_mut(&mut out, 1, needed).map_err(|e| err(&e))?;
    let (_, produced) = resampler.process_all_into_buffer(&input, &mut output, samples.len(), None).map_err(|e| err(&e))?;
    out.truncate(produced);
    Ok(out)
}

/// Resamples one channel to 16 kHz as it arrives (microphone, standard
/// input), in chunks of about 32 ms.
pub struct Resampler {
    fft: Option<Fft<f32>>,
    pending: Vec<f32>,
}

impl Resampler {
    pub fn new(rate: u32) -> std::result::Result<Resampler, String> {
        let fft = if rate == RATE {
            None
        } else {
            let chunk = (rate as usize / 32).max(64);
            Some(Fft::<f32>::new(rate as usize, RATE as usize, chunk, 1, FixedSync::Input).map_err(|e| format!("cannot resample from {rate} Hz: {e}"))?)
        };
        Ok(Resampler { fft, pending: Vec::new() })
    }

    /// Appends the 16 kHz audio that `samples` complete to `out`.
    pub fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        let Some(fft) = &mut self.fft else {
            out.extend_from_slice(samples);
            return;
        };
        self.pending.extend_from_slice(samples);
        let mut used = 0;
        while self.pending.len() - used >= fft.input_frames_next() {
            let need = fft.input_frames_next();
            let room = fft.output_frames_max();
            let at = out.len();
            out.resize(at + room, 0.0);
            let input = SequentialSlice::new(&self.pending[used..used + need], 1, need).expect("sized input");
            let mut output = SequentialSlice::new_mut(&mut out[at..], 1, room).expect("sized output");
            let (_, produced) = fft.process_into_buffer(&input, &mut output, None).expect("buffers of the sizes asked for");
            out.truncate(at + produced);
            used += need;
        }
        self.pending.drain(..used);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_resampler_matches_the_whole_clip() {
        let rate = 8000;
        let tone: Vec<f32> = (0..rate * 2).map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin() * 0.5).collect();
        let whole = resample(&tone, rate as u32).unwrap();
        let mut r = Resampler::new(rate as u32).unwrap();
        let mut streamed = Vec::new();
        // Pieces of uneven sizes, as a sound card delivers them.
        for piece in tone.chunks(333) {
            r.push(piece, &mut streamed);
        }
        // All but the last partial chunk is out, at twice the samples.
        assert!(streamed.len() > whole.len() - 600 && streamed.len() <= whole.len() + 600, "{} vs {}", streamed.len(), whole.len());
        // The same tone: equal energy once the filter has settled.
        let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32;
        let (a, b) = (energy(&streamed[2000..30000]), energy(&whole[2000..30000]));
        assert!((a - b).abs() < 0.01 * b, "{a} vs {b}");
        assert!((a - 0.125).abs() < 0.01, "{a}");
    }
}
