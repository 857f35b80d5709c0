//! Where live audio comes from: a recording replayed at its own pace, raw
//! PCM on standard input, or sound cards (through `cpal`).
//!
//! Every source sends 16 kHz [`Block`]s per party and never waits for the
//! pipeline: when the queue is full a block is dropped (the recogniser
//! fills the gap with silence, so times stay true), because capture that
//! waits loses audio at the sound card instead.

use std::io::Read;
use std::time::Duration;

use tokio::sync::mpsc;

use super::{Block, Clock};
use crate::error::{Error, Result};
use sufler_core::call::{Parties, Speaker};
use sufler_hear::audio::{self, ChannelMap, RATE, Resampler};

/// Blocks are this long (100 ms).
const BLOCK: usize = RATE as usize / 10;

/// Sends a block; a full queue drops it.
fn offer(tx: &mpsc::Sender<Block>, block: Block) -> std::result::Result<(), ()> {
    match tx.try_send(block) {
        Ok(()) | Err(mpsc::error::TrySendError::Full(_)) => Ok(()),
        Err(mpsc::error::TrySendError::Closed(_)) => Err(()),
    }
}

/// Plays a recording into the pipeline at `speed` times real time,
/// reading it as it plays (from an [`audio::Reader`]: an hour's replay
/// holds no more audio than a minute's).
pub async fn replay(
    recording: impl Iterator<Item = sufler_hear::Result<audio::Packet>>,
    speakers: Vec<Speaker>,
    speed: f64,
    tx: mpsc::Sender<Block>,
    clock: Clock,
) -> Result<()> {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(BLOCK as f64 / f64::from(RATE) / speed));
    let mut recording = recording.fuse();
    // Each party's samples from `at` on, read but not yet played.
    let mut held: Parties<Vec<f32>> = Parties::default();
    let mut at = 0;
    loop {
        while speakers.iter().any(|&s| held[s].len() < BLOCK) {
            let Some(block) = recording.next() else { break };
            for (speaker, samples) in block? {
                held[speaker].extend(samples);
            }
        }
        if speakers.iter().all(|&s| held[s].is_empty()) {
            return Ok(());
        }
        tick.tick().await;
        clock.start();
        for &speaker in &speakers {
            let track = &mut held[speaker];
            let samples: Vec<f32> = track.drain(..BLOCK.min(track.len())).collect();
            if offer(&tx, Block { speaker, at, samples }).is_err() {
                return Ok(());
            }
        }
        at += BLOCK;
    }
}

/// Reads interleaved signed 16-bit little-endian PCM from standard input
/// until it ends (run on a thread of its own); `map` says how many
/// channels a frame has and whose they are.
pub fn stdin(rate: u32, map: ChannelMap, speakers: Vec<Speaker>, tx: mpsc::Sender<Block>, clock: Clock) -> Result<()> {
    let bad = |message: String| Error::from(sufler_hear::Error::Recording { path: "<stdin>".into(), message });
    let channels = map.count();
    if rate == 0 {
        return Err(bad("the sample rate must be above 0".into()));
    }
    if map.operator >= channels || map.client.is_some_and(|c| c >= channels) {
        return Err(bad(format!("the channel map does not fit {channels} channel(s)")));
    }
    let parties: Vec<(Speaker, usize)> = speakers
        .iter()
        .filter_map(|&s| match s {
            Speaker::Operator => Some((s, map.operator)),
            Speaker::Client => map.client.map(|c| (s, c)),
        })
        .collect();
    let mut resamplers = parties.iter().map(|_| Resampler::new(rate).map_err(bad)).collect::<Result<Vec<_>>>()?;
    let mut at = vec![0usize; parties.len()];
    let frame = channels * 2;
    let mut bytes = vec![0u8; rate as usize / 10 * frame];
    let mut stdin = std::io::stdin().lock();
    let mut carry = 0;
    let mut channel = Vec::new();
    loop {
        let n = match stdin.read(&mut bytes[carry..]) {
            Ok(0) => return Ok(()),
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(bad(format!("cannot read: {e}"))),
        };
        clock.start();
        let have = carry + n;
        let frames = have / frame;
        for (k, &(speaker, ch)) in parties.iter().enumerate() {
            channel.clear();
            channel.extend((0..frames).map(|f| {
                let i = f * frame + ch * 2;
                f32::from(i16::from_le_bytes([bytes[i], bytes[i + 1]])) / 32768.0
            }));
            let mut samples = Vec::with_capacity(channel.len() * RATE as usize / rate as usize + 64);
            resamplers[k].push(&channel, &mut samples);
            let len = samples.len();
            if offer(&tx, Block { speaker, at: at[k], samples }).is_err() {
                return Ok(());
            }
            at[k] += len;
        }
        bytes.copy_within(frames * frame..have, 0);
        carry = have - frames * frame;
    }
}

/// The names of the sound inputs, with their default formats.
pub fn devices() -> Result<Vec<String>> {
    use cpal::traits::{DeviceTrait, HostTrait};
    let host = cpal::default_host();
    let devices = host.input_devices().map_err(|e| Error::Device(format!("cannot list sound inputs: {e}")))?;
    Ok(devices
        .map(|d| {
            let name = d.description().map_or_else(|_| "(unnamed)".to_string(), |n| n.name().to_string());
            let id = d.id().map_or_else(|_| String::new(), |id| id.to_string());
            match d.default_input_config() {
                Ok(c) => format!("{id}\t{name}\t{} Hz, {} channel(s)", c.sample_rate(), c.channels()),
                Err(_) => format!("{id}\t{name}"),
            }
        })
        .collect())
}

