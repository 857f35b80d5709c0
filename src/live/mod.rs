//! Live mode: a call checked while it goes on.
//!
//! The pipeline, stage by stage, joined by bounded channels:
//! a source (microphone, a recording replayed at its own pace, raw PCM on
//! standard input) sends 16 kHz blocks per party → the recognition thread
//! ([`recognise`]) detects speech and commits words → the judge task feeds
//! them to the rule engine and stamps each event with the pipeline clock →
//! a sink (the operator's screen or JSON lines) shows them.
//!
//! The clock ([`Clock`]) starts when the first sample enters the pipeline
//! and runs with the audio (scaled by `--speed` for replays), so an
//! event's latency is `emitted_at - end`.

pub mod recognise;
pub mod screen;
pub mod segmenter;
pub mod source;

use std::sync::{Arc, OnceLock};

use serde::Serialize;
use tokio::sync::mpsc;
use tokio::time::Instant;

use sufler_core::call::{CallMeta, Parties, Speaker, Word};
use sufler_core::engine::{Engine, Event};
use sufler_core::redact;
use sufler_core::rules::RuleSet;
use sufler_core::text::Lang;
use sufler_core::transcript::TimedWord;

/// Blocks of audio the recogniser may fall behind by before a source must
/// drop some (with blocks of 100 ms: a minute).
pub const AUDIO_QUEUE: usize = 600;

/// Lag above this is announced (and again when it falls back under it).
pub const LAG_NOTICE_S: f64 = 3.0;

/// The lag is also reported this often (seconds of audio), as a heartbeat.
pub const LAG_REPORT_S: f64 = 10.0;

/// Audio of one party at 16 kHz, from sample `at` of its stream on.
#[derive(Debug, Clone)]
pub struct Block {
    pub speaker: Speaker,
    pub at: usize,
    pub samples: Vec<f32>,
}

/// What the recognition stage tells the judge.
#[derive(Debug)]
pub enum Heard {
    /// Words committed, in order; the first may start an utterance, and
    /// the last may end one.
    Words { speaker: Speaker, words: Vec<TimedWord<'static>>, utterance_start: bool, utterance_end: bool },
    /// Every word before `committed_until` has been sent; the oldest
    /// speech not yet recognised is `lag` seconds behind the audio's `now`.
    Progress { now: f64, committed_until: f64, lag: f64 },
    /// An utterance not recognised: the backlog grew too long.
    Skipped { speaker: Speaker, start: f64, end: f64 },
}

/// Pipeline news that is not a rule event, as written in JSON lines.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Notice {
    /// Recognition is `seconds` behind the audio (sent when it crosses
    /// [`LAG_NOTICE_S`], both ways, and every [`LAG_REPORT_S`] of audio).
    Lag {
        seconds: f64,
        emitted_at: f64,
    },
    Skipped {
        speaker: Speaker,
        start: f64,
        end: f64,
        emitted_at: f64,
    },
    /// The operator started a new call; the checklist starts afresh.
    NewCall {
        call: String,
        emitted_at: f64,
    },
}

/// What the sinks get.
#[derive(Debug, Clone, PartialEq)]
pub enum Update {
    /// An event, and when it left the pipeline.
    Event {
        event: Event,
        emitted_at: f64,
    },
    Notice(Notice),
    /// Words committed, the first of them starting an utterance when
    /// `utterance_start` (the voice detector's, not a guess from pauses);
    /// `guessed` when they were heard in a failed decoding.
    Words {
        speaker: Speaker,
        start: f64,
        end: f64,
        text: String,
        utterance_start: bool,
        guessed: bool,
    },
    Lag(f64),
}

/// What the operator can ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    NewCall,
}

/// Seconds since the first sample entered the pipeline, in audio time.
#[derive(Debug, Clone)]
pub struct Clock {
    origin: Arc<OnceLock<Instant>>,
    speed: f64,
}

impl Clock {
    pub fn new(speed: f64) -> Clock {
        Clock { origin: Arc::new(OnceLock::new()), speed }
    }

    /// Marks the first sample; later calls change nothing.
    pub fn start(&self) {
        self.origin.get_or_init(Instant::now);
    }

    pub fn now(&self) -> f64 {
        self.origin.get().map_or(0.0, |o| o.elapsed().as_secs_f64() * self.speed)
    }
}

