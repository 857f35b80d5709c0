//! Speech recognition: whisper.cpp (through whisper-rs) on the voiced
//! stretches of one party's audio, giving timed words.
//!
//! Voice activity detection (Silero, run by whisper.cpp) cuts the track
//! into utterances; each is brought to one speech level (Whisper's
//! features shift with the recording's) and transcribed on its own with
//! the encoder context sized to its length (whisper.cpp's `audio_ctx`),
//! greedy decoding, no conditioning on earlier text and a bound on tokens
//! per second of audio.
//! Output that loops is transcribed again with more context (twice its
//! own, half of Whisper's 30 s window, then all of it). Russian calls are decoded over
//! the tokens without Latin letters alone (a smaller projection per step).
//! The utterances of a batch of calls are shared among workers, one thread
//! each, the next call read while the last one's are finishing; a call's
//! recording is read a packet at a time, never held whole, and its
//! utterances are heard while it is read. Whisper's
//! known inventions on silence and noise (subtitle credits, «Продолжение
//! следует...») are dropped, and words never reach outside the speech they
//! were heard in.

use std::borrow::Cow;
use std::collections::VecDeque;
use std::ffi::c_void;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError, mpsc};

use whisper_rs::{DtwMode, DtwModelPreset, DtwParameters, FullParams, SamplingStrategy, WhisperContext, WhisperContextParameters, WhisperState};

use crate::audio::{ChannelMap, RATE, Reader};
use crate::error::{Error, Result};
use sufler_core::call::{Parties, Speaker};
use sufler_core::text::{Lang, Normalizer};
use sufler_core::transcript::{Segment, TimedWord, Transcript};

mod level;
mod vad;
use vad::Vad;

/// Settings of the recogniser.
#[derive(Debug, Clone)]
pub struct Options {
    pub model: PathBuf,
    pub vad_model: PathBuf,
    pub lang: Lang,
    pub threads: usize,
    /// Speech probability above which Silero calls a frame speech. Lower
    /// than Silero's usual 0.5: band-limited telephone speech scores low.
    pub vad_threshold: f32,
    /// Words the calls are likely to contain (the company's and operator's
    /// names), given to Whisper as a prompt so it spells them as written
    /// (in the operator's first `PROMPT_WINDOW_S` only).
    pub vocabulary: Vec<String>,
}

/// How long into a track the vocabulary prompt is given: the names it
/// carries are said in the greeting.
const PROMPT_WINDOW_S: f64 = 10.0;

/// Longest stretch given to Whisper at once (it sees at most 30 s).
pub const MAX_SPEECH_S: f32 = 25.0;
/// Voice activity settings, shared by whole tracks and live streams:
/// shorter speech is noise, a shorter pause does not end an utterance, and
/// each utterance is widened by the pad on both sides.
pub const MIN_SPEECH_MS: u32 = 200;
pub const MIN_SILENCE_MS: u32 = 300;
pub const SPEECH_PAD_MS: u32 = 120;
/// Whisper's encoder positions: 30 s.
const FULL_AUDIO_CTX: usize = 1500;
/// Encoder positions for a second look at a clip whose output looped.
const RETRY_AUDIO_CTX: usize = 768;
/// Samples (at 16 kHz) per speech probability of Silero VAD.
pub const VAD_WINDOW: usize = 512;

/// Phrases Whisper makes up on silence and noise (from subtitled video it
/// was trained on). A segment that contains one is not speech.
const HALLUCINATIONS: &[&str] = &[
    "продолжение следует",
    "субтитры",
    "редактор субтитров",
    "корректор",
    "спасибо за просмотр",
    "подписывайтесь на канал",
    "ставьте лайки",
    "dimatorzok",
    "titulky",
    "děkuji za pozornost",
    "amara org",
];

/// A Whisper model loaded once and shared by every call a process hears
/// (it is `Sync`): the weights and the settings. What one stream of audio
/// needs of its own (decoding state, voice detection) is a [`Session`]'s,
/// or a batch run's.
pub struct Model {
    prompt: String,
    ctx: WhisperContext,
    /// The tokens Whisper may write in the calls' language (all when empty).
    kept: Vec<i32>,
    /// Word times come from the cross-attention alignment (DTW).
    aligned: bool,
    options: Options,
    normalizer: Normalizer,
    hallucinations: Vec<String>,
}

/// A voiced stretch of one party's track, to be recognised.
struct Clip {
    /// Which call of a batch.
    call: usize,
    speaker: Speaker,
    clip: Vec<f32>,
    /// Seconds into the track.
    start: f64,
    /// Whether Whisper gets the vocabulary prompt.
    prompt: bool,
}

impl Clip {
    /// The segment its words make, if it has any. It spans the speech the
    /// voice detection found (the clip without its pads), which places
    /// pauses and overlaps more closely than the words' times do (call
    /// metrics are worked out from it).
    fn segment(&self, words: Vec<TimedWord<'static>>) -> Option<Segment<'static>> {
        let (first, last) = (words.first()?.start, words.last()?.end);
        let pad = f64::from(SPEECH_PAD_MS) / 1000.0;
        let (start, end) = (self.start + pad, self.start + self.clip.len() as f64 / f64::from(RATE) - pad);
        let (start, end) = if end > start { (start, end) } else { (first, last) };
        let text = words.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>().join(" ");
        Some(Segment { speaker: self.speaker, start, end, text: Cow::Owned(text), words })
    }
}

/// Utterances waiting for a worker, taken in the order they were put.
#[derive(Default)]
struct Queue {
    /// The utterances, and whether the queue is closed (no more work).
    jobs: Mutex<(VecDeque<Clip>, bool)>,
    ready: Condvar,
}

impl Queue {
    fn lock(&self) -> MutexGuard<'_, (VecDeque<Clip>, bool)> {
        // A worker that panicked holding the lock changed nothing half-way.
        self.jobs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn push(&self, job: Clip) {
        self.lock().0.push_back(job);
        self.ready.notify_one();
    }

