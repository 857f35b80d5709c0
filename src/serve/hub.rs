//! The calls in progress: taken up to the limit, each a stream of the
//! shared recogniser with its own judge, and a follower that passes what
//! the call comes to on to the panels and writes the call's results when
//! it ends.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde::Serialize;
use tokio::sync::{Notify, mpsc, watch};

use sufler_core::call::{CallMeta, Speaker};
use sufler_core::engine::Event;
use sufler_core::rules::RuleSet;
use sufler_hear::audio::{RATE, Resampler};

use super::config::Config;
use super::log;
use super::panel::Panel;
use crate::live::recognise::{Feed, Recogniser};
use crate::live::{self, Block, Clock, Update};
use crate::report::{Utterance, deliver};

/// A party's audio this far behind the other's is brought level with
/// silence: a leg not connected yet, or gone, must not hold the rule
/// engine's clock back.
const LEVEL_S: f64 = 1.0;

/// Metadata announced for a call is kept this long for its audio to come ...
const ANNOUNCED_FOR: Duration = Duration::from_secs(120);
/// ... and this many calls' at most.
const ANNOUNCED_MAX: usize = 10_000;

/// Why a call was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the call limit ({0}) is reached")]
    Limit(usize),
    #[error("the server is shutting down")]
    ShuttingDown,
}

/// A call in progress, as `/calls` and `/metrics` show it.
#[derive(Debug, Clone, Serialize)]
pub struct InProgress {
    #[serde(flatten)]
    pub call: CallMeta,
    /// Unix time in milliseconds.
    pub started_at: u64,
    /// Seconds recognition is behind the call's audio.
    pub lag: f64,
}

/// Counters for `/metrics`.
#[derive(Debug, Default)]
pub struct Counters {
    pub calls: AtomicU64,
    pub refused_limit: AtomicU64,
    pub refused_shutting_down: AtomicU64,
    pub connections_closed: AtomicU64,
    pub blocks_dropped: AtomicU64,
    pub violations: AtomicU64,
    pub alerts: AtomicU64,
    /// The worst lag of any call, in milliseconds, since the last scrape.
    pub worst_lag_ms: AtomicU64,
}

/// What every connection and request shares.
pub struct Hub {
    pub config: Config,
    pub rules: Arc<RuleSet>,
    recogniser: Mutex<Option<Recogniser>>,
    calls: Mutex<BTreeMap<u64, InProgress>>,
    next: AtomicU64,
    pub panel: Panel,
    pub counters: Counters,
    /// Whisper passes made.
    pub passes: Arc<AtomicU64>,
    /// True once calls are no longer taken.
    stopping: watch::Sender<bool>,
    /// True once the calls in progress are to end now.
    ending: watch::Sender<bool>,
    /// A call's results were written.
    ended: Notify,
    /// Metadata a PBX gave for a call before its audio came, by call id.
    announced: Mutex<HashMap<String, (CallMeta, Instant)>>,
}

impl Hub {
    pub fn new(config: Config, rules: Arc<RuleSet>, recogniser: Recogniser) -> Hub {
        Hub {
            panel: Panel::new(&rules, !config.redact),
            config,
            rules,
            passes: recogniser.passes(),
            recogniser: Mutex::new(Some(recogniser)),
            calls: Mutex::new(BTreeMap::new()),
            next: AtomicU64::new(1),
            counters: Counters::default(),
            stopping: watch::channel(false).0,
            ending: watch::channel(false).0,
            ended: Notify::new(),
            announced: Mutex::new(HashMap::new()),
        }
    }

    /// Keeps metadata for a call whose audio is to come (the dialplan
    /// posts it before its AudioSocket connects).
    pub fn announce(&self, meta: CallMeta) {
        let mut announced = self.announced.lock().expect("announced");
        announced.retain(|_, (_, at)| at.elapsed() < ANNOUNCED_FOR);
        if announced.len() < ANNOUNCED_MAX {
            announced.insert(meta.id.clone(), (meta, Instant::now()));
        }
    }