/// The judge: committed words through the rule engine, events stamped and
/// passed on. Ends with the call's summary when the recogniser is done.
pub async fn judge(
    rules: Arc<RuleSet>,
    call: CallMeta,
    redact: bool,
    mut heard: mpsc::Receiver<Heard>,
    mut control: mpsc::Receiver<Control>,
    out: mpsc::Sender<Update>,
    clock: Clock,
) {
    let mut redactor = redact.then(|| Redactor::new(rules.lang));
    let mut calls = 1;
    let mut engine = call_engine(&rules, call.clone());
    let mut lagging = false;
    let mut control_open = true;
    let mut now = 0.0;
    let mut reported = 0.0;
    loop {
        let mut updates = Vec::new();
        tokio::select! {
            h = heard.recv() => match h {
                None => break,
                Some(Heard::Words { speaker, words, utterance_start, utterance_end }) => {
                    let (words, utterance_start) = match &mut redactor {
                        Some(r) => r.pass(speaker, words, utterance_start, utterance_end),
                        None => (words, utterance_start),
                    };
                    for (i, w) in words.iter().enumerate() {
                        engine.push(&Word {
                            speaker,
                            start: w.start,
                            end: w.end,
                            text: w.text.clone(),
                            confidence: w.confidence,
                            guessed: w.guessed,
                            utterance_start: utterance_start && i == 0,
                        });
                    }
                    if utterance_end {
                        engine.end_utterance(speaker);
                    }
                    if let (Some(first), Some(last)) = (words.first(), words.last()) {
                        let text = words.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>().join(" ");
                        let guessed = words.iter().any(|w| w.guessed);
                        updates.push(Update::Words { speaker, start: first.start, end: last.end, text, utterance_start, guessed });
                    }
                }
                Some(Heard::Progress { now: heard_now, committed_until, lag }) => {
                    now = heard_now;
                    engine.advance(committed_until);
                    if (lag > LAG_NOTICE_S) != lagging || now >= reported + LAG_REPORT_S {
                        lagging = lag > LAG_NOTICE_S;
                        reported = now;
                        updates.push(Update::Notice(Notice::Lag { seconds: lag, emitted_at: clock.now() }));
                    }
                    updates.push(Update::Lag(lag));
                }
                Some(Heard::Skipped { speaker, start, end }) => {
                    updates.push(Update::Notice(Notice::Skipped { speaker, start, end, emitted_at: clock.now() }));
                }
            },
            c = control.recv(), if control_open => match c {
                None => control_open = false,
                Some(Control::NewCall) => {
                    engine.finish(Some(now));
                    updates.extend(stamped(engine.take_events(), clock.now()));
                    calls += 1;
                    let next = CallMeta { id: format!("{}#{calls}", call.id), ..call.clone() };
                    engine = call_engine(&rules, next.clone());
                    updates.push(Update::Notice(Notice::NewCall { call: next.id, emitted_at: clock.now() }));
                }
            },
        }
        if send(&out, updates, &mut engine, &clock).await.is_err() {
            return;
        }
    }
    engine.finish(Some(now));
    let _ = send(&out, Vec::new(), &mut engine, &clock).await;
}

/// Takes card and phone numbers out of committed words before anything
/// sees them, holding back the last words of an utterance while they may
/// still be the start of one (a number read in pieces).
struct Redactor {
    lang: Lang,
    held: Parties<Vec<TimedWord<'static>>>,
    /// Whether the first word held starts its utterance.
    starts: Parties<bool>,
}

impl Redactor {
    fn new(lang: Lang) -> Redactor {
        Redactor { lang, held: Parties::default(), starts: Parties::default() }
    }

    /// The words to pass on now, and whether the first of them starts an utterance.
    fn pass(&mut self, speaker: Speaker, words: Vec<TimedWord<'static>>, utterance_start: bool, utterance_end: bool) -> (Vec<TimedWord<'static>>, bool) {
        let held = &mut self.held[speaker];
        if held.is_empty() {
            self.starts[speaker] = utterance_start;
        }
        held.extend(words);
        redact::words(self.lang, held);
        let keep = if utterance_end { 0 } else { redact::pending(self.lang, held) };
        let out: Vec<TimedWord<'static>> = held.drain(..held.len() - keep).collect();
        let starts = !out.is_empty() && std::mem::take(&mut self.starts[speaker]);
        (out, starts)
    }
}

/// The rule engine for one call heard live: utterances are marked by the
/// voice detector, and phrases a correction may excuse are flagged at once.
fn call_engine(rules: &RuleSet, call: CallMeta) -> Engine<'_> {
    Engine::new(rules, call).with_marked_utterances().with_early_flags()
}

async fn send(out: &mpsc::Sender<Update>, updates: Vec<Update>, engine: &mut Engine<'_>, clock: &Clock) -> Result<(), mpsc::error::SendError<Update>> {
    for u in updates.into_iter().chain(stamped(engine.take_events(), clock.now())) {
        out.send(u).await?;
    }
    Ok(())
}