    /// The next utterance; `None` once the queue is closed.
    fn pop(&self) -> Option<Clip> {
        let mut jobs = self.lock();
        loop {
            if jobs.1 {
                return None;
            }
            if let Some(job) = jobs.0.pop_front() {
                return Some(job);
            }
            jobs = self.ready.wait(jobs).unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn waiting(&self) -> usize {
        self.lock().0.len()
    }
}

/// Closes the queue when dropped: the workers stop at their next utterance.
struct Closing<'a>(&'a Queue);

impl Drop for Closing<'_> {
    fn drop(&mut self) {
        self.0.lock().1 = true;
        self.0.ready.notify_all();
    }
}

/// Where a party spoke, found on a call's first reading.
struct Span {
    speaker: Speaker,
    /// Samples of the party's track.
    range: Range<usize>,
    /// Seconds into the track.
    start: f64,
    prompt: bool,
}

/// A call read twice at once, a packet at a time: the first reading
/// finds where each party speaks (Silero, and whisper.cpp's cuts as they
/// settle), the second, behind it, cuts each utterance out as soon as its
/// audio is in. So only the audio of utterances not yet cut is held,
/// whatever the call's length, and its first utterances are heard while
/// the rest is read.
struct Cutter {
    call: usize,
    /// The first reading; `None` once it is over.
    first: Option<Reader>,
    second: Reader,
    parties: Vec<Speaker>,
    /// Each party's first speech, in seconds.
    first_speech: Parties<Option<f64>>,
    /// Each party's spans not yet cut, in order (VAD gives them so).
    spans: Parties<VecDeque<Span>>,
    /// Each party's earliest sample a span not yet found can start at.
    unknown: Parties<usize>,
    /// Each party's audio from sample `.1` on.
    audio: Parties<(Vec<f32>, usize)>,
    /// Seconds; known once the first reading is over.
    duration: f64,
    /// What went wrong in reading it (damage made silence, a file cut short).
    warnings: Vec<String>,
}

impl Cutter {
    fn new(call: usize, path: &Path, map: ChannelMap, wanted: impl Fn(Speaker) -> bool, vads: &mut Parties<Vad>) -> Result<Cutter> {
        let mut first = Reader::open(path, map, &wanted)?;
        let parties = first.parties()?;
        let second = Reader::open(path, map, &wanted)?;
        for vad in vads.values_mut() {
            vad.start();
        }
        Ok(Cutter {
            call,
            first: Some(first),
            second,
            parties,
            first_speech: Parties::default(),
            spans: Parties::default(),
            unknown: Parties::default(),
            audio: Parties::default(),
            duration: 0.0,
            warnings: Vec::new(),
        })
    }

    /// The next utterance of either party, in the order they end of those
    /// found; `None` once all are cut.
    fn next(&mut self, vads: &mut Parties<Vad>, threshold: f32) -> Result<Option<Clip>> {
        loop {
            let next = self.spans.iter().filter_map(|(p, spans)| Some((spans.front()?.range.end, p))).min();
            if let Some((end, party)) = next {
                return self.cut(end, party).map(Some);
            }
            if !self.find(vads, threshold)? {
                return Ok(None);
            }
        }
    }

    /// Reads on for more spans; `false` once the first reading is over.
    fn find(&mut self, vads: &mut Parties<Vad>, threshold: f32) -> Result<bool> {
        let Some(reader) = &mut self.first else { return Ok(false) };
        let block = reader.next().transpose()?;
        let len = reader.samples();
        for &speaker in &self.parties {
            let p = speaker;
            // Each block holds every party present.
            let samples = block.as_ref().map(|b| b.iter().find(|(s, _)| *s == speaker).map_or(&[][..], |(_, x)| x));
            for (start, end) in vads[p].hear(samples, threshold)? {
                let first = *self.first_speech[p].get_or_insert(start);
                let a = ((start * f64::from(RATE)) as usize).min(len);
                let b = ((end * f64::from(RATE)) as usize).clamp(a, len);
                self.spans[p].push_back(Span { speaker, range: a..b, start, prompt: prompted(speaker, start - first) });
            }
            // (Infinity, once all are found, makes `usize::MAX`.)
            self.unknown[p] = (vads[p].next_from() * f64::from(RATE)) as usize;
        }
        if block.is_none() {
            self.duration = reader.duration();
            self.warnings = reader.warnings();
            self.first = None;
        }
        Ok(true)
    }

    /// Cuts out the next span of `party`, which ends at sample `end`.
    fn cut(&mut self, end: usize, party: Speaker) -> Result<Clip> {
        while self.audio[party].1 + self.audio[party].0.len() < end {
            // The first reading read this far; a shorter second one ends short.
            let Some(block) = self.second.next().transpose()? else { break };
            for (speaker, samples) in block {
                self.audio[speaker].0.extend(samples);
            }
            self.forget();
        }
        let span = self.spans[party].pop_front().expect("a span");
        let (audio, base) = &self.audio[party];
        let index = |at: usize| at.saturating_sub(*base).min(audio.len());
        let clip = audio[index(span.range.start)..index(span.range.end)].to_vec();
        self.forget();
        Ok(Clip { call: self.call, speaker: span.speaker, clip, start: span.start, prompt: span.prompt })
    }