    /// The metadata announced for a call, taken.
    pub fn take_meta(&self, id: &str) -> Option<CallMeta> {
        self.announced.lock().expect("announced").remove(id).filter(|(_, at)| at.elapsed() < ANNOUNCED_FOR).map(|(m, _)| m)
    }

    /// Takes a call whose parties are `speakers`, unless the limit is
    /// reached or the server is stopping.
    pub fn admit(self: &Arc<Hub>, call: CallMeta, speakers: &[Speaker]) -> Result<LiveCall, Refusal> {
        let mut calls = self.calls.lock().expect("calls");
        let refused = if *self.stopping.borrow() {
            Some(Refusal::ShuttingDown)
        } else if calls.len() >= self.config.max_calls {
            Some(Refusal::Limit(self.config.max_calls))
        } else {
            None
        };
        let recogniser = self.recogniser.lock().expect("recogniser");
        let Some(recogniser) = recogniser.as_ref().filter(|_| refused.is_none()) else {
            let refusal = refused.unwrap_or(Refusal::ShuttingDown);
            let counter = match refusal {
                Refusal::Limit(_) => &self.counters.refused_limit,
                Refusal::ShuttingDown => &self.counters.refused_shutting_down,
            };
            counter.fetch_add(1, Ordering::Relaxed);
            log::warn("call refused", serde_json::json!({ "call": call.id, "reason": refusal.to_string() }));
            return Err(refusal);
        };
        let (heard_tx, heard) = mpsc::channel(256);
        let feed = recogniser.open(speakers, heard_tx);
        let key = self.next.fetch_add(1, Ordering::Relaxed);
        let clock = Clock::new(1.0);
        let (update_tx, updates) = mpsc::channel(256);
        // Nobody starts a new call inside a served one: the PBX does.
        let (_, control) = mpsc::channel(1);
        tokio::spawn(live::judge(self.rules.clone(), call.clone(), self.config.redact, heard, control, update_tx, clock.clone()));
        let started_at = unix_ms();
        calls.insert(key, InProgress { call: call.clone(), started_at, lag: 0.0 });
        self.counters.calls.fetch_add(1, Ordering::Relaxed);
        self.panel.begin(key, &call, started_at);
        log::info("call started", serde_json::json!({ "call": call.id, "operator": call.operator, "parties": speakers }));
        tokio::spawn(follow(self.clone(), key, call, updates));
        let parties = speakers.iter().map(|&s| (s, Party::default())).collect();
        Ok(LiveCall { feed, clock, parties, hub: self.clone() })
    }

    pub fn in_progress(&self) -> Vec<InProgress> {
        self.calls.lock().expect("calls").values().cloned().collect()
    }

    /// Calls are no longer taken (listeners stop accepting).
    pub fn stop_taking(&self) {
        self.stopping.send_replace(true);
    }

    pub fn stopping(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// The calls in progress end now, as at a hang-up.
    pub fn end_calls(&self) {
        self.ending.send_replace(true);
    }

    pub fn ending(&self) -> watch::Receiver<bool> {
        self.ending.subscribe()
    }

    /// A connection closed for what it sent, or for a fault of its own.
    pub fn closed(&self, port: &str, peer: std::net::SocketAddr, reason: &str) {
        self.counters.connections_closed.fetch_add(1, Ordering::Relaxed);
        log::warn("connection closed", serde_json::json!({ "port": port, "peer": peer, "reason": reason }));
    }

    /// Waits until no call is in progress (every one's results written).
    pub async fn drained(&self) {
        loop {
            let ended = self.ended.notified();
            if self.calls.lock().expect("calls").is_empty() {
                return;
            }
            ended.await;
        }
    }

    /// Waits until recognition stops without being asked to (Whisper
    /// failed): no call can be heard any more.
    pub async fn recognition_failed(&self) {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
            if self.recogniser.lock().expect("recogniser").as_ref().is_some_and(Recogniser::has_stopped) {
                return;
            }
        }
    }

