//! Audio input: decoding recorded calls into one 16 kHz mono track per
//! party.
//!
//! WAV (PCM 8 to 32-bit, float, μ-law, A-law), MP3, OGG Vorbis and FLAC are
//! decoded by symphonia; any sample rate (8 kHz telephony included) is
//! resampled to the 16 kHz Whisper wants by rubato. In a stereo recording
//! each party has its own channel, mapped by [`ChannelMap`]. A recording
//! is read a packet at a time ([`Reader`]), so that a call of any length
//! takes little memory.

use std::fs::File;
use std::path::{Path, PathBuf};

use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{Fft, FixedSync, Indexing, Resampler as _};
use symphonia::core::codecs::audio::{AudioDecoder, AudioDecoderOptions};
use symphonia::core::errors::Error as DecodeError;
use symphonia::core::formats::probe::Hint;
use symphonia::core::formats::{FormatOptions, FormatReader, TrackType};
use symphonia::core::io::MediaSourceStream;
use symphonia::core::meta::MetadataOptions;

use crate::error::{Error, Result};
use sufler_core::call::{Parties, Speaker};

/// Whisper's sample rate.
pub const RATE: u32 = 16_000;

/// Calls longer than this are refused: a recording that long is more
/// likely a recorder left running than a call.
pub const MAX_SECONDS: f64 = 4.0 * 3600.0;

/// The sample rates a recording may have: telephony's 8 kHz up to studio
/// rates.
pub const RATES: std::ops::RangeInclusive<u32> = 4_000..=384_000;

/// Which channel of a recording holds which party.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChannelMap {
    pub operator: usize,
    pub client: Option<usize>,
    /// How many channels the input has, when given as a bare number
    /// (`--channels 2`): raw PCM does not say.
    pub channels: Option<usize>,
    /// `--channels auto`: the usual layout, but a call whose client said the
    /// operator's opening is checked the other way round.
    pub auto: bool,
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
        ChannelMap { operator: 0, client: Some(1), channels: None, auto: false }
    }
}