    /// Drops the audio before each party's next span (or before where
    /// one not yet found may start), once that is at least half of what
    /// is held (so each sample is moved about once).
    fn forget(&mut self) {
        for ((spans, unknown), (audio, base)) in self.spans.values().zip(self.unknown.values()).zip(self.audio.values_mut()) {
            let unknown = *unknown;
            let next = spans.front().map_or(unknown, |s| s.range.start).min(unknown).min(*base + audio.len());
            let dead = next.saturating_sub(*base);
            if dead > 0 && dead >= audio.len() / 2 {
                audio.drain(..dead);
                *base += dead;
            }
        }
    }
}

/// A call of a batch being recognised.
struct Pending<T> {
    tag: T,
    /// Whether all its utterances are cut (or it could not be read on).
    cut: bool,
    /// Utterances cut and not yet heard.
    left: usize,
    duration: f64,
    warnings: Vec<String>,
    segments: Vec<Segment<'static>>,
    error: Option<Error>,
}

impl<T> Pending<T> {
    /// The call's tag and its transcript, segments in order of time.
    fn finish(mut self, lang: Lang) -> (T, Result<Transcript<'static>>) {
        if let Some(e) = self.error {
            return (self.tag, Err(e));
        }
        self.segments.sort_by(|a, b| a.start.total_cmp(&b.start).then(a.speaker.cmp(&b.speaker)));
        let transcript = Transcript {
            language: Some(lang.code().to_string()),
            duration: Some(self.duration),
            segments: self.segments,
            warnings: self.warnings,
            redacted: Vec::new(),
            unredacted: false,
            call: None,
        };
        (self.tag, Ok(transcript))
    }
}

/// Who wants a clip heard, and so how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// A worker of a batch: one thread; output that loops is transcribed
    /// again with more context.
    Batch,
    /// Live mode's pass over a finished utterance: as a batch's, on all
    /// the recogniser's threads.
    Final,
    /// Live mode's look at an utterance still going on: output that loops
    /// is dropped (the next look, or the final pass, will do).
    Glimpse,
}

impl Pass {
    /// Fewest encoder positions for a clip. Live passes get more: with
    /// 128, a 1.3 s «Минуточку» was «Миную точку» on every pass of a
    /// replay, and live recall on the clean calls fell 0.038 under batch
    /// (0.019 with 192); in a batch, 192 cost ~10 % more time for the same
    /// precision and recall (issue notes).
    fn least_audio_ctx(self) -> usize {
        match self {
            Pass::Batch => 128,
            Pass::Final | Pass::Glimpse => 192,
        }
    }
}

/// What one utterance gave.
struct Decoded {
    words: Vec<TimedWord<'static>>,
    tokens: usize,
    /// The sum of the text tokens' log-probabilities.
    logprob: f32,
}

impl Decoded {
    /// The mean of the words' confidences.
    fn confidence(&self) -> Option<f32> {
        let (sum, n) = self.words.iter().filter_map(|w| w.confidence).fold((0.0, 0), |(sum, n), c| (sum + c, n + 1));
        (n > 0).then(|| sum / n as f32)
    }

    /// Whether Whisper itself would count this decoding as failed: its
    /// text tokens' mean log-probability is below [`FAILED_BELOW`].
    fn failed(&self) -> bool {
        self.tokens > 0 && self.logprob / (self.tokens as f32) < FAILED_BELOW
    }
}

/// Whisper's own `logprob_threshold`: a decoding whose tokens' mean
/// log-probability is below it has failed (Whisper then decodes again at a
/// higher temperature). A clip that looped and whose last reading failed
/// too keeps its words, marked guessed: an operator's may meet a step of
/// the script, never raise a banned-phrase flag. On a phone line such a
/// clip comes out as fluent nonsense («Это так всем не было, я так не
/// могу» for «Ну, это совсем несложно, я подскажу»), and short banned
/// words are common in nonsense.
const FAILED_BELOW: f32 = -1.0;

/// How Whisper picks each token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decoding {
    Greedy,
    Beam,
}

/// In a batch, an operator's clip heard with a mean word confidence below
/// this is decoded again by beam search ([`BEAM`] wide), the surer reading
/// kept: unsure clips are where base mishears the script's words, and a
/// lower threshold reaches fewer of them, a higher one costs time on clips
/// heard right (the figures: docs/matching.md). Live passes do not: a
/// second decoding would come seconds late.
const CAREFUL_BELOW: f32 = 0.7;
const BEAM: i32 = 3;

impl Model {
    /// Loads the Whisper model (and tries the VAD model) that `options` name.
    pub fn load(options: Options) -> Result<Model> {
        for (what, path) in [("Whisper model", &options.model), ("VAD model", &options.vad_model)] {
            if !path.is_file() {
                return Err(Error::Model {
                    path: path.clone(),
                    message: format!(
                        "{what} not found (`sufler models path` tells where models are looked for; `scripts/setup.sh` or `sufler models import` makes them)"
                    ),
                });
            }
        }
        silence_whisper_logs();
        let path = |p: &Path| p.to_str().map(str::to_string).ok_or_else(|| Error::Model { path: p.to_path_buf(), message: "the path is not UTF-8".into() });
        let heads = alignment_heads(&options.model);
        let aligned = heads.is_some();
        let mut params = WhisperContextParameters::default();
        if let Some(model_preset) = heads {
            params.dtw_parameters(DtwParameters { mode: DtwMode::ModelPreset { model_preset }, ..DtwParameters::default() });
        }
        let ctx = WhisperContext::new_with_params(&path(&options.model)?, params)
            .map_err(|e| Error::Model { path: options.model.clone(), message: format!("cannot load the Whisper model ({e})") })?;
        // Each stream loads its own; a bad file is told now, not mid-call.
        Vad::new(&options.vad_model)?;
        let normalizer = Normalizer::new(options.lang);
        let hallucinations = HALLUCINATIONS.iter().map(|h| surface(&normalizer, h)).collect();
        let prompt = if options.vocabulary.is_empty() { String::new() } else { format!("{}.", options.vocabulary.join(", ")) };
        let kept = kept_tokens(options.lang, ctx.token_eot(), ctx.token_beg(), ctx.n_vocab(), |t| ctx.token_to_bytes(t).ok());
        Ok(Model { prompt, ctx, kept, aligned, options, normalizer, hallucinations })
    }

