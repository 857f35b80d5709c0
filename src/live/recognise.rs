//! The recognition stage of the live pipeline: audio blocks in, committed
//! words and progress out.
//!
//! One thread owns the voice detector and Whisper (whisper.cpp's threads
//! spin while they wait, so two recognisers on a small machine slow each
//! other down many times over), for one call (`live`) or many (`serve`).
//! Each turn of its loop takes all the audio that has arrived for every
//! call, runs voice detection on it, and makes one Whisper pass, chosen
//! in this order:
//! 1. a finished utterance, the one that has waited longest over all
//!    calls: its words not yet committed are committed;
//! 2. an utterance still going on, at least [`FIRST_GLIMPSE_S`] long, that
//!    has grown by [`STEP_S`] since its last pass: it is transcribed from
//!    its start, and the words on which this pass and the one before agree
//!    are committed (LocalAgreement-2, as in whisper_streaming), but not
//!    the last word nor one ending within [`EDGE_S`] of the clip's end,
//!    which the clip may have cut; so a phrase inside a long turn is
//!    flagged without waiting for the turn to end.
//!
//! Backlog: when recognition falls behind, incremental passes (of every
//! call) stop until the finished utterances are done. If a call's oldest
//! speech waiting is more than [`MAX_LAG_S`] old, its oldest finished
//! utterances are skipped (and reported) until it is not: the audio kept,
//! and so memory, stays bounded, and the operator keeps getting prompts
//! about the present.

use std::collections::VecDeque;
use std::ops::Range;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::mpsc;

use super::segmenter::{Cut, Segmenter};
use super::{Block, Heard};
use crate::error::Result;
use sufler_core::call::Speaker;
use sufler_core::text::Normalizer;
use sufler_core::transcript::TimedWord;
use sufler_hear::asr::{Session, VAD_WINDOW};
use sufler_hear::audio::RATE;

/// An utterance still going on is transcribed again when it has grown by
/// this much (a word is committed at the second pass that hears it).
pub const STEP_S: f64 = 0.3;

/// An utterance gets its first incremental pass once it is this long. On
/// half a second of phone audio Whisper guesses, and two guesses can agree
/// («Аллама. Слушаю, бать.»); from a second on, with [`EDGE_S`] and the
/// last word held back, the agreed words were the batch ones (1.5 s cost
/// utterance-initial phrases half a second); an utterance shorter than
/// this is recognised whole once it ends.
pub const FIRST_GLIMPSE_S: f64 = 1.0;

/// A word ending this close to the end of a growing clip is not committed.
pub const EDGE_S: f64 = 0.4;

/// The oldest speech waiting for recognition is skipped beyond this age.
pub const MAX_LAG_S: f64 = 20.0;

/// Voice detection runs on this many new windows at once (128 ms), each
/// time with [`VAD_CONTEXT`] windows before them: Silero starts afresh on
/// every call and needs a little audio to settle.
const VAD_BATCH: usize = 4;
const VAD_CONTEXT: usize = 16;

fn seconds(samples: usize) -> f64 {
    samples as f64 / f64::from(RATE)
}

fn samples(seconds: f64) -> usize {
    (seconds * f64::from(RATE)) as usize
}

#[derive(Debug)]
struct Utterance {
    start: usize,
    /// `None` while it goes on.
    end: Option<usize>,
    /// The last pass's words, for agreement with the next.
    hypothesis: Vec<TimedWord<'static>>,
    committed: Vec<TimedWord<'static>>,
    /// Audio covered by the last pass, up to this sample.
    passed: usize,
}

impl Utterance {
    fn new(start: usize) -> Utterance {
        Utterance { start, end: None, hypothesis: Vec::new(), committed: Vec::new(), passed: start }
    }
}

/// One party's stream.
#[derive(Debug)]
struct Track {
    speaker: Speaker,
    /// Audio from sample `base` on.
    audio: Vec<f32>,
    base: usize,
    segmenter: Segmenter,
    open: Option<Utterance>,
    finished: VecDeque<Utterance>,
    first_speech: Option<usize>,
}

impl Track {
    fn new(speaker: Speaker, threshold: f32) -> Track {
        Track { speaker, audio: Vec::new(), base: 0, segmenter: Segmenter::new(threshold), open: None, finished: VecDeque::new(), first_speech: None }
    }