impl std::str::FromStr for ChannelMap {
    type Err = String;
    /// `operator=left,client=right` (also `0`/`1`, or `client=none`); or
    /// a number of channels: the operator on the first, the client on the
    /// second when there is one; or `auto`.
    fn from_str(s: &str) -> Result<ChannelMap, String> {
        if s.trim() == "auto" {
            return Ok(ChannelMap { auto: true, ..ChannelMap::default() });
        }
        if let Ok(n) = s.trim().parse::<usize>() {
            if n == 0 {
                return Err("a recording has at least one channel".into());
            }
            return Ok(ChannelMap { operator: 0, client: (n > 1).then_some(1), channels: Some(n), auto: false });
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
}

/// Decodes a whole recording into memory (plain transcription).
/// `wanted` says which parties will be listened to: the
/// others are not resampled.
pub fn load(path: &Path, map: ChannelMap, wanted: impl Fn(Speaker) -> bool) -> Result<Call> {
    let mut reader = Reader::open(path, map, wanted)?;
    let mut tracks: Parties<Option<Vec<f32>>> = Parties::default();
    for block in &mut reader {
        for (speaker, samples) in block? {
            tracks[speaker].get_or_insert_with(Vec::new).extend(samples);
        }
    }
    let Parties { operator, client } = tracks;
    let operator = operator.unwrap_or_else(|| vec![0.0; reader.samples()]);
    Ok(Call { operator, client, source_rate: reader.rate, source_channels: reader.channels })
}

/// A recording read a packet at a time, each party that is listened to
/// resampled to 16 kHz as it comes: a call of any length is read in
/// little memory.
pub struct Reader {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn AudioDecoder>,
    track_id: u32,
    map: ChannelMap,
    wanted: Parties<bool>,
    /// The parties read, their channels and resamplers (known from the
    /// first packet).
    parties: Vec<(Speaker, usize, Resampler)>,
    rate: u32,
    channels: usize,
    /// Frames decoded, at the recording's own rate.
    frames: u64,
    damaged: usize,
    timing: Timing,
    /// Stretches not decoded, made silence (merged where they touch).
    damage: Vec<Damage>,
    interleaved: Vec<f32>,
    /// The first packet's block, decoded early by [`Reader::parties`].
    peeked: Option<Packet>,
    ended: bool,
}

/// The next 16 kHz samples of each party read.
pub type Packet = Vec<(Speaker, Vec<f32>)>;

impl Reader {
    /// Opens a recording; `wanted` says which parties will be listened to.
    pub fn open(path: &Path, map: ChannelMap, wanted: impl Fn(Speaker) -> bool) -> Result<Reader> {
        let bad = |message: String| Error::Recording { path: path.to_path_buf(), message };
        // Told before opening: opening a pipe waits for its writer.
        let kind = std::fs::metadata(path).map_err(|e| Error::io(path, e))?.file_type();
        if !kind.is_file() {
            let what = if kind.is_dir() { "a folder" } else { "a pipe or device, not a file" };
            return Err(bad(format!("{what}: recordings are read from files (save the stream to one first; `live --stdin` reads raw audio from a pipe)")));
        }
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
        let format = symphonia::default::get_probe()
            .probe(&hint, mss, FormatOptions::default(), MetadataOptions::default())
            .map_err(|e| bad(format!("not a recognised audio file ({e})")))?;
        let (track_id, decoder, timing) = audio_track(format.as_ref()).map_err(bad)?;
        Ok(Reader {
            path: path.to_path_buf(),
            track_id,
            format,
            decoder,
            map,
            wanted: Parties::with(wanted),
            parties: Vec::new(),
            rate: 0,
            channels: 0,
            frames: 0,
            damaged: 0,
            timing,
            damage: Vec::new(),
            interleaved: Vec::new(),
            peeked: None,
            ended: false,
        })
    }

    /// The parties' next samples; `None` once the recording is read.
    fn read(&mut self) -> Result<Option<Packet>> {
        if let Some(block) = self.peeked.take() {
            return Ok(Some(block));
        }
        if self.ended {
            return Ok(None);
        }
        loop {
            let packet = match self.format.next_packet() {
                Ok(Some(p)) => p,
                Ok(None) => return self.end().map(Some),
                // A recording cut short mid-write ends here; what came before is kept.
                Err(DecodeError::IoError(e)) if e.kind() == std::io::ErrorKind::UnexpectedEof => return self.end().map(Some),
                // Streams one after another (chained Ogg): a decoder for the next.
                Err(DecodeError::ResetRequired) => {
                    self.next_stream()?;
                    continue;
                }
                Err(e) => return Err(self.bad(format!("cannot read the audio ({e})"))),
            };
            if packet.track_id != self.track_id {
                continue;
            }
            // Audio the reader skipped (bytes it could not read as packets)
            // becomes silence of its length, so the times after it stay true.
            let mut block: Packet = Vec::with_capacity(self.parties.len());
            if self.rate > 0
                && let Some(at) = self.timing.frame(packet.pts.get(), self.rate)
                && at > self.frames + u64::from(self.rate) / 100
            {
                self.silence(at - self.frames, &mut block);
            }
            let buf = match self.decoder.decode(&packet) {
                Ok(buf) => buf,
                Err(DecodeError::DecodeError(_)) => {
                    self.damaged += 1;
                    // A packet that does not decode is silence of its length.
                    if self.rate > 0
                        && let Some(n) = self.timing.frames_of(packet.dur.get(), self.rate)
                    {
                        self.silence(n, &mut block);
                    }
                    if block.is_empty() {
                        continue;
                    }
                    return Ok(Some(block));
                }
                Err(e) => return Err(self.bad(format!("cannot decode the audio ({e})"))),
            };
            let (n, rate) = (buf.spec().channels().count().max(1), buf.spec().rate());
            self.interleaved.clear();
            buf.copy_to_vec_interleaved(&mut self.interleaved);
            if self.rate == 0 {
                self.begin(n, rate)?;
            } else if (n, rate) != (self.channels, self.rate) {
                return Err(self.bad(format!("the format changes mid-file ({} Hz, {} channel(s), then {rate} Hz, {n})", self.rate, self.channels)));
            }
            self.frames += (self.interleaved.len() / n) as u64;
            if self.frames as f64 / f64::from(rate) > MAX_SECONDS {
                return Err(self.bad(format!("longer than {} hours: split the recording", MAX_SECONDS / 3600.0)));
            }
            let mut channel = Vec::with_capacity(self.interleaved.len() / n);
            for (k, (speaker, index, resampler)) in self.parties.iter_mut().enumerate() {
                channel.clear();
                channel.extend(self.interleaved.iter().skip(*index).step_by(n));
                if block.len() <= k {
                    block.push((*speaker, Vec::new()));
                }
                resampler.push(&channel, &mut block[k].1);
            }
            return Ok(Some(block));
        }
    }

    /// `frames` of silence into the parties' samples of `block`, noted as damage.
    fn silence(&mut self, frames: u64, block: &mut Packet) {
        let at = self.frames as f64 / f64::from(self.rate);
        let seconds = frames as f64 / f64::from(self.rate);
        match self.damage.last_mut() {
            Some(d) if (d.at + d.seconds - at).abs() < 0.05 => d.seconds += seconds,
            _ => self.damage.push(Damage { at, seconds }),
        }
        let zeros = vec![0.0; frames.min(u64::from(self.rate) * 10) as usize];
        let mut left = frames;
        while left > 0 {
            let n = left.min(zeros.len() as u64) as usize;
            for (k, (speaker, _, resampler)) in self.parties.iter_mut().enumerate() {
                if block.len() <= k {
                    block.push((*speaker, Vec::new()));
                }
                resampler.push(&zeros[..n], &mut block[k].1);
            }
            left -= n as u64;
        }
        self.frames += frames;
    }

    /// What went wrong in reading the recording, for people: stretches that
    /// could not be decoded (now silence), and a recording shorter than its
    /// header says (cut short). Complete once the recording is read.
    pub fn warnings(&self) -> Vec<String> {
        let mut out: Vec<String> =
            self.damage.iter().map(|d| format!("damaged audio at {:.2} s: {:.2} s could not be decoded and is silence", d.at, d.seconds)).collect();
        if self.ended
            && let Some(expected) = self.timing.frames.filter(|&f| self.rate > 0 && f > self.frames + u64::from(self.rate) / 10)
        {
            let (want, got) = (expected as f64 / f64::from(self.rate), self.frames as f64 / f64::from(self.rate));
            out.push(format!("the recording is cut short: its header says {want:.2} s, {got:.2} s could be read"));
        }
        out
    }

    /// The parties read: those wanted that the recording has (its first
    /// packet is decoded to know).
    pub fn parties(&mut self) -> Result<Vec<Speaker>> {
        if self.rate == 0 && !self.ended {
            self.peeked = self.read()?;
        }
        Ok(self.parties.iter().map(|p| p.0).collect())
    }

    /// Samples at 16 kHz in the recording (all of it once read).
    pub fn samples(&self) -> usize {
        to_16k_len(self.frames, self.rate)
    }

    /// The recording's length in seconds (all of it once read).
    pub fn duration(&self) -> f64 {
        self.samples() as f64 / f64::from(RATE)
    }

    /// Goes on to the recording's next stream (its format must be the
    /// first one's).
    fn next_stream(&mut self) -> Result<()> {
        (self.track_id, self.decoder, _) = audio_track(self.format.as_ref()).map_err(|m| self.bad(m))?;
        Ok(())
    }

    fn bad(&self, message: String) -> Error {
        Error::Recording { path: self.path.clone(), message }
    }

    /// The first packet tells the format: the parties to read are set.
    fn begin(&mut self, channels: usize, rate: u32) -> Result<()> {
        if rate == 0 {
            return Err(self.bad("the file does not say its sample rate".into()));
        }
        // A damaged header can claim gigahertz: resampling from it would
        // take for ever.
        if !RATES.contains(&rate) {
            return Err(self.bad(format!("a sample rate of {rate} Hz (sufler reads {} to {} Hz)", RATES.start(), RATES.end())));
        }
        (self.channels, self.rate) = (channels, rate);
        let mut parties = Vec::new();
        for speaker in Speaker::ALL {
            let index = match speaker {
                // A mono recording is the operator's, whatever the map says.
                Speaker::Operator if channels == 1 => 0,
                Speaker::Operator => self.map.operator,
                Speaker::Client => match self.map.client {
                    Some(i) if channels > 1 => i,
                    _ => continue,
                },
            };
            if !self.wanted[speaker] {
                continue;
            }
            if index >= channels {
                return Err(self.bad(format!("the {speaker} is mapped to channel {index}, but the file has {channels} channel(s)")));
            }
            parties.push((speaker, index, Resampler::whole(rate).map_err(|e| self.bad(e))?));
        }
        self.parties = parties;
        Ok(())
    }

    /// The recording ended: the resamplers' last samples.
    fn end(&mut self) -> Result<Packet> {
        self.ended = true;
        if self.frames == 0 {
            return Err(self.bad(if self.damaged > 0 {
                format!("no packet of audio could be decoded ({} damaged)", self.damaged)
            } else {
                "no audio in this file (it is empty or holds only a header)".into()
            }));
        }
        Ok(self
            .parties
            .iter_mut()
            .map(|(speaker, _, resampler)| {
                let mut samples = Vec::new();
                resampler.finish(&mut samples);
                (*speaker, samples)
            })
            .collect())
    }
}

/// The audio track a recording's reader is at, and a decoder for it.
fn audio_track(format: &dyn FormatReader) -> std::result::Result<(u32, Box<dyn AudioDecoder>, Timing), String> {
    let track = format.default_track(TrackType::Audio).ok_or("the file has no audio track")?;
    let params = track.codec_params.as_ref().and_then(|p| p.audio()).ok_or("the file has no audio track")?;
    let decoder =
        symphonia::default::get_codecs().make_audio_decoder(params, &AudioDecoderOptions::default()).map_err(|e| format!("cannot decode this audio ({e})"))?;
    let timing = Timing {
        time_base: track.time_base.map(|tb| (u64::from(tb.numer.get()), u64::from(tb.denom.get()))),
        start: track.start_ts.get(),
        frames: track.num_frames,
    };
    Ok((track.id, decoder, timing))
}

/// What a track's header says of its time: its timestamps' unit (seconds
/// as a fraction), its first timestamp, and its length in frames.
#[derive(Debug, Clone, Copy, Default)]
struct Timing {
    time_base: Option<(u64, u64)>,
    start: i64,
    frames: Option<u64>,
}

impl Timing {
    /// A packet's timestamp as frames from the track's start, at `rate`.
    fn frame(&self, ts: i64, rate: u32) -> Option<u64> {
        let ticks = u64::try_from(ts.checked_sub(self.start)?).ok()?;
        self.frames_of(ticks, rate)
    }

    /// A span of timestamps in frames at `rate`.
    fn frames_of(&self, ticks: u64, rate: u32) -> Option<u64> {
        let (numer, denom) = self.time_base?;
        Some((u128::from(ticks) * u128::from(numer) * u128::from(rate) / u128::from(denom)) as u64)
    }
}

/// Where a recording could not be read, in seconds: kept as silence.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Damage {
    pub at: f64,
    pub seconds: f64,
}

impl Iterator for Reader {
    type Item = Result<Packet>;