    /// Transcribes one recording, all its parties (see
    /// [`Model::transcribe_calls`]).
    pub fn transcribe(&self, path: &Path, map: ChannelMap) -> Result<Transcript<'static>> {
        let mut heard = None;
        self.transcribe_calls(
            [((), path)],
            map,
            |_| true,
            |(), transcript| {
                heard = Some(transcript);
                Ok::<(), Error>(())
            },
        )?;
        heard.expect("one call in, one out")
    }

    /// Transcribes recorded calls one after another: `calls` gives each
    /// call's recording with a tag of the caller's, `map` its channels,
    /// `wanted` the parties to listen to, and `done` gets each call's
    /// transcript (or why it could not be read or heard) with its tag, in
    /// the calls' order, as soon as it is all heard. A call that fails does
    /// not stop the others; an error of `done` does.
    ///
    /// A recording is read twice at once, a packet at a time: ahead, to
    /// find where each party speaks, and behind, to cut the utterances
    /// out, handed to the workers as they are cut. So a call takes little
    /// memory whatever its length (an hour of two tracks at 16 kHz would
    /// be 460 MB), and the workers start on its first utterances while
    /// the rest is read.
    /// Each track is cut into utterances (joining them into longer chunks
    /// saved little time and lost words: see the issue notes), shared out
    /// among `threads` workers, each with its own Whisper state (~100 MB
    /// with base) and one thread: on one short clip, whisper.cpp's threads
    /// spend much of their time waiting for each other, so passes side by
    /// side finish sooner. The next call is read while the workers finish
    /// the last utterances of the one before, so no worker waits at the
    /// end of a call.
    pub fn transcribe_calls<'p, T, E: From<Error>>(
        &self,
        calls: impl IntoIterator<Item = (T, &'p Path)>,
        map: ChannelMap,
        wanted: impl Fn(Speaker) -> bool,
        mut done: impl FnMut(T, Result<Transcript<'static>>) -> std::result::Result<(), E>,
    ) -> std::result::Result<(), E> {
        let workers = self.options.threads.max(1);
        let states = (0..workers).map(|_| self.state()).collect::<Result<Vec<_>>>()?;
        let queue = Queue::default();
        let (heard_tx, heard_rx) = mpsc::channel::<(usize, Result<Option<Segment<'static>>>)>();
        std::thread::scope(|scope| {
            for mut state in states {
                let (queue, heard_tx) = (&queue, heard_tx.clone());
                scope.spawn(move || {
                    // Also when a pass panics: the others then stop too.
                    let _closing = Closing(queue);
                    while let Some(job) = queue.pop() {
                        let careful = job.speaker == Speaker::Operator;
                        let segment = self.words(&mut state, &job.clip, job.start, job.prompt, Pass::Batch, careful).map(|words| job.segment(words));
                        if heard_tx.send((job.call, segment)).is_err() {
                            break;
                        }
                    }
                });
            }
            drop(heard_tx);
            let _closing = Closing(&queue);
            // One per party (a recording's tracks are read together).
            let mut vads = Parties { operator: Vad::new(&self.options.vad_model)?, client: Vad::new(&self.options.vad_model)? };
            let mut calls = calls.into_iter();
            // Calls not yet handed to `done`; the first is number `emitted`.
            let mut pending: VecDeque<Pending<T>> = VecDeque::new();
            let mut emitted = 0;
            let mut more = true;
            // The call being cut into utterances.
            let mut cutting: Option<Cutter> = None;
            loop {
                while queue.waiting() < workers {
                    if let Some(cutter) = &mut cutting {
                        let next = cutter.next(&mut vads, self.options.vad_threshold);
                        let p = &mut pending[cutter.call - emitted];
                        match next {
                            Ok(Some(job)) => {
                                p.left += 1;
                                queue.push(job);
                                continue;
                            }
                            Ok(None) => (p.duration, p.warnings) = (cutter.duration, std::mem::take(&mut cutter.warnings)),
                            Err(e) => {
                                p.error.get_or_insert(e);
                            }
                        }
                        p.cut = true;
                        cutting = None;
                        continue;
                    }
                    if !more {
                        break;
                    }
                    let Some((tag, path)) = calls.next() else {
                        more = false;
                        break;
                    };
                    let call = emitted + pending.len();
                    let mut entry = Pending { tag, cut: false, left: 0, duration: 0.0, warnings: Vec::new(), segments: Vec::new(), error: None };
                    match Cutter::new(call, path, map, &wanted, &mut vads) {
                        Ok(cutter) => cutting = Some(cutter),
                        Err(e) => (entry.cut, entry.error) = (true, Some(e)),
                    }
                    pending.push_back(entry);
                }
                while pending.front().is_some_and(|p| p.cut && p.left == 0) {
                    let (tag, transcript) = pending.pop_front().expect("a front").finish(self.options.lang);
                    emitted += 1;
                    done(tag, transcript)?;
                }
                if pending.is_empty() && !more {
                    return Ok(());
                }
                // Ends only if a worker panicked (the scope then passes the panic on).
                let Ok((call, heard)) = heard_rx.recv() else { return Ok(()) };
                let p = &mut pending[call - emitted];
                p.left -= 1;
                match heard {
                    Ok(segment) => p.segments.extend(segment),
                    Err(e) => {
                        p.error.get_or_insert(e);
                    }
                }
            }
        })
    }

    /// Whisper's working memory, one per stream of utterances.
    fn state(&self) -> Result<WhisperState> {
        self.ctx.create_state().map_err(|e| Error::whisper(format!("cannot start: {e}")))
    }

    /// A stream of its own (a live call) on this model.
    pub fn session(self: &Arc<Model>) -> Result<Session> {
        Ok(Session { model: self.clone(), state: self.state()?, vad: Vad::new(&self.options.vad_model)? })
    }

    /// `careful`: a clip heard with little confidence is decoded again by
    /// beam search, and the surer reading kept.
    fn words(&self, state: &mut WhisperState, clip: &[f32], offset: f64, prompt: bool, pass: Pass, careful: bool) -> Result<Vec<TimedWord<'static>>> {
        if clip.len() < RATE as usize / 10 {
            return Ok(Vec::new());
        }
        let seconds = clip.len() as f64 / f64::from(RATE);
        let clip = &level::at_speech_level(clip)[..];
        let threads = if pass == Pass::Batch { 1 } else { self.options.threads };
        let ladder = contexts(seconds, pass.least_audio_ctx());
        let mut heard = self.recognise(state, clip, ladder[0], prompt, threads, Decoding::Greedy)?;
        let again = |heard: &Decoded| loops(heard, &self.normalizer) || heard.tokens >= max_tokens(seconds);
        let looped = again(&heard);
        if looped {
            if pass == Pass::Glimpse {
                return Ok(Vec::new());
            }
            for &context in &ladder[1..] {
                heard = self.recognise(state, clip, context, prompt, threads, Decoding::Greedy)?;
                if !again(&heard) {
                    break;
                }
            }
            collapse_repeats(&mut heard.words, &self.normalizer);
        }
        if careful && let Some(sure) = heard.confidence().filter(|&c| c < CAREFUL_BELOW) {
            let beam = self.recognise(state, clip, ladder[0], prompt, threads, Decoding::Beam)?;
            if !again(&beam) && beam.confidence().is_some_and(|c| c > sure) {
                heard = beam;
            }
        }
        let end = offset + seconds;
        let mut from = offset;
        // A clip that looped at its own context and still ends in a failed
        // decoding is one Whisper cannot hear; a failed decoding alone is
        // not enough (a phone line's «Нет, курьера сегодня не будет.»,
        // heard right, scored below the threshold in a live pass).
        let guessed = looped && heard.failed();
        let words: Vec<TimedWord<'static>> = heard
            .words
            .into_iter()
            .map(|w| {
                // Words stay within the speech they were heard in, in order
                // (token times from a short context can step back).
                let ws = (offset + w.start).clamp(from, end);
                from = ws;
                TimedWord { start: ws, end: (offset + w.end).clamp(ws, end), guessed, ..w }
            })
            .collect();
        if self.is_hallucination(&words) {
            return Ok(Vec::new());
        }
        Ok(words)
    }

    pub fn lang(&self) -> Lang {
        self.options.lang
    }

    pub fn vad_threshold(&self) -> f32 {
        self.options.vad_threshold
    }

    /// Whisper over a whole track as it comes, with no voice detection and
    /// none of the guards above: the plain reference used to compare this
    /// model with other runtimes of the same weights.
    pub fn transcribe_plain(&self, samples: &[f32]) -> Result<String> {
        let mut state = self.state()?;
        let mut p = FullParams::new(SamplingStrategy::Greedy { best_of: 1 });
        p.set_language(Some(self.options.lang.code()));
        p.set_n_threads(self.options.threads as i32);
        p.set_no_context(true);
        p.set_temperature_inc(0.0);
        p.set_print_progress(false);
        p.set_print_realtime(false);
        state.full(p, samples).map_err(|e| Error::whisper(e.to_string()))?;
        let texts: Vec<String> = state.as_iter().map(|s| s.to_str_lossy().map(|t| t.trim().to_string()).unwrap_or_default()).collect();
        Ok(texts.join(" "))
    }

    fn is_hallucination(&self, words: &[TimedWord<'_>]) -> bool {
        let text = surface(&self.normalizer, &words.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>().join(" "));
        let padded = format!(" {text} ");
        self.hallucinations.iter().any(|h| padded.contains(&format!(" {h} ")))
    }

    /// One Whisper pass over a clip; `audio_ctx` `None` is the full 30 s context.
    fn recognise(&self, state: &mut WhisperState, clip: &[f32], audio_ctx: Option<usize>, prompt: bool, threads: usize, decoding: Decoding) -> Result<Decoded> {
        let seconds = clip.len() as f64 / f64::from(RATE);
        let mut p = FullParams::new(match decoding {
            Decoding::Greedy => SamplingStrategy::Greedy { best_of: 1 },
            Decoding::Beam => SamplingStrategy::BeamSearch { beam_size: BEAM, patience: -1.0 },
        });
        p.set_language(Some(self.options.lang.code()));
        p.set_n_threads(threads as i32);
        p.set_no_context(true);
        p.set_single_segment(true);
        p.set_token_timestamps(true);
        p.set_suppress_blank(true);
        p.set_suppress_nst(true);
        p.set_no_speech_thold(0.6);
        p.set_temperature_inc(0.0);
        p.set_max_tokens(max_tokens(seconds) as i32);
        p.set_audio_ctx(audio_ctx.unwrap_or(0) as i32);
        p.set_print_progress(false);
        p.set_print_realtime(false);
        p.set_print_special(false);
        p.set_print_timestamps(false);
        if prompt && !self.prompt.is_empty() {
            p.set_initial_prompt(&self.prompt);
        }
        let mut keep = Keep { tokens: &self.kept, failed: false };
        if !self.kept.is_empty() {
            // SAFETY: the callback uses `keep` alone, which outlives this pass.
            unsafe {
                p.set_start_encoder_callback(Some(keep_tokens));
                p.set_start_encoder_callback_user_data(&mut keep as *mut Keep as *mut c_void);
            }
        }
        // Whisper pads its input to 30 s; a clip shorter than a second is
        // padded with silence here so the encoder sees whole frames.
        let mut padded;
        let input = if clip.len() < RATE as usize {
            padded = clip.to_vec();
            padded.resize(RATE as usize, 0.0);
            &padded[..]
        } else {
            clip
        };
        state.full(p, input).map_err(|e| Error::whisper(e.to_string()))?;
        if keep.failed {
            // whisper.cpp stops the pass without an error of its own.
            return Err(Error::whisper("cannot limit the decoder to the language's tokens"));
        }
        let eot = self.ctx.token_eot();
        let mut words: Vec<TimedWord<'static>> = Vec::new();
        let mut tokens = 0;
        let mut logprob = 0.0;
        // Word text is built from token bytes: a Cyrillic letter may be split
        // between two tokens.
        let mut current: Option<(Vec<u8>, f64, f64, Vec<f32>)> = None;
        let flush = |current: &mut Option<(Vec<u8>, f64, f64, Vec<f32>)>, words: &mut Vec<TimedWord<'static>>| {
            if let Some((bytes, start, end, probs)) = current.take() {
                let text = String::from_utf8_lossy(&bytes).trim().to_string();
                if !text.is_empty() {
                    let confidence = probs.iter().sum::<f32>() / probs.len().max(1) as f32;
                    words.push(TimedWord { start, end: end.max(start), text: Cow::Owned(text), confidence: Some(confidence), guessed: false });
                }
            }
        };
        for segment in state.as_iter() {
            for i in 0..segment.n_tokens() {
                let Some(token) = segment.get_token(i) else { continue };
                let data = token.token_data();
                if data.id >= eot {
                    continue;
                }
                tokens += 1;
                logprob += data.plog;
                let bytes = token.to_bytes().unwrap_or_default();
                // (No alignment time when whisper.cpp skipped the alignment.)
                let t0 = if self.aligned && data.t_dtw >= 0 { data.t_dtw } else { data.t0 };
                let (t0, t1) = (t0 as f64 / 100.0, data.t1 as f64 / 100.0);
                let starts_word = bytes.first() == Some(&b' ') || current.is_none();
                if starts_word {
                    flush(&mut current, &mut words);
                    current = Some((Vec::new(), t0, t1, Vec::new()));
                }
                if let Some((b, _, end, probs)) = current.as_mut() {
                    b.extend_from_slice(bytes);
                    *end = t1;
                    probs.push(data.p);
                }
            }
        }
        flush(&mut current, &mut words);
        if self.aligned {
            // The alignment gives where each word starts; it lasts until the
            // next one does (the last one keeps Whisper's own end).
            for i in 1..words.len() {
                words[i - 1].end = words[i].start;
            }
        }
        let limit = seconds.max(0.0);
        for w in &mut words {
            w.start = w.start.clamp(0.0, limit);
            w.end = w.end.clamp(w.start, limit);
        }
        Ok(Decoded { words, tokens, logprob })
    }
}

