//! The rule engine: timed words in, events out.
//!
//! The engine is pure and deterministic; it knows nothing of audio or
//! clocks. Words arrive in order per speaker (the two speakers may
//! interleave freely) and every event is emitted as soon as it can be
//! decided: a banned phrase when its last word arrives (or, for rules with
//! exceptions that may follow it, when enough words have followed), a
//! required element when it is heard, a missing element when its window
//! closes, and a summary with the score when the call ends.

use std::collections::VecDeque;
use std::sync::Arc;

use crate::call::{CallMeta, Parties, Speaker, Word};
use crate::metrics::{Metrics, Period, Thresholds};
use crate::rules::{Heard, Kind, Known, Match, Position, REGEX_WINDOW, Role, Rule, RuleSet, Severity, SpeakerScope, Target, Trigger, Walk};
use crate::score::Scorer;
use crate::scorecard::Card;
use crate::text::{Lang, alphanumeric};

/// A gap in one speaker's speech this long starts a new utterance even
/// when the source does not say so.
pub const UTTERANCE_GAP_S: f64 = 1.5;

/// How long a hit that waits for following words (exceptions, proximity)
/// may wait once the clock has moved on without them.
pub const HOLD_S: f64 = 2.0;

/// A word heard with less confidence than this may end a step's phrase a
/// few sounds off (see `Heard::unsure`): the recogniser's own doubt, the
/// level below which a batch decodes an operator's clip again.
const UNSURE_BELOW: f32 = 0.7;

/// Whether a flag is for something said or something not said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlagKind {
    Banned,
    Missing,
    /// A call metric out of a rule's bounds.
    Metric,
}

impl FlagKind {
    pub fn name(self) -> &'static str {
        match self {
            FlagKind::Banned => "banned",
            FlagKind::Missing => "missing",
            FlagKind::Metric => "metric",
        }
    }
}

/// Where in a call a rule was heard, or should have been.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    pub call: Arc<CallMeta>,
    pub rule: String,
    pub element: Option<String>,
    pub category: String,
    pub speaker: Speaker,
    /// Seconds from the start of the call.
    pub start: f64,
    pub end: f64,
    /// The words heard, empty for a missing element.
    pub text: String,
    /// How they were matched; none for a missing element.
    pub matched: Option<Match>,
    /// The recogniser's confidence (0 to 1) in the least sure of the words,
    /// when they were heard from audio.
    pub confidence: Option<f32>,
}

/// A violation (operator-side rules) or an alert (rules on the client's
/// words, which prompt the operator and are never held against them).
#[derive(Debug, Clone, PartialEq)]
pub struct Flag {
    pub at: Place,
    pub kind: FlagKind,
    /// On a rule of the client's words: a prompt for the operator, never
    /// held against them.
    pub alert: bool,
    pub severity: Severity,
    pub weight: f64,
    pub message: String,
    pub suggest: String,
}

/// A required element heard.
#[derive(Debug, Clone, PartialEq)]
pub struct Met {
    pub at: Place,
}

/// Whether the parties of a call look as the source said.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Swapped {
    /// As far as can be told, as given.
    #[default]
    No,
    /// The client's words said the operator's opening (the company, a
    /// name introduced, the offer of help) and the operator's did not: the
    /// channels are most likely the wrong way round, and the call was
    /// checked as given.
    Suspected,
    /// Such a call, checked the other way round (`--channels auto`).
    Corrected,
}

/// The end of a call.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub call: Arc<CallMeta>,
    /// The language of the rules it was checked by.
    pub lang: Lang,
    /// Whether the operator was scored: not when nothing of theirs was
    /// heard (a dead channel, a silent or empty recording), which says
    /// nothing of the script.
    pub scored: bool,
    /// Why a call was not scored.
    pub reason: Option<&'static str>,
    /// 100 minus the weights of all violations, at least 0; none for a
    /// call not scored.
    pub score: Option<f64>,
    pub swapped: Swapped,
    pub violations: usize,
    pub alerts: usize,
    pub duration: f64,
    pub operator_words: usize,
    pub client_words: usize,
    /// Words that stand for what redaction took out (`[карта]`, ...).
    pub redacted: usize,
    /// `rule` or `rule.element` of each required element, met or not.
    pub met: Vec<String>,
    pub missing: Vec<String>,
    pub metrics: Metrics,
    /// The call scored on a scorecard, when one was given.
    pub scorecard: Option<Card>,
}

/// What the engine tells of a call, as it goes on: plain data, written
/// out by the front end's sinks in a format of their own.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    Violation(Flag),
    Alert(Flag),
    /// A violation or alert flagged early (live mode) that the words after
    /// it excused: the operator corrected themselves.
    Withdrawn(Flag),
    Met(Met),
    CallSummary(Box<Summary>),
}

impl Event {
    pub fn call(&self) -> &CallMeta {
        match self {
            Event::Violation(f) | Event::Alert(f) | Event::Withdrawn(f) => &f.at.call,
            Event::Met(m) => &m.at.call,
            Event::CallSummary(s) => &s.call,
        }
    }
}