    /// The recogniser, to be joined once no call can come.
    pub fn take_recogniser(&self) -> Option<Recogniser> {
        self.recogniser.lock().expect("recogniser").take()
    }

    fn lag(&self, key: u64, lag: f64) {
        if let Some(c) = self.calls.lock().expect("calls").get_mut(&key) {
            c.lag = lag;
        }
        self.counters.worst_lag_ms.fetch_max((lag * 1000.0) as u64, Ordering::Relaxed);
    }

    fn finished(&self, key: u64) {
        self.calls.lock().expect("calls").remove(&key);
        self.ended.notify_waiters();
    }
}

/// A call's metadata from a stream's own fields (or a PBX's
/// announcement): `operator`, `team`, `call_id`, `start`; the others are
/// tags. The call is known by its `call_id` when given, else by `id`.
pub fn meta_from(id: String, call_id: Option<String>, mut fields: BTreeMap<String, String>) -> CallMeta {
    CallMeta {
        id: fields.get("call_id").cloned().unwrap_or(id),
        call_id: fields.remove("call_id").or(call_id),
        operator: fields.remove("operator"),
        team: fields.remove("team"),
        start: fields.remove("start"),
        tags: fields,
    }
}

/// Waits until a flag of the hub ([`Hub::stopping`], [`Hub::ending`]) is set.
pub async fn until(flag: &mut watch::Receiver<bool>) {
    // A flag whose hub is gone is as good as set.
    let _ = flag.wait_for(|set| *set).await;
}

pub fn unix_ms() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// One party's audio so far.
#[derive(Default)]
struct Party {
    resampler: Option<(u32, Resampler)>,
    /// Samples taken at the stream's rate.
    input: u64,
    /// 16 kHz samples sent.
    at: usize,
}

impl Party {
    /// Samples missing before a packet stamped `at_ms` (packets lost, a
    /// track muted), to be heard as silence; jitter below 100 ms is not a gap.
    fn gap(&self, rate: u32, at_ms: Option<u64>) -> usize {
        let gap = at_ms.map_or(0, |ms| (ms * u64::from(rate) / 1000).saturating_sub(self.input));
        if gap > u64::from(rate) / 10 { gap as usize } else { 0 }
    }
}

/// Silence for the parties more than [`LEVEL_S`] behind `speaker`, whose
/// audio reaches `until`: it brings them to half that behind.
fn level(parties: &mut [(Speaker, Party)], speaker: Speaker, until: usize) -> Vec<Block> {
    let level = (LEVEL_S * f64::from(RATE)) as usize;
    let mut silences = Vec::new();
    for (s, p) in parties {
        if *s != speaker && p.at + level < until {
            let added = until - level / 2 - p.at;
            silences.push(Block { speaker: *s, at: p.at, samples: vec![0.0; added] });
            p.at += added;
            if let Some((rate, _)) = &p.resampler {
                p.input += added as u64 * u64::from(*rate) / u64::from(RATE);
            }
        }
    }
    silences
}

/// A call taken: its parties' audio goes in here; dropping it ends the
/// call (its summary and results follow).
pub struct LiveCall {
    feed: Feed,
    clock: Clock,
    parties: Vec<(Speaker, Party)>,
    hub: Arc<Hub>,
}

/// The recogniser let the call go: the server is shutting down.
#[derive(Debug)]
pub struct Closed;