    fn next(&mut self) -> Option<Result<Packet>> {
        self.read().transpose()
    }
}

/// Samples at 16 kHz that `frames` at `rate` make, as rubato counts them.
fn to_16k_len(frames: u64, rate: u32) -> usize {
    match rate {
        0 => 0,
        RATE => frames as usize,
        _ => (f64::from(RATE) / f64::from(rate) * frames as f64).ceil() as usize,
    }
}

/// Resamples one channel to 16 kHz as it arrives, without the filter's
/// delay: what is pushed in pieces comes out as the whole resampled at
/// once (by rubato's `process_all_into_buffer`).
pub struct Resampler {
    rate: u32,
    fft: Option<Fft<f32>>,
    pending: Vec<f32>,
    /// Output frames still to drop: the filter's delay.
    delay: usize,
    /// Input frames pushed, and output frames given.
    pushed: usize,
    given: usize,
}

impl Resampler {
    /// For live input: chunks of about 32 ms.
    pub fn new(rate: u32) -> std::result::Result<Resampler, String> {
        Resampler::with_chunk(rate, (rate as usize / 32).max(64))
    }

    /// For recordings: larger chunks, fewer FFTs.
    pub fn whole(rate: u32) -> std::result::Result<Resampler, String> {
        Resampler::with_chunk(rate, 1024)
    }