/// A word of one speaker's recent past.
#[derive(Debug)]
struct WordRec {
    start: f64,
    end: f64,
    text: String,
    confidence: Option<f32>,
    guessed: bool,
}

#[derive(Debug)]
struct Tok {
    /// Index of its word in `Track::words` numbering.
    word: usize,
    surface: Option<Arc<str>>,
    /// Its sentence's (or utterance's) first word, fillers before it aside.
    sentence_start: bool,
    utterance_start: bool,
    filler: bool,
    negation: bool,
}

/// A phrase occurrence, in token indices of one speaker.
#[derive(Debug, Clone, Copy)]
struct Occ {
    target: Target,
    start: usize,
    end: usize,
    how: Match,
}

/// What a flag or a met step is about: words heard, or the stretch of the
/// call where they should have been (no text, no match).
#[derive(Debug, Clone)]
struct Said {
    speaker: Speaker,
    start: f64,
    end: f64,
    text: String,
    how: Option<Match>,
    confidence: Option<f32>,
}

impl Said {
    /// Where a missing step should have been said.
    fn nothing(speaker: Speaker, start: f64, end: f64) -> Said {
        Said { speaker, start, end, text: String::new(), how: None, confidence: None }
    }
}

/// A hit waiting for the words that may cancel it.
#[derive(Debug, Clone)]
struct Hit {
    rule: usize,
    element: usize,
    /// Its tokens.
    start: usize,
    end: usize,
    said: Said,
    decide_at: usize,
    /// Flagged already, before the words that could excuse it came.
    shown: bool,
}

/// The recent past of one speaker.
#[derive(Debug)]
struct Track {
    speaker: Speaker,
    walks: Vec<Walk>,
    /// Tokens from index `first_tok` on.
    toks: VecDeque<Tok>,
    first_tok: usize,
    words: VecDeque<WordRec>,
    first_word: usize,
    utterance_first: usize,
    sentence_end: bool,
    first_start: Option<f64>,
    last_end: f64,
    /// Exception and proximity phrases recently heard.
    seen: VecDeque<Occ>,
    pending: Vec<Hit>,
    /// Phrases ending in an unset variable, waiting for that many words.
    awaiting: Vec<(Occ, usize)>,
    /// The text buffer of the last word forgotten, for the next one.
    spare: String,
    /// The utterance's last token (its surface form), when it may be the
    /// first half of a word Whisper split in two.
    last: Option<Arc<str>>,
    /// Recent hits as (rule, element, last token): alternatives of one
    /// element that overlap («я не знаю», «не знаю») are one hit.
    recent_hits: Vec<(usize, usize, usize)>,
    /// Tokens of the steps met in an opening window (`first_s`): words that
    /// opened the call do not also close it («Hezký den» is a greeting and
    /// a farewell, and a short call's last 30 s reach back to its start).
    opening: Vec<(usize, usize)>,
}

impl Track {
    fn next_tok(&self) -> usize {
        self.first_tok + self.toks.len()
    }
    fn next_word(&self) -> usize {
        self.first_word + self.words.len()
    }
    fn tok(&self, i: usize) -> &Tok {
        &self.toks[i - self.first_tok]
    }
    fn word(&self, i: usize) -> &WordRec {
        &self.words[i - self.first_word]
    }
    /// The words covering tokens `start..=end`, as heard.
    fn text(&self, start: usize, end: usize) -> String {
        let (a, b) = (self.tok(start).word, self.tok(end).word);
        let mut s = String::new();
        for w in a..=b {
            if !s.is_empty() {
                s.push(' ');
            }
            s.push_str(self.word(w).text.trim_matches(|c: char| !alphanumeric(c)));
        }
        s
    }

    /// The recogniser's confidence in the least sure of the words covering
    /// tokens `start..=end`, when it gave one.
    fn confidence(&self, start: usize, end: usize) -> Option<f32> {
        let (a, b) = (self.tok(start).word, self.tok(end).word);
        (a..=b).filter_map(|w| self.word(w).confidence).reduce(f32::min)
    }

    /// Whether any of the words covering tokens `start..=end` was guessed
    /// (heard in a decoding the recogniser counts as failed).
    fn guessed(&self, start: usize, end: usize) -> bool {
        let (a, b) = (self.tok(start).word, self.tok(end).word);
        (a..=b).any(|w| self.word(w).guessed)
    }
}

#[derive(Debug, Clone, Default)]
struct ElementState {
    met: bool,
    last_end: Option<f64>,
    /// Its window closed (missing, or met in time).
    closed: bool,
}