/// One stream of audio heard on a shared [`Model`] (a live call): its own
/// Whisper state and voice detector, so that streams side by side share
/// the weights and nothing else.
pub struct Session {
    model: Arc<Model>,
    state: WhisperState,
    vad: Vad,
}

impl Session {
    pub fn model(&self) -> &Model {
        &self.model
    }

    /// The words of one utterance that starts `offset` seconds into its
    /// track, with times in the track; empty for a clip too short to hold
    /// a word or for one of Whisper's inventions. `prompt` gives Whisper
    /// the vocabulary (the names said in a greeting).
    pub fn utterance(&mut self, clip: &[f32], offset: f64, prompt: bool) -> Result<Vec<TimedWord<'static>>> {
        self.model.words(&mut self.state, clip, offset, prompt, Pass::Final, false)
    }

    /// A first look at an utterance still going on (live mode): as
    /// [`Session::utterance`], but output that loops is dropped rather
    /// than transcribed again with more context, which costs time; the
    /// next look, or the utterance's end, will do.
    pub fn glimpse(&mut self, clip: &[f32], offset: f64, prompt: bool) -> Result<Vec<TimedWord<'static>>> {
        self.model.words(&mut self.state, clip, offset, prompt, Pass::Glimpse, false)
    }

    /// Silero's speech probability for each [`VAD_WINDOW`] of `samples`
    /// (the last one padded with silence).
    pub fn speech_probabilities(&mut self, samples: &[f32]) -> Result<Vec<f32>> {
        let vad = &mut self.vad;
        vad.start();
        vad.push(samples)?;
        Ok(vad.finish()?.to_vec())
    }

    /// Where speech is in a track, found as a recording's reading finds
    /// it, `packet` samples at a time: each voiced stretch (seconds), with
    /// the seconds of the track read when it was found.
    pub fn speech(&mut self, track: &[f32], packet: usize) -> Result<Vec<((f64, f64), f64)>> {
        let vad = &mut self.vad;
        vad.start();
        let mut found = Vec::new();
        let mut read = 0;
        for samples in track.chunks(packet.max(1)).map(Some).chain([None]) {
            read += samples.map_or(0, <[f32]>::len);
            let at = read as f64 / f64::from(RATE);
            found.extend(vad.hear(samples, self.model.options.vad_threshold)?.into_iter().map(|s| (s, at)));
        }
        Ok(found)
    }
}