    fn with_chunk(rate: u32, chunk: usize) -> std::result::Result<Resampler, String> {
        let fft = if rate == RATE {
            None
        } else {
            Some(Fft::<f32>::new(rate as usize, RATE as usize, chunk, 1, FixedSync::Input).map_err(|e| format!("cannot resample from {rate} Hz: {e}"))?)
        };
        let delay = fft.as_ref().map_or(0, |f| f.output_delay());
        Ok(Resampler { rate, fft, pending: Vec::new(), delay, pushed: 0, given: 0 })
    }

    /// Appends the 16 kHz audio that `samples` complete to `out`.
    pub fn push(&mut self, samples: &[f32], out: &mut Vec<f32>) {
        self.pushed += samples.len();
        let Some(fft) = &self.fft else {
            out.extend_from_slice(samples);
            return;
        };
        self.pending.extend_from_slice(samples);
        let need = fft.input_frames_next();
        let mut used = 0;
        while self.pending.len() - used >= need {
            self.chunk(used, need, out);
            used += need;
        }
        self.pending.drain(..used);
    }

    /// The input ended: appends the rest, up to the length of the input
    /// at 16 kHz.
    pub fn finish(&mut self, out: &mut Vec<f32>) {
        if self.fft.is_none() {
            return;
        }
        let expected = to_16k_len(self.pushed as u64, self.rate);
        if !self.pending.is_empty() {
            self.chunk(0, self.pending.len(), out);
        }
        self.pending.clear();
        // The filter's tail: silence pumped through.
        while self.given < expected {
            self.chunk(0, 0, out);
        }
        out.truncate(out.len() - (self.given - expected));
        self.given = expected;
    }