/// Checks one call.
#[derive(Debug)]
pub struct Engine<'r> {
    rules: &'r RuleSet,
    call: Arc<CallMeta>,
    tracks: Parties<Track>,
    elements: Vec<Vec<ElementState>>,
    /// Banned hits of `last_s` rules, decidable only at the end.
    deferred: Vec<Hit>,
    events: Vec<Event>,
    found: Vec<Occ>,
    clock: f64,
    /// Per speaker, the earliest open `first_s` window of the rules on
    /// that speaker's words ends then (−∞ until the windows' anchors are
    /// set or move).
    next_deadline: Parties<f64>,
    scorer: Scorer,
    redacted: usize,
    /// The source marks the first word of every utterance: a pause
    /// between words does not start one.
    marked_utterances: bool,
    /// Flag a hit that a correction may still excuse at once, and withdraw
    /// it if the correction comes.
    early: bool,
    /// Elements of the operator's opening (rule, element) heard from the
    /// client in the client's own opening window: a sign of swapped channels.
    opening_from_client: Vec<(usize, usize)>,
    /// Each party's speech as the recogniser's voice detection found it
    /// ([`Engine::speech`]), and as the words' own times make it.
    told_speech: Parties<Vec<Period>>,
    word_speech: Parties<Vec<Period>>,
    /// Per rule, when a triggered rule was set off (its window's start).
    triggered: Vec<Option<f64>>,
}

impl<'r> Engine<'r> {
    pub fn new(rules: &'r RuleSet, call: impl Into<CallMeta>) -> Engine<'r> {
        let track = |speaker| Track {
            speaker,
            walks: vec![Walk::default(); rules.automata.len()],
            toks: VecDeque::new(),
            first_tok: 0,
            words: VecDeque::new(),
            first_word: 0,
            utterance_first: 0,
            sentence_end: false,
            first_start: None,
            last_end: 0.0,
            seen: VecDeque::new(),
            pending: Vec::new(),
            awaiting: Vec::new(),
            recent_hits: Vec::new(),
            opening: Vec::new(),
            spare: String::new(),
            last: None,
        };
        Engine {
            rules,
            call: Arc::new(call.into()),
            tracks: Parties::with(track),
            elements: rules.rules.iter().map(|r| vec![ElementState::default(); r.elements.len()]).collect(),
            deferred: Vec::new(),
            events: Vec::new(),
            found: Vec::new(),
            clock: 0.0,
            next_deadline: Parties::both(f64::NEG_INFINITY),
            scorer: Scorer::default(),
            redacted: 0,
            marked_utterances: false,
            early: false,
            opening_from_client: Vec::new(),
            told_speech: Parties::default(),
            word_speech: Parties::default(),
            triggered: rules.rules.iter().map(|r| (r.trigger == Some(Trigger::Start)).then_some(0.0)).collect(),
        }
    }

    /// Tells the engine that `speaker` spoke from `start` to `end` seconds:
    /// a recogniser's voice detection, which places speech more closely
    /// than the words' times do. A party's call metrics are worked out from
    /// these once any are told, else from their words.
    pub fn speech(&mut self, speaker: Speaker, start: f64, end: f64) {
        self.told_speech[speaker].push(Period { start, end });
    }

    /// For sources that mark where every utterance starts (live
    /// recognition, which hears the pauses): the words' times, which
    /// Whisper guesses poorly at the edge of a short clip, are then not
    /// used to find utterances.
    pub fn with_marked_utterances(mut self) -> Engine<'r> {
        self.marked_utterances = true;
        self
    }