    fn received(&self) -> usize {
        self.base + self.audio.len()
    }

    fn clip(&self, start: usize, end: usize) -> &[f32] {
        let a = start.saturating_sub(self.base).min(self.audio.len());
        let b = end.saturating_sub(self.base).clamp(a, self.audio.len());
        &self.audio[a..b]
    }

    /// Speech not yet recognised begins here (or, with none, the voice
    /// detector has got this far).
    fn recognised_until(&self) -> usize {
        match (self.finished.front(), &self.open) {
            (Some(u), _) => u.start,
            (None, Some(u)) => u.passed,
            (None, None) => self.segmenter.position(),
        }
    }

    /// Every word before this time has been committed.
    fn committed_until(&self) -> f64 {
        let pending = |u: &Utterance| u.committed.last().map_or(seconds(u.start), |w| w.end);
        match (self.finished.front(), &self.open) {
            (Some(u), _) | (None, Some(u)) => pending(u),
            (None, None) => seconds(self.segmenter.position()),
        }
    }

    fn cut(&mut self, cut: Cut) {
        let close = |open: &mut Option<Utterance>, finished: &mut VecDeque<Utterance>, at: usize| {
            if let Some(mut u) = open.take() {
                u.end = Some(at.max(u.start));
                finished.push_back(u);
            }
        };
        match cut {
            Cut::Start(at) => {
                self.first_speech.get_or_insert(at);
                self.open = Some(Utterance::new(at));
            }
            Cut::End(at) => close(&mut self.open, &mut self.finished, at),
            Cut::Split(at) => {
                close(&mut self.open, &mut self.finished, at);
                self.open = Some(Utterance::new(at));
            }
        }
    }

    /// Runs voice detection on the whole windows that have arrived (all of
    /// them at the end of the stream).
    fn detect(&mut self, session: &mut Session, ended: bool) -> Result<()> {
        loop {
            let done = self.segmenter.position();
            let new = (self.received() - done) / VAD_WINDOW;
            if new == 0 || (new < VAD_BATCH && !ended) {
                break;
            }
            let take = new.min(VAD_BATCH * 8);
            let context = VAD_CONTEXT.min((done - self.base) / VAD_WINDOW);
            let probs = session.speech_probabilities(self.clip(done - context * VAD_WINDOW, done + take * VAD_WINDOW))?;
            for &p in probs.iter().skip(context).take(take) {
                if let Some(cut) = self.segmenter.push(p) {
                    self.cut(cut);
                }
            }
        }
        if ended && let Some(cut) = self.segmenter.finish() {
            self.cut(cut);
        }
        Ok(())
    }

    /// Forgets audio nothing will read again.
    fn trim(&mut self) {
        let vad = self.segmenter.position().saturating_sub(VAD_CONTEXT * VAD_WINDOW);
        let keep = self.finished.front().or(self.open.as_ref()).map_or(vad, |u| u.start.min(vad));
        if keep > self.base + RATE as usize {
            self.audio.drain(..keep - self.base);
            self.base = keep;
        }
    }
}

/// The words of `new` that `old` did not already have: those after their
/// common beginning (compared as normalised words) when `old` is all
/// there, else those that lie mostly after `old`'s last word (word times
/// from passes over clips of different lengths differ by a few tenths).
fn fresh(old: &[TimedWord<'_>], new: &[TimedWord<'_>], norm: &Normalizer) -> usize {
    let agreed = agreement(old, new, norm);
    if agreed == old.len() {
        return agreed;
    }
    let end = old.last().map_or(f64::NEG_INFINITY, |w| w.end);
    new.iter().position(|w| (w.start + w.end) / 2.0 >= end).unwrap_or(new.len())
}