/// The tokens Whisper may write in `lang`'s calls, given the vocabulary's
/// end of text, first timestamp, size and each token's bytes: the text
/// tokens [`writes`] allows, the end of text and the timestamps; empty
/// (no limit) when every text token is allowed. The special tokens between
/// the end of text and the timestamps are left out either way: whisper.cpp
/// never lets a step choose them.
fn kept_tokens<'v>(lang: Lang, eot: i32, beg: i32, n_vocab: i32, bytes: impl Fn(i32) -> Option<&'v [u8]>) -> Vec<i32> {
    let text: Vec<i32> = (0..eot).filter(|&t| bytes(t).is_some_and(|b| writes(lang, b))).collect();
    if text.len() == eot as usize {
        return Vec::new();
    }
    text.into_iter().chain(std::iter::once(eot)).chain(beg..n_vocab).collect()
}

/// Whether a text token (its bytes: maybe part of a letter) is one that
/// `lang`'s calls are written with. Russian calls are written in Cyrillic:
/// a token with a Latin letter is never chosen, which leaves ~11,500 of
/// multilingual Whisper's 51,865 and makes each decoding step's projection
/// onto them ~4× smaller (names and brands come out in Cyrillic, as the
/// rules write them). Czech is written in Latin letters: all are kept.
fn writes(lang: Lang, token: &[u8]) -> bool {
    match lang {
        Lang::Ru => !token.iter().any(u8::is_ascii_alphabetic),
        Lang::Cs => true,
    }
}

/// What [`keep_tokens`] is given: the tokens, and whether keeping them failed.
struct Keep<'a> {
    tokens: &'a [i32],
    failed: bool,
}