    /// For a live operator, to whom a prompt is worth most the moment the
    /// phrase is said: a banned phrase that a correction said right after
    /// excuses («не знаю, сейчас уточню»: `unless_near`) is flagged at once,
    /// and a [`Event::Withdrawn`] follows if the correction comes. Phrases
    /// with exceptions («нет проблем») still wait for the next words: they
    /// are not the banned phrase at all.
    pub fn with_early_flags(mut self) -> Engine<'r> {
        self.early = true;
        self
    }

    /// Takes the events emitted so far.
    pub fn take_events(&mut self) -> Vec<Event> {
        std::mem::take(&mut self.events)
    }

    /// Feeds one word.
    pub fn push(&mut self, word: &Word<'_>) {
        let s = word.speaker;
        self.redacted += usize::from(crate::redact::Kind::of_placeholder(&word.text).is_some());
        let start = word.start.max(0.0);
        let end = word.end.max(start);
        self.clock = self.clock.max(start);
        self.close_windows(word.speaker, start, None);
        let t = &mut self.tracks[s];
        let gap = !self.marked_utterances && start - t.last_end >= UTTERANCE_GAP_S;
        let new_utterance = t.toks.is_empty() || word.utterance_start || gap;
        if new_utterance {
            self.close_utterance(s);
            self.word_speech[s].push(Period { start, end });
        } else if let Some(last) = self.word_speech[s].last_mut() {
            last.end = last.end.max(end);
        }
        let t = &mut self.tracks[s];
        if t.first_start.is_none() {
            t.first_start = Some(start);
            // New anchors: the windows' deadlines are worked out again.
            self.next_deadline = Parties::both(f64::NEG_INFINITY);
        }
        t.last_end = end;
        let word_index = t.next_word();
        let mut text = std::mem::take(&mut t.spare);
        text.clear();
        text.push_str(&word.text);
        t.words.push_back(WordRec { start, end, text, confidence: word.confidence, guessed: word.guessed });
        let sentence_end = t.sentence_end;
        let rules = self.rules;
        let ends = rules.each_known(&word.text, sentence_end, |known, after_end| self.feed(s, word_index, known, after_end));
        self.tracks[s].sentence_end = ends;
        self.prune(s);
    }

    /// Tells the engine that a speaker's utterance has ended (a live source
    /// knows when the speaker paused): hits waiting for more words of it are
    /// decided now instead of when the next one starts.
    pub fn end_utterance(&mut self, speaker: Speaker) {
        self.close_utterance(speaker);
    }

    /// Tells the engine that every speaker's words up to `t` seconds have
    /// been delivered: windows that close before `t` are decided, and hits
    /// waiting for following words stop waiting after [`HOLD_S`].
    pub fn advance(&mut self, t: f64) {
        self.clock = self.clock.max(t);
        for s in Speaker::ALL {
            self.decide_pending(s, |h| h.said.end + HOLD_S <= t);
        }
        for speaker in Speaker::ALL {
            self.close_windows(speaker, t, None);
        }
    }

    /// Ends the call: decides everything still open and emits the summary.
    /// `duration` is the length of the recording when known.
    pub fn finish(&mut self, duration: Option<f64>) -> Summary {
        for s in Speaker::ALL {
            self.close_utterance(s);
        }
        let end = self.tracks.values().map(|t| t.last_end).fold(duration.unwrap_or(0.0).max(self.clock), f64::max);
        for hit in std::mem::take(&mut self.deferred) {
            let last_s = self.rules.rules[hit.rule].last_s.unwrap_or(f64::INFINITY);
            if hit.said.end >= end - last_s {
                self.flag(hit.rule, hit.element, FlagKind::Banned, hit.said);
            }
        }
        // Nothing of the operator heard: the script cannot be judged.
        let unscored = self.tracks.operator.first_start.is_none() && rules_judge_operator(self.rules);
        for speaker in Speaker::ALL {
            if !(unscored && speaker == Speaker::Operator) {
                self.close_windows(speaker, end, Some(end));
            }
        }
        let mut met = Vec::new();
        let mut missing = Vec::new();
        let mut opening_met = 0;
        let rules = self.rules;
        for (ri, rule) in rules.rules.iter().enumerate() {
            if rule.kind != Kind::Required {
                continue;
            }
            if rule.trigger.is_some() && self.triggered[ri].is_none() {
                // Never set off: the rule does not apply to this call.
                continue;
            }
            let speaker = scope_speaker(rule.speaker);
            for ei in 0..rule.elements.len() {
                let state = &self.elements[ri][ei];
                let name = element_name(&rule.id, rule.elements[ei].id.as_deref());
                let missed = if state.closed {
                    !state.met
                } else if let Some(last_s) = rule.last_s {
                    state.last_end.is_none_or(|e| e < end - last_s)
                } else {
                    !state.met
                };
                opening_met += usize::from(state.met && opens(rule) && rule.speaker == SpeakerScope::Operator);
                if unscored && rule.speaker != SpeakerScope::Client {
                    continue;
                }
                if !state.closed && missed {
                    let (from, to) = match (rule.first_s, rule.last_s) {
                        (Some(first), _) => {
                            let anchor = self.rule_anchor(ri).unwrap_or(0.0);
                            (anchor, (anchor + first).min(end))
                        }
                        (None, Some(last)) => ((end - last).max(0.0), end),
                        (None, None) => (0.0, end),
                    };
                    self.flag(ri, ei, FlagKind::Missing, Said::nothing(speaker, from, to));
                }
                if missed { missing.push(name) } else { met.push(name) }
            }
        }
        let from_client = self.opening_from_client.len();
        let speech = Parties::with(|p| {
            let told = &self.told_speech[p];
            if told.is_empty() { self.word_speech[p].clone() } else { told.clone() }
        });
        let words = Parties { operator: self.tracks.operator.next_word(), client: self.tracks.client.next_word() };
        let metrics = Metrics::of(&speech, words, end, &Thresholds::default());
        if !unscored {
            self.flag_metrics(&metrics, end);
        }
        let summary = Summary {
            call: self.call.clone(),
            lang: self.rules.lang,
            scored: !unscored,
            reason: unscored.then_some("no operator speech"),
            score: (!unscored).then(|| self.scorer.score()),
            swapped: if from_client >= 2 && from_client > opening_met { Swapped::Suspected } else { Swapped::No },
            violations: self.scorer.violations(),
            alerts: self.scorer.alerts(),
            duration: end,
            operator_words: words.operator,
            client_words: words.client,
            redacted: self.redacted,
            met,
            missing,
            metrics,
            scorecard: None,
        };
        self.events.push(Event::CallSummary(Box::new(summary.clone())));
        summary
    }

    /// Flags each metric out of its rule's bounds: each period of one
    /// measured by its periods (dead air, overtalk, a monologue), else the
    /// call's value once.
    fn flag_metrics(&mut self, metrics: &Metrics, end: f64) {
        let rules = self.rules;
        for (ri, rule) in rules.rules.iter().enumerate() {
            let Some(bound) = &rule.metric else { continue };
            let Some((value, periods)) = metrics.value(&bound.metric, end) else { continue };
            let speaker = scope_speaker(rule.speaker);
            let said =
                |p: &Period, v: f64| Said { text: format!("{} = {}", bound.metric, (v * 10.0).round() / 10.0), ..Said::nothing(speaker, p.start, p.end) };
            if matches!(bound.metric.as_str(), "dead_air_s" | "overtalk_s" | "monologue_s") {
                for p in periods.iter().filter(|p| !bound.holds(p.duration())) {
                    self.flag(ri, 0, FlagKind::Metric, said(p, p.duration()));
                }
            } else if !bound.holds(value) {
                let at = periods.first().copied().unwrap_or(Period { start: 0.0, end });
                self.flag(ri, 0, FlagKind::Metric, said(&at, value));
            }
        }
    }

    /// Where rule `ri`'s `first_s` window starts: when its trigger came, or
    /// when the speech of its scope began.
    fn rule_anchor(&self, ri: usize) -> Option<f64> {
        let rule = &self.rules.rules[ri];
        match rule.trigger {
            Some(_) => self.triggered[ri],
            None => self.anchor(rule.speaker),
        }
    }

    /// When `scope`'s speech began (the start of `first_s` windows).
    fn anchor(&self, scope: SpeakerScope) -> Option<f64> {
        let starts = self.tracks.values().filter(|t| scope.covers(t.speaker)).filter_map(|t| t.first_start);
        starts.reduce(f64::min)
    }

    /// Closes `first_s` windows of rules on `speaker` that end before `now`,
    /// or all of them when the call ended at `call_end`.
    fn close_windows(&mut self, speaker: Speaker, now: f64, call_end: Option<f64>) {
        let next = &mut self.next_deadline[speaker];
        if now <= *next && call_end.is_none() {
            return;
        }
        *next = f64::INFINITY;
        let rules = self.rules;
        for (ri, rule) in rules.rules.iter().enumerate() {
            let Some(first) = rule.first_s else { continue };
            if rule.kind != Kind::Required || !rule.speaker.covers(speaker) {
                continue;
            }
            let Some(anchor) = self.rule_anchor(ri) else { continue };
            let deadline = anchor + first;
            if self.elements[ri].iter().all(|e| e.closed) {
                continue;
            }
            if now <= deadline && call_end.is_none() {
                let next = &mut self.next_deadline[speaker];
                *next = next.min(deadline);
                continue;
            }
            // Hits of this rule still waiting were heard in time or not at all.
            for s in Speaker::ALL {
                self.decide_pending(s, |h| h.rule == ri);
            }
            for ei in 0..rule.elements.len() {
                let state = &mut self.elements[ri][ei];
                if state.closed {
                    continue;
                }
                state.closed = true;
                if !state.met {
                    let to = call_end.map_or(deadline, |end| end.min(deadline));
                    self.flag(ri, ei, FlagKind::Missing, Said::nothing(scope_speaker(rule.speaker), anchor, to));
                }
            }
        }
    }

    /// Decides the pending hits of a speaker and resets the automata, so no
    /// phrase spans two utterances.
    fn close_utterance(&mut self, s: Speaker) {
        let track = &mut self.tracks[s];
        track.walks.iter_mut().for_each(Walk::reset);
        track.last = None;
        track.utterance_first = track.next_tok();
        track.sentence_end = false;
        track.awaiting.clear();
        for hit in std::mem::take(&mut track.pending) {
            self.decide(hit);
        }
    }

    /// Feeds a token of the word at index `word`; `after_end` says whether
    /// a sentence ended before it.
    fn feed(&mut self, s: Speaker, word: usize, known: &Known, after_end: bool) {
        let rules = self.rules;
        let token = &known.token;
        let t = &mut self.tracks[s];
        let index = t.next_tok();
        // A filler before it («Ну, нет») does not move where a sentence starts.
        let first = index == t.utterance_first;
        let prev = (!first).then(|| t.tok(index - 1)).filter(|p| p.filler);
        let sentence_start = first || after_end || prev.is_some_and(|p| p.sentence_start);
        let utterance_start = first || prev.is_some_and(|p| p.utterance_start);
        let mut found = std::mem::take(&mut self.found);
        found.clear();
        // The token with the one before it, when that may be the first half
        // of a phrase word Whisper split in two: a match by sound.
        let joined = t.last.as_ref().map(|p| rules.joined(p, &token.surface));
        let unsure = t.word(word).confidence.is_some_and(|c| c < UNSURE_BELOW).then_some(&*token.sound);
        for (ai, a) in rules.automata.iter().enumerate() {
            let heard =
                Heard { id: known.ids[ai], preposition: token.preposition, joined: joined.as_ref().and_then(|j| j[ai]), sealed: token.negation, unsure };
            a.feed(&mut t.walks[ai], index, heard, |target, first, how| {
                let end = index + target.trailing_any;
                let Some(start) = first.checked_sub(target.leading_any) else { return };
                if start < t.utterance_first {
                    return;
                }
                // A word standing for an unset variable (any word: a name
                // not configured) is no negation or filler: «Это не» is not
                // «Это {operator_name}».
                if (start..first).map(|i| &t.toks[i - t.first_tok]).any(|k| k.negation || k.filler) {
                    return;
                }
                // A step said negated is not said: «Я не могу вам помочь» offers
                // no help (a negation ending the sentence before does not count).
                if matches!(target.role, Role::Hit { .. })
                    && rules.rules[target.rule].kind == Kind::Required
                    && start > t.utterance_first
                    && t.toks[start - 1 - t.first_tok].negation
                    && !(if start == index { sentence_start } else { t.toks[start - t.first_tok].sentence_start })
                {
                    return;
                }
                let occ = Occ { target: *target, start, end, how };
                if target.trailing_any > 0 {
                    t.awaiting.push((occ, end));
                } else {
                    found.push(occ);
                }
            });
        }
        // Kept only when it may be the first half of a split word (a half has
        // no stem of its own: how its letters sound); most are not.
        t.last = known.begins.then(|| token.surface.clone());
        // Surface forms are kept only for regex phrases to read.
        let surface = rules.regexes.as_ref().map(|_| token.surface.clone());
        t.toks.push_back(Tok { word, surface, sentence_start, utterance_start, filler: token.filler, negation: token.negation });
        t.awaiting.retain_mut(|(occ, end)| {
            // This token stands for a trailing unset variable: not a
            // negation; a filler is passed over («меня зовут, ну, Анна»).
            if *end - occ.target.trailing_any < index {
                if token.negation {
                    return false;
                }
                if token.filler {
                    *end += 1;
                    occ.end = *end;
                }
            }
            if *end == index {
                found.push(*occ);
            }
            *end > index
        });
        if let Some(regexes) = &rules.regexes {
            let from = t.utterance_first.max(index.saturating_sub(REGEX_WINDOW - 1)).max(t.first_tok);
            let tail: Vec<&str> = (from..=index).map(|i| t.tok(i).surface.as_deref().unwrap_or_default()).collect();
            let tail = tail.join(" ");
            for i in regexes.set.matches(&tail).iter() {
                let (re, target) = &regexes.each[i];
                let Some(m) = re.find(&tail) else { continue };
                let offset = m.start() + usize::from(tail[m.start()..].starts_with(' '));
                let start = from + tail[..offset].matches(' ').count();
                found.push(Occ { target: *target, start, end: index, how: Match::Exact });
            }
        }
        // Exceptions and proximity phrases first, so a hit ending on the
        // same word as its exception is cancelled by it.
        // Among hits ending here, the longest comes first and absorbs the others.
        // Opening steps before closing ones, so the words of both count as the opening's.
        if found.len() > 1 {
            found.sort_by_key(|o| (matches!(o.target.role, Role::Hit { .. }), rules.rules[o.target.rule].last_s.is_some(), o.start));
        }
        for occ in found.drain(..) {
            self.occurrence(s, occ);
        }
        self.found = found;
        self.decide_pending(s, |h| h.decide_at <= index);
    }

    /// Decides the waiting hits of a speaker that `due` picks.
    fn decide_pending(&mut self, s: Speaker, due: impl Fn(&Hit) -> bool) {
        let pending = &mut self.tracks[s].pending;
        if !pending.iter().any(&due) {
            return;
        }
        let (now, later): (Vec<Hit>, Vec<Hit>) = pending.drain(..).partition(&due);
        *pending = later;
        for hit in now {
            self.decide(hit);
        }
    }

    fn occurrence(&mut self, s: Speaker, occ: Occ) {
        let rules = self.rules;
        let rule = &rules.rules[occ.target.rule];
        let track = &mut self.tracks[s];
        if !rule.speaker.covers(track.speaker) {
            // The client saying the operator's opening, in their own opening.
            if let (Role::Hit { element }, Speaker::Client, Some(first_s)) = (occ.target.role, track.speaker, rule.first_s)
                && rule.kind == Kind::Required
                && opens(rule)
                && track.first_start.is_some_and(|first| track.word(track.tok(occ.start).word).start <= first + first_s)
                && !self.opening_from_client.contains(&(occ.target.rule, element))
            {
                self.opening_from_client.push((occ.target.rule, element));
            }
            return;
        }
        let (toks, first_tok) = (&track.toks, track.first_tok);
        let cancels = |by: &Occ, hit_start: usize, hit_end: usize| match by.target.role {
            Role::Except => by.start <= hit_end && hit_start <= by.end,
            Role::Near => {
                let gap = by.start.saturating_sub(hit_end + 1).max(hit_start.saturating_sub(by.end + 1));
                // A correction excuses within the hit's utterance only, as
                // one said after does (the hit is decided when its
                // utterance ends): «Я проверю вашу заявку.» then «Не
                // знаю.» is no «Не знаю, сейчас проверю».
                let earlier = by.end < hit_start && (by.end + 1..=hit_start).any(|i| i >= first_tok && toks[i - first_tok].utterance_start);
                gap <= rule.near_words.unwrap_or(0) && !earlier
            }
            Role::Hit { .. } => false,
        };
        let Role::Hit { element } = occ.target.role else {
            let cancelled: Vec<Hit> = track.pending.extract_if(.., |h| h.rule == occ.target.rule && cancels(&occ, h.start, h.end)).collect();
            track.seen.push_back(occ);
            for hit in cancelled.into_iter().filter(|h| h.shown) {
                self.withdraw(hit);
            }
            return;
        };
        let ok_position = match rule.position {
            Position::Anywhere => true,
            Position::UtteranceStart => track.tok(occ.start).utterance_start,
            Position::SentenceStart => track.tok(occ.start).sentence_start,
        };
        let closing = rule.kind == Kind::Required && rule.last_s.is_some();
        if closing && track.opening.iter().any(|&(start, end)| occ.start <= end && start <= occ.end) {
            return;
        }
        if rule.kind == Kind::Banned && track.speaker == Speaker::Operator && track.guessed(occ.start, occ.end) {
            // The operator's words the recogniser itself does not trust
            // meet steps but raise no flag against them. A client's still
            // raise alerts: a prompt missed costs the operator more than
            // one given in vain (abuse heard on phone lines often comes
            // through such decodings, and right).
            return;
        }
        let key = (occ.target.rule, element);
        let overlaps_last = track.recent_hits.iter().any(|&(r, e, end)| (r, e) == key && occ.start <= end);
        if !ok_position || overlaps_last || track.seen.iter().any(|by| by.target.rule == occ.target.rule && cancels(by, occ.start, occ.end)) {
            return;
        }
        track.recent_hits.push((key.0, key.1, occ.end));
        let mut hit = Hit {
            rule: occ.target.rule,
            element,
            start: occ.start,
            end: occ.end,
            said: Said {
                speaker: track.speaker,
                start: track.word(track.tok(occ.start).word).start,
                end: track.word(track.tok(occ.end).word).end,
                text: track.text(occ.start, occ.end),
                how: Some(occ.how),
                confidence: track.confidence(occ.start, occ.end),
            },
            decide_at: occ.end + rule.lookahead,
            shown: false,
        };
        if rule.lookahead == 0 {
            self.decide(hit);
            return;
        }
        // Live, a hit a correction may excuse is shown now (and withdrawn if
        // the correction comes); one waiting for its exception is not.
        if self.early && rule.near_words.is_some() && self.flags_when_decided(&hit) {
            self.flag(hit.rule, hit.element, FlagKind::Banned, hit.said.clone());
            hit.shown = true;
        }
        self.tracks[s].pending.push(hit);
    }

    fn in_first_window(&self, ri: usize, start_s: f64) -> bool {
        let rule = &self.rules.rules[ri];
        match (rule.first_s, self.rule_anchor(ri)) {
            (Some(first), Some(anchor)) if rule.trigger.is_some() => (anchor..=anchor + first).contains(&start_s),
            (Some(first), Some(anchor)) => start_s <= anchor + first,
            // Not set off yet: nothing counts.
            _ => rule.trigger.is_none(),
        }
    }

    /// Whether [`Engine::decide`] flags the hit there and then (a banned
    /// phrase in its window, not one that waits for the call's end).
    fn flags_when_decided(&self, hit: &Hit) -> bool {
        let rule = &self.rules.rules[hit.rule];
        rule.kind == Kind::Banned && rule.last_s.is_none() && self.in_first_window(hit.rule, hit.said.start)
    }

    fn decide(&mut self, hit: Hit) {
        if hit.shown {
            return;
        }
        let rules = self.rules;
        let rule = &rules.rules[hit.rule];
        let in_first_window = self.in_first_window(hit.rule, hit.said.start);
        match rule.kind {
            Kind::Banned if self.flags_when_decided(&hit) => self.flag(hit.rule, hit.element, FlagKind::Banned, hit.said),
            Kind::Banned if in_first_window => self.deferred.push(hit),
            Kind::Banned | Kind::Metric => {}
            Kind::Required => {
                let state = &mut self.elements[hit.rule][hit.element];
                state.last_end = Some(state.last_end.map_or(hit.said.end, |e| e.max(hit.said.end)));
                if state.met || state.closed || !in_first_window {
                    return;
                }
                state.met = true;
                if opens(rule) {
                    self.tracks[hit.said.speaker].opening.push((hit.start, hit.end));
                }
                let at = self.place(hit.rule, hit.element, hit.said);
                self.emit(Event::Met(Met { at }));
            }
        }
    }

    fn flag(&mut self, ri: usize, ei: usize, kind: FlagKind, said: Said) {
        let end = said.end;
        let flag = self.make_flag(ri, ei, kind, said);
        self.emit(if flag.alert { Event::Alert(flag) } else { Event::Violation(flag) });
        self.set_off(ri, end);
    }

    /// A flag of rule `ri` ending at `t` sets off the rules triggered by it
    /// that are not yet (the first trigger opens the window).
    fn set_off(&mut self, ri: usize, t: f64) {
        let rules = self.rules;
        for (rj, rule) in rules.rules.iter().enumerate() {
            if rule.trigger == Some(Trigger::Rule(ri)) && self.triggered[rj].is_none() {
                self.triggered[rj] = Some(t);
                // A new anchor: the windows' deadlines are worked out again.
                self.next_deadline = Parties::both(f64::NEG_INFINITY);
            }
        }
    }

    /// Takes back a hit flagged early that a correction excused.
    fn withdraw(&mut self, hit: Hit) {
        let flag = self.make_flag(hit.rule, hit.element, FlagKind::Banned, hit.said);
        self.emit(Event::Withdrawn(flag));
    }

    fn emit(&mut self, event: Event) {
        self.scorer.add(&event);
        self.events.push(event);
    }

    fn make_flag(&self, ri: usize, ei: usize, kind: FlagKind, said: Said) -> Flag {
        let element = &self.rules.rules[ri].elements[ei];
        Flag {
            at: self.place(ri, ei, said),
            kind,
            alert: self.rules.rules[ri].speaker == SpeakerScope::Client,
            severity: element.severity,
            weight: element.weight,
            message: element.message.clone(),
            suggest: element.suggest.clone().unwrap_or_default(),
        }
    }

    fn place(&self, ri: usize, ei: usize, said: Said) -> Place {
        let rule = &self.rules.rules[ri];
        Place {
            call: self.call.clone(),
            rule: rule.id.clone(),
            element: rule.elements[ei].id.clone(),
            category: rule.category.clone(),
            speaker: said.speaker,
            start: said.start,
            end: said.end,
            text: said.text,
            matched: said.how,
            confidence: said.confidence,
        }
    }

    /// Forgets what no phrase can reach back to any more.
    fn prune(&mut self, s: Speaker) {
        let keep = self.rules.lookback + REGEX_WINDOW;
        let t = &mut self.tracks[s];
        let oldest_pending = t.pending.iter().map(|h| h.start).min().unwrap_or(usize::MAX);
        let horizon = t.next_tok().saturating_sub(keep).min(oldest_pending);
        while t.first_tok < horizon && t.toks.len() > 1 {
            t.toks.pop_front();
            t.first_tok += 1;
        }
        let first_word = t.toks.front().map_or(t.next_word(), |tok| tok.word);
        while t.first_word < first_word {
            if let Some(w) = t.words.pop_front() {
                t.spare = w.text;
            }
            t.first_word += 1;
        }
        let lookback = self.rules.lookback;
        while t.seen.front().is_some_and(|o| o.end + lookback < t.next_tok()) {
            t.seen.pop_front();
        }
        let next = t.next_tok();
        t.recent_hits.retain(|&(_, _, end)| end + lookback >= next);
    }
}