impl LiveCall {
    /// A party's samples at `rate`, following what came before, or from
    /// `at_ms` into the call when the stream says (the time between
    /// heard as silence). Another party's is not.
    pub fn push(&mut self, speaker: Speaker, rate: u32, samples: &[i16], at_ms: Option<u64>) -> Result<(), Closed> {
        self.clock.start();
        let Some(k) = self.parties.iter().position(|(s, _)| *s == speaker) else { return Ok(()) };
        let party = &mut self.parties[k].1;
        if party.resampler.as_ref().is_none_or(|(r, _)| *r != rate) {
            let resampler = Resampler::new(rate).map_err(|_| Closed)?;
            party.resampler = Some((rate, resampler));
            party.input = party.at as u64 * u64::from(rate) / u64::from(RATE);
        }
        let mut floats = vec![0.0; party.gap(rate, at_ms)];
        floats.extend(samples.iter().map(|&s| f32::from(s) / 32768.0));
        party.input += floats.len() as u64;
        let resampler = &mut party.resampler.as_mut().expect("set").1;
        let mut out = Vec::with_capacity(floats.len() * RATE as usize / rate as usize + 64);
        resampler.push(&floats, &mut out);
        let at = party.at;
        party.at += out.len();
        let until = party.at;
        self.send(Block { speaker, at, samples: out })?;
        level(&mut self.parties, speaker, until).into_iter().try_for_each(|b| self.send(b))
    }

    fn send(&self, block: Block) -> Result<(), Closed> {
        match self.feed.try_send(block) {
            Ok(()) => Ok(()),
            // Recognition far behind: the block is heard as silence.
            Err(mpsc::error::TrySendError::Full(_)) => {
                self.hub.counters.blocks_dropped.fetch_add(1, Ordering::Relaxed);
                Ok(())
            }
            Err(mpsc::error::TrySendError::Closed(_)) => Err(Closed),
        }
    }
}

/// Follows a call's updates: to the panels as they come, and into its
/// results file when it ends.
async fn follow(hub: Arc<Hub>, key: u64, call: CallMeta, mut updates: mpsc::Receiver<Update>) {
    let mut utterances: Vec<Utterance> = Vec::new();
    let mut events: Vec<(Event, f64)> = Vec::new();
    while let Some(update) = updates.recv().await {
        hub.panel.update(key, &call, &update);
        match update {
            Update::Event { event, emitted_at } => {
                let counter = match &event {
                    Event::Violation(_) => Some(&hub.counters.violations),
                    Event::Alert(_) => Some(&hub.counters.alerts),
                    _ => None,
                };
                if let Some(c) = counter {
                    c.fetch_add(1, Ordering::Relaxed);
                }
                if let Event::CallSummary(s) = &event {
                    log::info("call ended", serde_json::json!({ "call": call.id, "violations": s.violations, "alerts": s.alerts, "score": s.score }));
                }
                events.push((event, emitted_at));
            }
            Update::Words { speaker, start, end, text, utterance_start, guessed } => {
                join_words(&mut utterances, Utterance { speaker, start, end, text, guessed }, utterance_start)
            }
            Update::Lag(lag) => hub.lag(key, lag),
            Update::Notice(_) => {}
        }
    }
    if let Some(dir) = &hub.config.results {
        write_results(dir, &call, &utterances, &events, !hub.config.redact);
    }
    hub.panel.end(key);
    hub.finished(key);
}

/// Committed words join the utterance before them unless they start one.
/// A piece heard in a failed decoding makes its whole utterance guessed.
fn join_words(utterances: &mut Vec<Utterance>, words: Utterance, utterance_start: bool) {
    match utterances.last_mut() {
        Some(u) if u.speaker == words.speaker && !utterance_start => {
            u.end = words.end;
            u.text.push(' ');
            u.text.push_str(&words.text);
            u.guessed |= words.guessed;
        }
        _ => utterances.push(words),
    }
}

/// The call's records, as `check --results` writes a recording's, with
/// when each event left the pipeline: `DIR/<call id>.jsonl`.
fn write_results(dir: &std::path::Path, call: &CallMeta, utterances: &[Utterance], events: &[(Event, f64)], unredacted: bool) {
    let file = dir.join(format!("{}.jsonl", file_name(&call.id)));
    let written = crate::report::jsonl(unredacted, |out| {
        out.begin_call(call)?;
        out.transcript(call, utterances)?;
        for (e, emitted_at) in events {
            deliver(out, e, Some(*emitted_at))?;
        }
        Ok(())
    })
    .and_then(|bytes| crate::files::write_bytes(&file, &bytes));
    match written {
        Ok(()) => log::info("results written", serde_json::json!({ "call": call.id, "file": file })),
        Err(e) => log::error("results not written", serde_json::json!({ "call": call.id, "file": file, "reason": e.to_string() })),
    }
}