/// Sets a state's kept tokens (whisper.cpp calls this before each pass's
/// encoder; the vendored whisper.cpp's `whisper_state_keep_tokens`, see its
/// PATCHES.md). Returning false stops the pass.
unsafe extern "C" fn keep_tokens(ctx: *mut whisper_rs_sys::whisper_context, state: *mut whisper_rs_sys::whisper_state, keep: *mut c_void) -> bool {
    // SAFETY: `keep` is the `Keep` of the pass (see `recognise`).
    let keep = unsafe { &mut *(keep as *mut Keep) };
    // SAFETY: whisper.cpp's own context and state of this pass; the tokens are in its vocabulary.
    let kept = unsafe { whisper_rs_sys::whisper_state_keep_tokens(ctx, state, keep.tokens.as_ptr(), keep.tokens.len() as i32) } == 0;
    keep.failed |= !kept;
    kept
}

/// Whether an utterance of `speaker` that starts `since_first` seconds
/// after the first speech of their track gets the vocabulary prompt:
/// the operator's greeting does (the names are said in it); nothing
/// else does, as prompting costs time on every clip, and short clips
/// of a client's with the prompt were heard twice over («Как закрыт?
/// Как закрыт?») and had to be transcribed again.
pub fn prompted(speaker: Speaker, since_first: f64) -> bool {
    speaker == Speaker::Operator && since_first < PROMPT_WINDOW_S
}

/// The cross-attention heads that align words with the audio, for the
/// model sizes whisper.cpp knows them for (told by the file's header);
/// `None` (Whisper's rougher token times) for any other model.
fn alignment_heads(model: &Path) -> Option<DtwModelPreset> {
    let shape = crate::models::whisper::shape(model)?;
    heads_for(shape.n_vocab, shape.n_audio_layer, shape.n_text_layer, shape.n_mels)
}

fn heads_for(n_vocab: i32, audio_layers: i32, text_layers: i32, mels: i32) -> Option<DtwModelPreset> {
    use DtwModelPreset::*;
    let multilingual = n_vocab >= 51865;
    Some(match (audio_layers, text_layers, mels, multilingual) {
        (4, 4, 80, false) => TinyEn,
        (4, 4, 80, true) => Tiny,
        (6, 6, 80, false) => BaseEn,
        (6, 6, 80, true) => Base,
        (12, 12, 80, false) => SmallEn,
        (12, 12, 80, true) => Small,
        (24, 24, 80, false) => MediumEn,
        (24, 24, 80, true) => Medium,
        (32, 32, 128, true) => LargeV3,
        (32, 4, 128, true) => LargeV3Turbo,
        // large-v1 and v2 share a shape but not their heads.
        _ => return None,
    })
}

/// Encoder positions for a clip: 50 per second plus a margin of 48 (~1 s
/// of the silence Whisper saw after speech in training), in steps of 16,
/// at least `least`, at most the full 1500. A margin of 32 or 16 made more
/// clips loop, one of 64 in steps of 64 cost ~10 % more time (issue notes).
pub fn audio_ctx(seconds: f64, least: usize) -> usize {
    let frames = (seconds * 50.0).ceil() as usize + 48;
    (frames.div_ceil(16) * 16).clamp(least, FULL_AUDIO_CTX)
}

/// The encoder contexts to try on a clip, in order, while its output loops:
/// its own size, then twice that while under [`RETRY_AUDIO_CTX`] (the
/// trailing silence mends half the loops, at a quarter of the larger
/// context's cost), then [`RETRY_AUDIO_CTX`] when that is more (half of
/// Whisper's window costs half of the whole one; a smaller one would cut
/// the clip), then the whole window (`None`) unless the clip already had it.
fn contexts(seconds: f64, least: usize) -> Vec<Option<usize>> {
    let own = audio_ctx(seconds, least);
    let mut ladder = vec![Some(own)];
    if 2 * own < RETRY_AUDIO_CTX {
        ladder.push(Some(2 * own));
    }
    if own < RETRY_AUDIO_CTX {
        ladder.push(Some(RETRY_AUDIO_CTX));
    }
    if own < FULL_AUDIO_CTX {
        ladder.push(None);
    }
    ladder
}

/// Speech runs at most about five tokens a second; more is a loop.
pub fn max_tokens(seconds: f64) -> usize {
    (seconds * 6.0).ceil() as usize + 8
}

/// Whether the words repeat a phrase over and over (a decoding loop), or
/// say a phrase of two or more words twice in a row (Whisper's most common
/// slip on short clips), whatever their case and punctuation («Это не ко
/// мне, это не ко мне.»).
fn loops(heard: &Decoded, norm: &Normalizer) -> bool {
    let words: Vec<String> = heard.words.iter().map(|w| surface(norm, &w.text)).filter(|w| !w.is_empty()).collect();
    let stutters = (2..=words.len() / 2).any(|n| repeat_at(&words, n).is_some());
    let spins = (1..=3).any(|n| words.windows(n).any(|g| words.windows(n).filter(|w| *w == g).count() >= 4));
    stutters || spins
}

/// Where a phrase of `n` words (not all the same word) is followed by itself.
fn repeat_at<T: PartialEq>(words: &[T], n: usize) -> Option<usize> {
    (0..words.len().saturating_sub(2 * n - 1)).find(|&i| {
        let gram = &words[i..i + n];
        gram.iter().any(|w| *w != gram[0]) && *gram == words[i + n..i + 2 * n]
    })
}

/// Drops immediate repeats of phrases of two or more words.
fn collapse_repeats(words: &mut Vec<TimedWord<'static>>, norm: &Normalizer) {
    loop {
        let keys: Vec<String> = words.iter().map(|w| surface(norm, &w.text)).collect();
        let Some((i, n)) = (2..=keys.len() / 2).rev().find_map(|n| repeat_at(&keys, n).map(|i| (i, n))) else { return };
        words.drain(i + n..i + 2 * n);
    }
}

fn surface(norm: &Normalizer, text: &str) -> String {
    norm.tokens(text).iter().map(|t| t.surface.to_string()).collect::<Vec<_>>().join(" ")
}

/// whisper.cpp logs every model load to stderr; with no log backend
/// enabled, whisper-rs's hooks drop those lines, keeping the output for people.
fn silence_whisper_logs() {
    whisper_rs::install_logging_hooks();
}