fn stamped(events: Vec<Event>, emitted_at: f64) -> impl Iterator<Item = Update> {
    events.into_iter().map(move |event| Update::Event { event, emitted_at })
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::time::Duration;

    use super::*;
    use sufler_core::rules::{Source, Vars};
    use sufler_core::text::Lang;

    const RULES: &str = r#"
[[rule]]
id = "vy-dolzhny"
category = "banned"
kind = "banned"
message = "«Вы должны»"
suggest = "Вам нужно"
phrases = ["вы должны"]

[[rule]]
id = "ne-znayu"
category = "banned"
kind = "banned"
message = "«Не знаю»"
suggest = "Уточню и вернусь к вам"
phrases = ["не знаю"]
unless_near = { words = 4, phrases = ["уточню"] }
"#;

    fn words(text: &str, start: f64) -> Vec<TimedWord<'static>> {
        text.split(' ')
            .enumerate()
            .map(|(i, w)| {
                let s = start + 0.3 * i as f64;
                TimedWord { start: s, end: s + 0.25, text: Cow::Owned(w.to_string()), confidence: None, guessed: false }
            })
            .collect()
    }

    fn heard(text: &str, start: f64, utterance_end: bool) -> Heard {
        let words = if text.is_empty() { Vec::new() } else { words(text, start) };
        Heard::Words { speaker: Speaker::Operator, words, utterance_start: false, utterance_end }
    }

    /// Updates as short strings: `words вы должны`, `violation vy-dolzhny @3.0`, `lag 4.0 @5.0`.
    fn brief(u: &Update) -> String {
        match u {
            Update::Event { event: Event::Violation(f), emitted_at } => format!("violation {} @{emitted_at:.1}", f.at.rule),
            Update::Event { event: Event::Withdrawn(f), emitted_at } => format!("withdrawn {} @{emitted_at:.1}", f.at.rule),
            Update::Event { event: Event::CallSummary(s), .. } => format!("summary {}", s.violations),
            Update::Event { event, .. } => format!("{event:?}"),
            Update::Notice(Notice::Lag { seconds, emitted_at }) => format!("lag {seconds:.1} @{emitted_at:.1}"),
            Update::Notice(n) => format!("{n:?}"),
            Update::Words { text, .. } => format!("words {text}"),
            Update::Lag(l) => format!("lag {l:.1}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn events_leave_when_decided_stamped_with_the_pipeline_clock() {
        let source = Source { path: "t.toml".into(), text: RULES.into() };
        let rules = Arc::new(RuleSet::from_sources(&[source], Some(Lang::Ru), &Vars::new()).unwrap());
        let (tx, rx) = mpsc::channel(16);
        let (_control, control_rx) = mpsc::channel(1);
        let (out_tx, mut out) = mpsc::channel(64);
        let clock = Clock::new(1.0);
        clock.start();
        tokio::spawn(judge(rules, "call".into(), true, rx, control_rx, out_tx, clock));
        // (seconds to wait, what the recogniser says, what comes out)
        let steps: Vec<(u64, Heard, Vec<&str>)> = vec![
            (3, heard("Вы должны", 1.0, false), vec!["words Вы должны", "violation vy-dolzhny @3.0"]),
            // A hit that a correction may still excuse is shown at once ...
            (1, heard("я не знаю", 2.0, false), vec!["words я не знаю", "violation ne-znayu @4.0"]),
            (1, heard("", 0.0, true), vec![]),
            // ... and withdrawn when the correction comes.
            (1, heard("не знаю сейчас уточню", 4.0, true), vec!["words не знаю сейчас уточню", "violation ne-znayu @6.0", "withdrawn ne-znayu @6.0"]),
            (1, Heard::Progress { now: 10.0, committed_until: 6.0, lag: 4.0 }, vec!["lag 4.0 @7.0", "lag 4.0"]),
            (0, Heard::Progress { now: 10.5, committed_until: 6.0, lag: 4.5 }, vec!["lag 4.5"]),
            (1, Heard::Progress { now: 11.0, committed_until: 10.0, lag: 1.0 }, vec!["lag 1.0 @8.0", "lag 1.0"]),
        ];
        for (wait, h, want) in steps {
            tokio::time::sleep(Duration::from_secs(wait)).await;
            tx.send(h).await.unwrap();
            let mut got = Vec::new();
            for _ in 0..want.len() {
                got.push(brief(&out.recv().await.unwrap()));
            }
            assert_eq!(got, want);
        }
        drop(tx);
        assert_eq!(brief(&out.recv().await.unwrap()), "summary 2");
        assert!(out.recv().await.is_none());
    }

    #[tokio::test(start_paused = true)]
    async fn a_card_number_committed_in_pieces_never_leaves_the_judge() {
        let source = Source { path: "t.toml".into(), text: RULES.into() };
        let rules = Arc::new(RuleSet::from_sources(&[source], Some(Lang::Ru), &Vars::new()).unwrap());
        let (tx, rx) = mpsc::channel(16);
        let (_control, control_rx) = mpsc::channel(1);
        let (out_tx, mut out) = mpsc::channel(64);
        tokio::spawn(judge(rules, "call".into(), true, rx, control_rx, out_tx, Clock::new(1.0)));
        // The number's first group waits for the rest, then goes as one word.
        let steps: Vec<(Heard, Vec<&str>)> = vec![
            (heard("записывайте номер карты 4111", 1.0, false), vec!["words записывайте номер"]),
            (heard("1111 1111", 3.0, false), vec![]),
            (heard("1111 спасибо", 4.0, true), vec!["words карты [карта] спасибо"]),
        ];
        for (h, want) in steps {
            tx.send(h).await.unwrap();
            tokio::time::sleep(Duration::from_millis(10)).await;
            let mut got = Vec::new();
            while let Ok(u) = out.try_recv() {
                got.push(brief(&u));
            }
            assert_eq!(got, want);
        }
    }
}