/// Captures the operator from `operator` (the default input when `None`)
/// and, when given, the client from a second input (e.g. a loopback of the
/// softphone's output). Keeps capturing until the pipeline closes; run on a
/// thread of its own (sound streams stay on the thread that made them).
pub fn microphone(operator: Option<String>, client: Option<String>, speakers: Vec<Speaker>, tx: mpsc::Sender<Block>, clock: Clock) -> Result<()> {
    use cpal::traits::{HostTrait, StreamTrait};
    let host = cpal::default_host();
    let mut streams = Vec::new();
    for (speaker, name) in [(Speaker::Operator, operator), (Speaker::Client, client)] {
        if !speakers.contains(&speaker) || (speaker == Speaker::Client && name.is_none()) {
            continue;
        }
        let device = match &name {
            None => host.default_input_device().ok_or_else(|| Error::Device("no sound input found (see `sufler devices`)".into()))?,
            Some(name) => find_device(&host, name)?,
        };
        let stream = capture(&device, speaker, tx.clone(), clock.clone())?;
        stream.play().map_err(|e| Error::Device(format!("cannot start the sound input: {e}")))?;
        streams.push(stream);
    }
    // The pipeline closing ends the capture.
    while !tx.is_closed() {
        std::thread::sleep(Duration::from_millis(100));
    }
    Ok(())
}

fn find_device(host: &cpal::Host, name: &str) -> Result<cpal::Device> {
    use cpal::traits::{DeviceTrait, HostTrait};
    let devices = host.input_devices().map_err(|e| Error::Device(format!("cannot list sound inputs: {e}")))?;
    for d in devices {
        let id = d.id().map(|id| id.to_string()).unwrap_or_default();
        let desc = d.description().map(|n| n.name().to_string()).unwrap_or_default();
        if id == name || desc == name {
            return Ok(d);
        }
    }
    Err(Error::Device(format!("no sound input named `{name}` (see `sufler devices`)")))
}

fn capture(device: &cpal::Device, speaker: Speaker, tx: mpsc::Sender<Block>, clock: Clock) -> Result<cpal::Stream> {
    use cpal::traits::DeviceTrait;
    use cpal::{Sample, SampleFormat, SizedSample};
    let config = device.default_input_config().map_err(|e| Error::Device(format!("the sound input has no usable format: {e}")))?;
    let channels = usize::from(config.channels());
    let mut resampler = Resampler::new(config.sample_rate()).map_err(Error::Device)?;
    let mut at = 0;
    // The first channel is the party: headsets put the microphone there.
    let take = move |data: &[f32]| {
        clock.start();
        let mut samples = Vec::new();
        resampler.push(data, &mut samples);
        let len = samples.len();
        let _ = offer(&tx, Block { speaker, at, samples });
        at += len;
    };
    fn build<T: SizedSample>(
        device: &cpal::Device,
        config: cpal::StreamConfig,
        channels: usize,
        mut take: impl FnMut(&[f32]) + Send + 'static,
    ) -> std::result::Result<cpal::Stream, cpal::Error>
    where
        f32: cpal::FromSample<T>,
    {
        let mut buf = Vec::new();
        device.build_input_stream::<T, _, _>(
            config,
            move |data: &[T], _| {
                buf.clear();
                buf.extend(data.chunks(channels).map(|frame| f32::from_sample(frame[0])));
                take(&buf);
            },
            |e| eprintln!("sound input: {e}"),
            None,
        )
    }
    let c = config.config();
    let stream = match config.sample_format() {
        SampleFormat::F32 => build::<f32>(device, c, channels, take),
        SampleFormat::I16 => build::<i16>(device, c, channels, take),
        SampleFormat::I32 => build::<i32>(device, c, channels, take),
        SampleFormat::U8 => build::<u8>(device, c, channels, take),
        other => return Err(Error::Device(format!("the sound input gives {other} samples, which sufler does not read"))),
    };
    stream.map_err(|e| Error::Device(format!("cannot open the sound input: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_replay_keeps_pace_with_the_clock() {
        // Read in pieces of uneven sizes, as a recording's packets come.
        let piece = |n: usize| Ok(vec![(Speaker::Operator, vec![0.1; n]), (Speaker::Client, vec![0.2; n])]);
        let recording = [piece(1000), piece(4000), piece(3000)].into_iter();
        let (tx, mut rx) = mpsc::channel(64);
        let clock = Clock::new(2.0);
        tokio::spawn(replay(recording, vec![Speaker::Operator, Speaker::Client], 2.0, tx, clock.clone()));
        let mut got = Vec::new();
        while let Some(b) = rx.recv().await {
            got.push((b.speaker, b.at, b.samples.len(), (clock.now() * 1000.0).round() as u64));
        }
        // Half a second in 100 ms blocks per party, each sent when the
        // clock (in audio time, at twice real speed) reaches its start.
        let want: Vec<_> = (0..5).flat_map(|k| [Speaker::Operator, Speaker::Client].map(|s| (s, k * BLOCK, BLOCK, k as u64 * 100))).collect();
        assert_eq!(got, want);
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_queue_drops_blocks_instead_of_waiting() {
        let recording = std::iter::once(Ok(vec![(Speaker::Operator, vec![0.1; RATE as usize])]));
        let (tx, mut rx) = mpsc::channel(3);
        let task = tokio::spawn(replay(recording, vec![Speaker::Operator], 1.0, tx, Clock::new(1.0)));
        task.await.unwrap().unwrap();
        let mut at = Vec::new();
        while let Some(b) = rx.recv().await {
            at.push(b.at);
        }
        assert_eq!(at, [0, BLOCK, 2 * BLOCK]);
    }
}