/// Whether the rules ask anything of the operator.
fn rules_judge_operator(rules: &RuleSet) -> bool {
    rules.rules.iter().any(|r| r.kind == Kind::Required && r.speaker != SpeakerScope::Client)
}

fn scope_speaker(scope: SpeakerScope) -> Speaker {
    match scope {
        SpeakerScope::Client => Speaker::Client,
        SpeakerScope::Operator | SpeakerScope::Any => Speaker::Operator,
    }
}

/// `rule` or `rule.element`.
/// The violations and alerts of a call's events that stand, in order (a
/// flag withdrawn live, after a correction, does not).
pub fn standing(events: &[Event]) -> Vec<&Flag> {
    let mut flags: Vec<&Flag> = Vec::new();
    for e in events {
        match e {
            Event::Violation(f) | Event::Alert(f) => flags.push(f),
            Event::Withdrawn(w) => {
                if let Some(i) = flags.iter().position(|f| f.at.rule == w.at.rule && f.at.element == w.at.element && f.at.start == w.at.start) {
                    flags.remove(i);
                }
            }
            Event::Met(_) | Event::CallSummary(_) => {}
        }
    }
    flags
}

/// Whether a rule's `first_s` window is the call's opening (not a window
/// after a trigger).
fn opens(rule: &Rule) -> bool {
    rule.first_s.is_some() && rule.trigger.is_none()
}

pub fn element_name(rule: &str, element: Option<&str>) -> String {
    match element {
        Some(e) => format!("{rule}.{e}"),
        None => rule.to_string(),
    }
}