#[cfg(test)]
mod tests {
    use sufler_core::call::Speaker::{Client, Operator};

    #[test]
    fn only_the_operators_greeting_gets_the_vocabulary_prompt() {
        // (speaker, seconds after the track's first speech) → prompted
        let table = [(Operator, 0.0, true), (Operator, 9.9, true), (Operator, 10.0, false), (Client, 0.0, false), (Client, 3.0, false)];
        for (speaker, since, prompted) in table {
            assert_eq!(super::prompted(speaker, since), prompted, "{speaker:?} at {since} s");
        }
    }

    #[test]
    fn russian_is_written_without_latin_tokens() {
        use sufler_core::text::Lang::{Cs, Ru};
        // (language, token's bytes) → may be written
        let table: [(_, &[u8], bool); 10] = [
            (Ru, " здравствуйте".as_bytes(), true),
            (Ru, "ёж".as_bytes(), true),
            (Ru, b" 2,", true),
            (Ru, b"...", true),
            (Ru, &"ж".as_bytes()[..1], true),
            (Ru, b" our", false),
            (Ru, b"Wi", false),
            (Ru, " Sмс".as_bytes(), false),
            (Cs, " dobrý".as_bytes(), true),
            (Cs, b" den", true),
        ];
        for (lang, token, writes) in table {
            assert_eq!(super::writes(lang, token), writes, "{lang} {:?}", String::from_utf8_lossy(token));
        }
    }

    #[test]
    fn only_a_language_with_tokens_left_out_limits_the_decoder() {
        use sufler_core::text::Lang::{Cs, Ru};
        // A vocabulary of 8: text 0-3, end of text 4, a special token 5,
        // timestamps 6-7.
        let vocabulary: [&[u8]; 4] = [b" da", " да".as_bytes(), b",", " že".as_bytes()];
        let bytes = |t: i32| vocabulary.get(t as usize).copied();
        assert_eq!(super::kept_tokens(Ru, 4, 6, 8, bytes), [1, 2, 4, 6, 7]);
        assert_eq!(super::kept_tokens(Cs, 4, 6, 8, bytes), [] as [i32; 0]);
    }

    #[test]
    fn words_are_aligned_with_the_heads_of_the_model_size() {
        // (n_vocab, audio layers, text layers, mel bands) → preset
        let table = [
            (51865, 6, 6, 80, Some("Base")),
            (51864, 6, 6, 80, Some("BaseEn")),
            (51865, 12, 12, 80, Some("Small")),
            (51866, 32, 4, 128, Some("LargeV3Turbo")),
            (51866, 32, 32, 128, Some("LargeV3")),
            (51865, 32, 32, 80, None),
            (51865, 6, 2, 80, None),
        ];
        for (vocab, audio, text, mels, want) in table {
            let got = super::heads_for(vocab, audio, text, mels).map(|p| format!("{p:?}"));
            assert_eq!(got.as_deref(), want, "{vocab} {audio} {text} {mels}");
        }
    }

    #[test]
    fn encoder_context_fits_the_clip() {
        assert_eq!(super::audio_ctx(0.5, 128), 128);
        assert_eq!(super::audio_ctx(0.5, 192), 192);
        assert_eq!(super::audio_ctx(5.0, 192), 304);
        assert_eq!(super::audio_ctx(29.0, 128), 1500);
        assert_eq!(super::max_tokens(2.0), 20);
    }

    #[test]
    fn a_looping_clip_is_retried_with_more_context_never_less() {
        // (clip seconds, encoder contexts tried while the output loops)
        let table: [(f64, &[Option<usize>]); 5] = [
            (2.0, &[Some(160), Some(320), Some(768), None]),
            (7.0, &[Some(400), Some(768), None]),
            (10.0, &[Some(560), Some(768), None]),
            // 20 s need 1,000 positions: 768 would cut the clip's end off.
            (20.0, &[Some(1056), None]),
            (29.0, &[Some(1500)]),
        ];
        for (seconds, want) in table {
            assert_eq!(super::contexts(seconds, 128), want, "{seconds} s");
        }
    }

    #[test]
    fn repeats_are_found_and_collapsed() {
        use super::*;
        let norm = Normalizer::new(Lang::Ru);
        let table: &[(&str, bool, &str)] = &[
            ("Подождите секундочку. Подождите секундочку.", true, "Подождите секундочку."),
            ("Подождите, подождите секундочку", false, "Подождите, подождите секундочку"),
            ("да да да да да", true, "да да да да да"),
            ("нет, нет", false, "нет, нет"),
            ("Спасибо за звонок, до свидания", false, "Спасибо за звонок, до свидания"),
            ("Это не ко мне, это не ко мне.", true, "Это не ко мне,"),
        ];
        for (text, looping, collapsed) in table {
            let words: Vec<TimedWord<'static>> =
                text.split(' ').map(|w| TimedWord { start: 0.0, end: 0.0, text: Cow::Owned(w.to_string()), confidence: None, guessed: false }).collect();
            let mut heard = Decoded { words, tokens: 0, logprob: 0.0 };
            assert_eq!(loops(&heard, &norm), *looping, "{text}");
            collapse_repeats(&mut heard.words, &norm);
            let got: Vec<&str> = heard.words.iter().map(|w| w.text.as_ref()).collect();
            assert_eq!(got.join(" "), *collapsed);
        }
    }

    #[test]
    fn a_decoding_has_failed_when_its_tokens_mean_log_probability_is_below_minus_one() {
        use super::*;
        // (text tokens, the sum of their log-probabilities, failed)
        let table: &[(usize, f32, bool)] = &[(10, -4.1, false), (10, -9.9, false), (10, -10.1, true), (8, -14.7, true), (0, 0.0, false)];
        for &(tokens, logprob, failed) in table {
            let heard = Decoded { words: Vec::new(), tokens, logprob };
            assert_eq!(heard.failed(), failed, "{tokens} tokens, {logprob}");
        }
    }
}