/// A call id as a file name: what is not a letter, digit, `-`, `_` or `.`
/// becomes `_`, and no name starts with a dot.
pub fn file_name(id: &str) -> String {
    let name: String = id.chars().map(|c| if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '_' }).collect();
    match name.strip_prefix('.') {
        Some(rest) => format!("_{rest}"),
        None if name.is_empty() => "_".into(),
        None => name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn call_ids_become_file_names_that_stay_in_the_folder() {
        let table = [
            ("CA5f3e", "CA5f3e"),
            ("8d9b3c1e-0f4a-4e7c-9a51-2b8f6f0e7d11", "8d9b3c1e-0f4a-4e7c-9a51-2b8f6f0e7d11"),
            ("../../etc/passwd", "_._.._etc_passwd"),
            (".hidden", "_hidden"),
            ("звонок 7", "звонок_7"),
            ("", "_"),
        ];
        for (id, want) in table {
            assert_eq!(file_name(id), want, "{id}");
        }
    }

    #[test]
    fn only_a_hole_in_the_timestamps_is_silence() {
        // (8 kHz samples taken, the packet's timestamp in ms, samples of silence before it)
        let table =
            [(0, Some(0), 0), (160, Some(20), 0), (160, Some(60), 0), (160, Some(140), 960), (8000, Some(900), 0), (8000, None, 0), (0, Some(5000), 40_000)];
        for (input, ms, want) in table {
            let party = Party { input, ..Party::default() };
            assert_eq!(party.gap(8000, ms), want, "{input} {ms:?}");
        }
    }

    #[test]
    fn a_party_far_behind_is_brought_level_with_silence() {
        let mut parties = vec![(Speaker::Operator, Party { at: 40_000, ..Party::default() }), (Speaker::Client, Party { at: 10_000, ..Party::default() })];
        // The client is 0.3 s behind the operator: nothing to do.
        assert!(level(&mut parties, Speaker::Operator, 14_800).is_empty());
        // 1.9 s behind: brought to half a second behind.
        let silences = level(&mut parties, Speaker::Operator, 40_000);
        assert_eq!(silences.iter().map(|b| (b.speaker, b.at, b.samples.len())).collect::<Vec<_>>(), [(Speaker::Client, 10_000, 22_000)]);
        assert_eq!(parties[1].1.at, 32_000);
        // The speaker itself never is.
        assert!(level(&mut parties, Speaker::Client, 90_000).iter().all(|b| b.speaker == Speaker::Operator));
    }

    #[test]
    fn words_committed_in_pieces_join_their_utterance() {
        let mut u = Vec::new();
        // (speaker, start, end, text, starts an utterance, guessed)
        let pieces = [
            (Speaker::Operator, 0.0, 1.0, "Здравствуйте,", true, false),
            (Speaker::Operator, 1.2, 2.0, "компания Ромашка", false, false),
            (Speaker::Client, 2.1, 3.0, "Добрый день", true, false),
            (Speaker::Operator, 3.5, 4.0, "Слушаю", true, false),
            (Speaker::Operator, 4.1, 5.0, "вас", true, false),
            (Speaker::Operator, 5.1, 6.0, "так всем", false, true),
        ];
        for (speaker, start, end, text, utterance_start, guessed) in pieces {
            join_words(&mut u, Utterance { speaker, start, end, text: text.into(), guessed }, utterance_start);
        }
        let got: Vec<(Speaker, &str, bool)> = u.iter().map(|u| (u.speaker, u.text.as_str(), u.guessed)).collect();
        assert_eq!(
            got,
            [
                (Speaker::Operator, "Здравствуйте, компания Ромашка", false),
                (Speaker::Client, "Добрый день", false),
                (Speaker::Operator, "Слушаю", false),
                (Speaker::Operator, "вас так всем", true)
            ]
        );
    }
}