    /// One chunk of `len` pending frames from `from` (padded with silence).
    fn chunk(&mut self, from: usize, len: usize, out: &mut Vec<f32>) {
        let fft = self.fft.as_mut().expect("a resampler");
        let need = fft.input_frames_next();
        let room = fft.output_frames_max();
        let at = out.len();
        out.resize(at + room, 0.0);
        let input = SequentialSlice::new(&self.pending[from..], 1, self.pending.len() - from).expect("sized input");
        let mut output = SequentialSlice::new_mut(&mut out[at..], 1, room).expect("sized output");
        let indexing = Indexing { input_offset: 0, output_offset: 0, partial_len: (len < need).then_some(len), active_channels_mask: None };
        let (_, produced) = fft.process_into_buffer(&input, &mut output, Some(&indexing)).expect("buffers of the sizes asked for");
        out.truncate(at + produced);
        let drop = self.delay.min(produced);
        out.drain(at..at + drop);
        self.delay -= drop;
        self.given += produced - drop;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// rubato's resampling of a clip held whole, the reference.
    fn whole(samples: &[f32], rate: u32) -> Vec<f32> {
        let mut fft = Fft::<f32>::new(rate as usize, RATE as usize, 1024, 1, FixedSync::Input).unwrap();
        let input = SequentialSlice::new(samples, 1, samples.len()).unwrap();
        let needed = fft.process_all_needed_output_len(samples.len());
        let mut out = vec![0.0f32; needed];
        let mut output = SequentialSlice::new_mut(&mut out, 1, needed).unwrap();
        let (_, produced) = fft.process_all_into_buffer(&input, &mut output, samples.len(), None).unwrap();
        out.truncate(produced);
        out
    }

    #[test]
    fn a_recording_resampled_in_pieces_is_the_whole_resampled_at_once() {
        // (rate, frames): shorter than a chunk, a whole number of chunks,
        // and a long clip with a last partial chunk.
        let table = [(8000, 300), (8000, 2048), (8000, 48_123), (11_025, 30_000), (44_100, 100_000), (16_000, 5000)];
        for (rate, frames) in table {
            let signal: Vec<f32> = (0..frames).map(|i| ((i * 7919 % 1000) as f32 / 500.0 - 1.0) * 0.3).collect();
            let want = if rate == RATE { signal.clone() } else { whole(&signal, rate) };
            assert_eq!(want.len(), to_16k_len(frames as u64, rate), "{rate} Hz, {frames}");
            // Pieces of uneven sizes, as a decoder's packets come.
            let mut r = Resampler::whole(rate).unwrap();
            let mut got = Vec::new();
            for piece in signal.chunks(333) {
                r.push(piece, &mut got);
            }
            r.finish(&mut got);
            assert!(got == want, "{rate} Hz, {frames} frames: {} samples, {} wanted", got.len(), want.len());
            // And in one piece.
            let mut r = Resampler::whole(rate).unwrap();
            let mut once = Vec::new();
            r.push(&signal, &mut once);
            r.finish(&mut once);
            assert!(once == want, "{rate} Hz, {frames}");
        }
    }

    #[test]
    fn live_resampling_gives_the_tone_without_delay() {
        let rate = 8000;
        let tone: Vec<f32> = (0..rate * 2).map(|i| (i as f32 * 440.0 * std::f32::consts::TAU / rate as f32).sin() * 0.5).collect();
        let mut r = Resampler::new(rate as u32).unwrap();
        let mut streamed = Vec::new();
        for piece in tone.chunks(333) {
            r.push(piece, &mut streamed);
        }
        // All but the last partial chunk is out, at twice the samples.
        assert!(streamed.len() > 2 * tone.len() - 600 && streamed.len() <= 2 * tone.len(), "{}", streamed.len());
        // In phase with the tone at 16 kHz: the filter's delay is dropped.
        let at_16k = |i: usize| (i as f32 * 440.0 * std::f32::consts::TAU / RATE as f32).sin() * 0.5;
        let err = streamed[2000..30000].iter().enumerate().map(|(i, v)| (v - at_16k(i + 2000)).abs()).fold(0.0f32, f32::max);
        assert!(err < 0.01, "{err}");
    }
}