/// Which words of a pass over an utterance still going on to commit: those
/// on which it agrees with the pass before, but for its last word and any
/// word ending after `until` (the clip may cut a word short, and Whisper
/// then guesses: «компании» for «компания Ром…»), that the words already
/// committed do not cover (see [`fresh`]: when this pass hears the
/// committed words otherwise, by time).
fn confirmed(committed: &[TimedWord<'_>], before: &[TimedWord<'_>], now: &[TimedWord<'_>], until: f64, norm: &Normalizer) -> Range<usize> {
    let agreed = agreement(before, now, norm).min(now.len().saturating_sub(1));
    let agreed = now[..agreed].iter().take_while(|w| w.end <= until).count();
    fresh(committed, now, norm).min(agreed)..agreed
}

/// How many words two passes agree on from the start.
fn agreement(a: &[TimedWord<'_>], b: &[TimedWord<'_>], norm: &Normalizer) -> usize {
    let key = |w: &TimedWord<'_>| norm.tokens(&w.text).into_iter().map(|t| t.surface).collect::<Vec<_>>();
    a.iter().zip(b).take_while(|(x, y)| key(x) == key(y)).count()
}

/// Recognition shared by calls: one thread, one Whisper state and voice
/// detector, taking turns among the calls' streams (see the module's
/// docs for the order). Calls are opened with [`Recogniser::open`]; the
/// thread ends once this handle is dropped and every call has ended.
pub struct Recogniser {
    streams: std::sync::mpsc::Sender<Stream>,
    wake: mpsc::Sender<()>,
    thread: std::thread::JoinHandle<Result<()>>,
    passes: Arc<AtomicU64>,
    /// The voice detector's threshold, the model's.
    threshold: f32,
}

/// A call's audio into the [`Recogniser`]: the call's stream ends when
/// this is dropped.
#[derive(Debug)]
pub struct Feed {
    audio: Option<mpsc::Sender<Block>>,
    wake: mpsc::Sender<()>,
}

impl Feed {
    /// Passes a block on without waiting: a full queue (recognition far
    /// behind) gives the block back.
    pub fn try_send(&self, block: Block) -> std::result::Result<(), mpsc::error::TrySendError<Block>> {
        let sent = self.audio.as_ref().expect("open until dropped").try_send(block);
        let _ = self.wake.try_send(());
        sent
    }

    /// Whether the recogniser has let the call go (it is shutting down).
    pub fn is_closed(&self) -> bool {
        self.audio.as_ref().is_none_or(mpsc::Sender::is_closed)
    }
}

impl Drop for Feed {
    fn drop(&mut self) {
        // The audio's end first, then the news of it.
        drop(self.audio.take());
        let _ = self.wake.try_send(());
    }
}

impl Recogniser {
    pub fn start(session: Session) -> Recogniser {
        let (streams, new) = std::sync::mpsc::channel();
        let (wake, woken) = mpsc::channel(1);
        let threshold = session.model().vad_threshold();
        let passes = Arc::new(AtomicU64::new(0));
        let counted = passes.clone();
        let thread =
            std::thread::Builder::new().name("recognition".into()).spawn(move || schedule(session, new, woken, &counted)).expect("a thread for recognition");
        Recogniser { streams, wake, thread, passes, threshold }
    }

    /// The recognition thread has ended: only after [`Recogniser::join`]
    /// began, or when Whisper failed.
    pub fn has_stopped(&self) -> bool {
        self.thread.is_finished()
    }

    /// Whisper passes made so far, counted as they are made.
    pub fn passes(&self) -> Arc<AtomicU64> {
        self.passes.clone()
    }

    /// A new call whose parties are `speakers`: its audio goes into the
    /// feed, and what is heard comes out on `heard`.
    pub fn open(&self, speakers: &[Speaker], heard: mpsc::Sender<Heard>) -> Feed {
        let (audio, blocks) = mpsc::channel(super::AUDIO_QUEUE);
        let stream =
            Stream { tracks: speakers.iter().map(|&s| Track::new(s, self.threshold)).collect(), audio: blocks, out: heard, ended: false, reported: None };
        let feed = Feed { audio: Some(audio), wake: self.wake.clone() };
        if self.streams.send(stream).is_ok() {
            let _ = self.wake.try_send(());
        }
        feed
    }

    /// Waits for the calls opened to end; an error is Whisper's.
    pub fn join(self) -> Result<()> {
        let Recogniser { streams, wake, thread, .. } = self;
        drop(streams);
        drop(wake);
        thread.join().map_err(|_| crate::error::Error::Thread("recognition"))?
    }
}

/// One call's streams, as the recogniser holds them.
#[derive(Debug)]
struct Stream {
    tracks: Vec<Track>,
    audio: mpsc::Receiver<Block>,
    out: mpsc::Sender<Heard>,
    ended: bool,
    /// What the last progress report said, not said again.
    reported: Option<(usize, f64, usize)>,
}

impl Stream {
    /// Takes the audio that has come; notes the stream's end.
    fn take(&mut self) {
        loop {
            match self.audio.try_recv() {
                Ok(block) => take(&mut self.tracks, block),
                Err(mpsc::error::TryRecvError::Empty) => break,
                Err(mpsc::error::TryRecvError::Disconnected) => {
                    self.ended = true;
                    break;
                }
            }
        }
    }

    fn received(&self) -> usize {
        self.tracks.iter().map(Track::received).max().unwrap_or(0)
    }

    /// Voice detection on what came; the backlog beyond [`MAX_LAG_S`]
    /// skipped. False when the call's results are no longer wanted.
    fn prepare(&mut self, session: &mut Session) -> Result<bool> {
        for t in &mut self.tracks {
            t.detect(session, self.ended)?;
        }
        let now = self.received();
        for (speaker, start, end) in skip_backlog(&mut self.tracks, now) {
            if self.out.blocking_send(Heard::Skipped { speaker, start, end }).is_err() {
                return Ok(false);
            }
        }
        Ok(true)
    }

    /// How long the oldest finished utterance has waited (samples), if any.
    fn finished(&self) -> Option<(usize, usize)> {
        let now = self.received();
        self.tracks.iter().enumerate().filter_map(|(i, t)| t.finished.front().map(|u| (now.saturating_sub(u.start), i))).max()
    }

    /// The utterance going on that has waited longest for a look, if one is due.
    fn growing(&self) -> Option<(usize, usize)> {
        if self.ended {
            return None;
        }
        self.tracks.iter().enumerate().filter_map(|(i, t)| t.open.as_ref().filter(|u| due(u, t.received())).map(|u| (t.received() - u.passed, i))).max()
    }

    /// Forgets audio nothing will read again and tells where recognition
    /// stands. False when the call's results are no longer wanted.
    fn report(&mut self) -> bool {
        for t in &mut self.tracks {
            t.trim();
        }
        let now = self.received();
        let committed_until = self.tracks.iter().map(Track::committed_until).fold(seconds(now), f64::min);
        let recognised = self.tracks.iter().map(Track::recognised_until).min().unwrap_or(now).min(now);
        // Calls with nothing new (another call's audio woke the thread) say nothing.
        if self.reported.replace((now, committed_until, recognised)) == Some((now, committed_until, recognised)) {
            return true;
        }
        let heard = Heard::Progress { now: seconds(now), committed_until, lag: seconds(now - recognised) };
        self.out.blocking_send(heard).is_ok()
    }

    /// The stream ended and everything in it has been heard.
    fn done(&self) -> bool {
        self.ended && self.tracks.iter().all(|t| t.open.is_none() && t.finished.is_empty())
    }
}

/// The recognition thread: turns among the calls until every call has
/// ended and no new one can come.
fn schedule(mut session: Session, new: std::sync::mpsc::Receiver<Stream>, mut woken: mpsc::Receiver<()>, passes: &AtomicU64) -> Result<()> {
    let norm = Normalizer::new(session.model().lang());
    let mut streams: Vec<Stream> = Vec::new();
    let mut accepting = true;
    let mut busy = true;
    loop {
        // Wait for audio only when there is nothing else to do.
        if !busy && woken.blocking_recv().is_none() && streams.is_empty() {
            return Ok(());
        }
        while accepting {
            match new.try_recv() {
                Ok(s) => streams.push(s),
                Err(std::sync::mpsc::TryRecvError::Empty) => break,
                Err(std::sync::mpsc::TryRecvError::Disconnected) => accepting = false,
            }
        }
        let mut wanted = Vec::with_capacity(streams.len());
        for s in &mut streams {
            s.take();
            wanted.push(s.prepare(&mut session)?);
        }
        // Finished utterances first, the one waiting longest; then, when
        // none waits anywhere, a look at an utterance going on.
        let finished = streams.iter().enumerate().filter_map(|(k, s)| s.finished().map(|(age, i)| (age, k, i))).max();
        let growing = || streams.iter().enumerate().filter_map(|(k, s)| s.growing().map(|(age, i)| (age, k, i))).max();
        let chosen = match finished {
            Some((_, k, i)) => Some((k, i, true)),
            None => growing().map(|(_, k, i)| (k, i, false)),
        };
        if let Some((k, i, last)) = chosen {
            passes.fetch_add(1, Ordering::Relaxed);
            let s = &mut streams[k];
            wanted[k] &= pass(&mut session, &mut s.tracks[i], last, &norm, &s.out)?;
        }
        for (s, wanted) in streams.iter_mut().zip(&mut wanted) {
            *wanted &= s.report();
        }
        // A call whose results nobody reads is let go: its feed sees it closed.
        let mut wanted = wanted.into_iter();
        streams.retain(|s| wanted.next().expect("one per stream") && !s.done());
        busy = chosen.is_some();
        if !accepting && streams.is_empty() {
            return Ok(());
        }
    }
}

/// Appends a block to its party's audio; blocks a full queue dropped are
/// silence, so that times stay true.
fn take(tracks: &mut [Track], block: Block) {
    if let Some(t) = tracks.iter_mut().find(|t| t.speaker == block.speaker) {
        let received = t.received();
        if block.at > received {
            t.audio.resize(t.audio.len() + block.at - received, 0.0);
        }
        let overlap = received.saturating_sub(block.at).min(block.samples.len());
        t.audio.extend_from_slice(&block.samples[overlap..]);
    }
}

/// Skips the oldest finished utterances while the oldest speech waiting is
/// older than [`MAX_LAG_S`]; returns what was skipped, in seconds.
fn skip_backlog(tracks: &mut [Track], now: usize) -> Vec<(Speaker, f64, f64)> {
    let mut skipped = Vec::new();
    loop {
        let oldest = tracks.iter_mut().filter(|t| !t.finished.is_empty()).min_by_key(|t| t.finished[0].start);
        let Some(t) = oldest else { break };
        if seconds(now - t.finished[0].start.min(now)) <= MAX_LAG_S {
            break;
        }
        let u = t.finished.pop_front().expect("not empty");
        skipped.push((t.speaker, seconds(u.start), seconds(u.end.unwrap_or(now))));
    }
    skipped
}

/// Whether an utterance still going on is due for an incremental pass,
/// with audio received up to `received`.
fn due(u: &Utterance, received: usize) -> bool {
    received - u.passed >= samples(STEP_S) && received - u.start >= samples(FIRST_GLIMPSE_S)
}

/// One Whisper pass over a track's oldest finished utterance (`last`) or
/// its utterance going on; false when the call's results are no longer wanted.
fn pass(session: &mut Session, t: &mut Track, last: bool, norm: &Normalizer, out: &mpsc::Sender<Heard>) -> Result<bool> {
    let received = t.received();
    let u = if last { t.finished.front() } else { t.open.as_ref() }.expect("chosen");
    let (start, end) = (u.start, u.end.unwrap_or(received));
    let prompt = t.first_speech.is_some_and(|f| sufler_hear::asr::prompted(t.speaker, seconds(start.saturating_sub(f))));
    let clip = t.clip(start, end);
    let words = if last { session.utterance(clip, seconds(start), prompt)? } else { session.glimpse(clip, seconds(start), prompt)? };
    let speaker = t.speaker;
    let (commit, utterance_start) = if last {
        let u = t.finished.pop_front().expect("chosen");
        let from = fresh(&u.committed, &words, norm);
        (words[from..].to_vec(), u.committed.is_empty())
    } else {
        let u = t.open.as_mut().expect("chosen");
        let commit = words[confirmed(&u.committed, &u.hypothesis, &words, seconds(end) - EDGE_S, norm)].to_vec();
        let first = u.committed.is_empty();
        u.committed.extend(commit.iter().cloned());
        u.hypothesis = words;
        u.passed = end;
        (commit, first)
    };
    if !commit.is_empty() || last {
        return Ok(out.blocking_send(Heard::Words { speaker, words: commit, utterance_start, utterance_end: last }).is_ok());
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;

    use super::*;
    use sufler_core::text::Lang;

    fn words(text: &str, start: f64) -> Vec<TimedWord<'static>> {
        text.split_whitespace()
            .enumerate()
            .map(|(i, w)| {
                let s = start + 0.5 * i as f64;
                TimedWord { start: s, end: s + 0.4, text: Cow::Owned(w.to_string()), confidence: None, guessed: false }
            })
            .collect()
    }

    #[test]
    fn dropped_blocks_become_silence() {
        let mut tracks = vec![Track::new(Speaker::Operator, 0.2)];
        let block = |speaker, at, value, n| Block { speaker, at, samples: vec![value; n] };
        take(&mut tracks, block(Speaker::Operator, 0, 1.0, 10));
        take(&mut tracks, block(Speaker::Operator, 20, 2.0, 10));
        take(&mut tracks, block(Speaker::Operator, 25, 3.0, 10));
        take(&mut tracks, block(Speaker::Client, 0, 4.0, 10));
        assert_eq!(tracks[0].audio, [vec![1.0; 10], vec![0.0; 10], vec![2.0; 10], vec![3.0; 5]].concat());
    }

    #[test]
    fn passes_agree_on_normalised_words() {
        let norm = Normalizer::new(Lang::Ru);
        // (earlier pass, later pass, words agreed)
        let table = [
            ("", "Здравствуйте, компания", 0),
            ("Здравствуйте, компания", "здравствуйте компания Ромашка", 2),
            ("Здравствуйте компания Рома", "Здравствуйте компания Ромашка", 2),
            ("Ещё всё", "еще все", 2),
            ("Вы должны", "Вы, должно быть", 1),
        ];
        for (a, b, n) in table {
            assert_eq!(agreement(&words(a, 0.0), &words(b, 0.0), &norm), n, "{a} / {b}");
        }
    }

    #[test]
    fn a_pass_commits_agreed_words_but_its_last() {
        let norm = Normalizer::new(Lang::Ru);
        // (committed, pass before, this pass, where its clip ends, words of
        // this pass to commit); words are 0.5 s apart, each 0.4 s long.
        let table = [
            ("", "", "Алло", 9.0, ""),
            ("", "Добрый вечер компании", "Добрый вечер, компании", 9.0, "Добрый вечер,"),
            ("Добрый вечер", "Добрый вечер компания", "Добрый вечер, компания Ромашка", 9.0, "компания"),
            ("Добрый вечер", "Добрый вечер компания Ромашка", "Добрый вечер компания Ромашка", 9.0, "компания"),
            // Heard otherwise than committed: what lies after it in time.
            ("Добрый вечер компании", "Добрый вечер компания Ромашка", "Добрый вечер компания Ромашка меня", 9.0, "Ромашка"),
            ("Я не", "Я не знаю", "Я не знаю где", 9.0, "знаю"),
            // «компании» ends at 1.4 s, 0.3 s before the clip does.
            ("", "Добрый вечер компании Ро", "Добрый вечер компании Ро", 1.7, "Добрый вечер"),
        ];
        for (committed, before, now, clip_end, want) in table {
            let now = words(now, 0.0);
            let got = &now[confirmed(&words(committed, 0.0), &words(before, 0.0), &now, clip_end - EDGE_S, &norm)];
            assert_eq!(got.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>().join(" "), want, "{committed} / {before}");
        }
    }

    #[test]
    fn a_final_pass_commits_only_what_was_not_committed() {
        let norm = Normalizer::new(Lang::Ru);
        // (committed, how much later it was heard, final pass, index of the first new word)
        let table = [
            ("", 0.0, "Я не знаю", 0),
            ("Я не", 0.0, "Я не знаю", 2),
            // The final pass heard the committed words differently: what
            // starts after them in time is new.
            ("Я нe", 0.0, "Ян не знаю", 2),
            ("Я не знаю", 0.0, "Я не знаю", 3),
            // «компании» was cut short; «Ромашка» began before its end.
            ("Добрый вечер компании", 0.2, "Добрый вечер компания Ромашка", 3),
        ];
        for (committed, later, last, n) in table {
            assert_eq!(fresh(&words(committed, later), &words(last, 0.0), &norm), n, "{committed} / {last}");
        }
    }

    #[test]
    fn an_utterance_going_on_is_looked_at_every_step_once_long_enough() {
        // (utterance start, last pass up to, audio received; seconds) → due
        let table =
            [(0.0, 0.0, 0.5, false), (0.0, 0.0, 0.9, false), (0.0, 0.0, 1.0, true), (10.0, 10.0, 11.1, true), (0.0, 1.0, 1.2, false), (0.0, 1.0, 1.3, true)];
        for (start, passed, received, want) in table {
            let u = Utterance { passed: samples(passed), ..Utterance::new(samples(start)) };
            assert_eq!(due(&u, samples(received)), want, "{start} {passed} {received}");
        }
    }
}
