//! Call metrics: what the two parties' speech comes to in time, whatever
//! they said. Talk time and share, dead air, overtalk, interruptions,
//! speech rate, the operator's longest monologue. Worked out once a call
//! is over, from each party's stretches of speech (a recogniser's voice
//! activity, or the words' own times) and word counts.
//!
//! The definitions follow AWS Contact Lens and Yandex SpeechSense where
//! they agree; they are written down for QA staff in `docs/metrics.md`.

use serde::{Deserialize, Serialize};

use crate::call::{Parties, Speaker};
use crate::transcript::ms;

/// The metrics a rule or a scorecard item can bound, by name: the longest
/// dead air and overtalk (s), the operator's interruptions (count), the
/// operator's words per minute, their pace against the client's (ratio),
/// the operator's share of the call's time (0 to 1), their longest
/// monologue (s).
pub const NAMES: [&str; 7] = ["dead_air_s", "overtalk_s", "operator_interruptions", "operator_wpm", "pace", "operator_talk_share", "monologue_s"];

/// Thresholds below which a silence or an overlap is not reported.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Both silent at least this long, between the first and the last
    /// speech of the call, is dead air (Google's silence analysis flags
    /// over 5 s; AWS rules take a threshold of their own).
    pub dead_air_s: f64,
    /// Both speaking at least this long is overtalk (MiiTel: over 1 s).
    pub overtalk_s: f64,
    /// A party who starts while the other speaks, and speaks over them at
    /// least this long, cut in on them (shorter is a backchannel: «да»,
    /// «угу»).
    pub interruption_s: f64,
}

impl Default for Thresholds {
    fn default() -> Thresholds {
        Thresholds { dead_air_s: 5.0, overtalk_s: 1.0, interruption_s: 0.5 }
    }
}

/// A stretch of a call, in seconds from its start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Period {
    #[serde(serialize_with = "ms")]
    pub start: f64,
    #[serde(serialize_with = "ms")]
    pub end: f64,
}

impl Period {
    pub fn duration(&self) -> f64 {
        self.end - self.start
    }
}

/// One party speaking over the other, having started while they spoke.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Interruption {
    /// Who cut in.
    pub by: Speaker,
    /// When.
    #[serde(serialize_with = "ms")]
    pub at: f64,
}

/// What a call's speech came to.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Seconds each party spoke.
    pub talk_s: Parties<f64>,
    /// Each party's talk time as a share of the call's duration (0 to 1).
    pub talk_share: Parties<f64>,
    /// Words per minute of each party's own talk time; `None` for a party
    /// that said nothing.
    pub wpm: Parties<Option<f64>>,
    /// The operator's rate over the client's (the scripts ask the
    /// operator to keep the client's pace): 1 is the same pace.
    pub pace: Option<f64>,
    pub dead_air: Vec<Period>,
    pub overtalk: Vec<Period>,
    pub interruptions: Vec<Interruption>,
    /// The longest stretch the operator spoke without the client saying
    /// anything (their own pauses within it included).
    pub monologue: Option<Period>,
}

impl Metrics {
    /// The metrics of a call of `duration` seconds in which each party
    /// spoke over `speech` (any order, overlaps allowed) and said `words`.
    pub fn of(speech: &Parties<Vec<Period>>, words: Parties<usize>, duration: f64, th: &Thresholds) -> Metrics {
        let within = |spans: &[Period]| -> Vec<Period> {
            let clamp = |t: f64| t.clamp(0.0, duration);
            merged(&spans.iter().map(|p| Period { start: clamp(p.start), end: clamp(p.end) }).collect::<Vec<_>>())
        };
        let spans = Parties { operator: within(&speech.operator), client: within(&speech.client) };
        let talk_s = Parties { operator: total(&spans.operator), client: total(&spans.client) };
        let share = |t: f64| if duration > 0.0 { (t / duration).min(1.0) } else { 0.0 };
        let rate = |w: usize, t: f64| (w > 0 && t > 0.0).then(|| w as f64 / (t / 60.0));
        let wpm = Parties { operator: rate(words.operator, talk_s.operator), client: rate(words.client, talk_s.client) };
        let pace = match (wpm.operator, wpm.client) {
            (Some(o), Some(c)) => Some(o / c),
            _ => None,
        };
        let both = overlaps(&spans.operator, &spans.client);
        let overtalk = both.iter().copied().filter(|p| p.duration() >= th.overtalk_s).collect();
        Metrics {
            talk_share: Parties { operator: share(talk_s.operator), client: share(talk_s.client) },
            talk_s,
            wpm,
            pace,
            dead_air: dead_air(&spans, th.dead_air_s),
            overtalk,
            interruptions: interruptions(&spans, &both, th.interruption_s),
            monologue: monologue(&spans),
        }
    }

    /// The longest dead air, in seconds (0 when there was none).
    pub fn longest_dead_air(&self) -> f64 {
        self.dead_air.iter().map(Period::duration).fold(0.0, f64::max)
    }

    /// A metric by name ([`NAMES`]): its value, and the stretches of the
    /// call that make it (the periods of one, else the whole call);
    /// `None` when it cannot be worked out (a pace with a silent client).
    pub fn value(&self, name: &str, duration: f64) -> Option<(f64, Vec<Period>)> {
        let whole = vec![Period { start: 0.0, end: duration }];
        let longest = |ps: &[Period]| {
            let value = ps.iter().map(Period::duration).fold(0.0, f64::max);
            (value, ps.to_vec())
        };
        Some(match name {
            "dead_air_s" => longest(&self.dead_air),
            "overtalk_s" => longest(&self.overtalk),
            "operator_interruptions" => {
                let cuts: Vec<Period> = self.interruptions.iter().filter(|i| i.by == Speaker::Operator).map(|i| Period { start: i.at, end: i.at }).collect();
                (cuts.len() as f64, cuts)
            }
            "operator_wpm" => (self.wpm.operator?, whole),
            "pace" => (self.pace?, whole),
            "operator_talk_share" => (self.talk_share.operator, whole),
            "monologue_s" => self.monologue.map_or((0.0, Vec::new()), |p| (p.duration(), vec![p])),
            _ => return None,
        })
    }
}

/// Spans sorted and merged where they touch or overlap.
fn merged(spans: &[Period]) -> Vec<Period> {
    let mut sorted: Vec<Period> = spans.iter().copied().filter(|p| p.end > p.start).collect();
    sorted.sort_by(|a, b| a.start.total_cmp(&b.start));
    let mut out: Vec<Period> = Vec::with_capacity(sorted.len());
    for p in sorted {
        match out.last_mut() {
            Some(last) if p.start <= last.end => last.end = last.end.max(p.end),
            _ => out.push(p),
        }
    }
    out
}

fn total(spans: &[Period]) -> f64 {
    spans.iter().map(Period::duration).sum()
}

/// Where two sorted, merged lists of spans overlap.
fn overlaps(a: &[Period], b: &[Period]) -> Vec<Period> {
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() && j < b.len() {
        let start = a[i].start.max(b[j].start);
        let end = a[i].end.min(b[j].end);
        if end > start {
            out.push(Period { start, end });
        }
        if a[i].end < b[j].end {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

/// Silences of both parties of at least `least` seconds, between the
/// first speech and the last (the ringing before and the hang-up after
/// are no one's pause).
fn dead_air(spans: &Parties<Vec<Period>>, least: f64) -> Vec<Period> {
    let all = merged(&[spans.operator.as_slice(), spans.client.as_slice()].concat());
    all.windows(2).map(|w| Period { start: w[0].end, end: w[1].start }).filter(|p| p.duration() >= least).collect()
}

/// Each overlap begun by a party starting while the other spoke, at least
/// `least` seconds long.
fn interruptions(spans: &Parties<Vec<Period>>, both: &[Period], least: f64) -> Vec<Interruption> {
    both.iter()
        .filter(|p| p.duration() >= least)
        .filter_map(|p| {
            // Whoever's own span starts where the overlap does cut in; when
            // both start at once, no one did.
            let starts = |s: Speaker| spans[s].iter().any(|q| q.start == p.start);
            match (starts(Speaker::Operator), starts(Speaker::Client)) {
                (true, false) => Some(Interruption { by: Speaker::Operator, at: p.start }),
                (false, true) => Some(Interruption { by: Speaker::Client, at: p.start }),
                _ => None,
            }
        })
        .collect()
}

/// The longest run of the operator's spans with no client speech
/// starting within it.
fn monologue(spans: &Parties<Vec<Period>>) -> Option<Period> {
    let mut best: Option<Period> = None;
    let mut run: Option<Period> = None;
    let mut client = spans.client.iter().peekable();
    for op in &spans.operator {
        let mut broken = false;
        // Client speech between the run so far and this span breaks the run.
        while let Some(c) = client.peek() {
            if c.start >= op.start {
                break;
            }
            if run.is_some_and(|r| c.end > r.start) {
                broken = true;
            }
            client.next();
        }
        run = match run {
            Some(r) if !broken => Some(Period { start: r.start, end: op.end }),
            _ => Some(*op),
        };
        if let Some(r) = run
            && best.is_none_or(|b| r.duration() > b.duration())
        {
            best = Some(r);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(start: f64, end: f64) -> Period {
        Period { start, end }
    }

    fn metrics(op: &[(f64, f64)], cl: &[(f64, f64)]) -> Metrics {
        let spans = |v: &[(f64, f64)]| v.iter().map(|&(a, b)| p(a, b)).collect();
        let speech = Parties { operator: spans(op), client: spans(cl) };
        Metrics::of(&speech, Parties { operator: 30, client: 10 }, 60.0, &Thresholds::default())
    }

    #[test]
    fn talk_time_share_and_rate() {
        let m = metrics(&[(0.0, 10.0), (20.0, 30.0)], &[(10.0, 20.0)]);
        assert_eq!(m.talk_s, Parties { operator: 20.0, client: 10.0 });
        assert_eq!(m.talk_share.operator, 20.0 / 60.0);
        assert_eq!(m.wpm, Parties { operator: Some(90.0), client: Some(60.0) });
        assert_eq!(m.pace, Some(1.5));
    }

    #[test]
    fn dead_air_is_between_first_and_last_speech() {
        // Silence before the first word and after the last is not counted;
        // 4 s between turns is under the threshold, 7 s is over it.
        let m = metrics(&[(3.0, 5.0), (16.0, 18.0)], &[(9.0, 9.5)]);
        assert_eq!(m.dead_air, vec![p(9.5, 16.0)]);
        assert_eq!(m.longest_dead_air(), 6.5);
    }

    #[test]
    fn overtalk_and_who_cut_in() {
        // The client starts 2 s into the operator's turn; later both start
        // at once for 1.5 s; a 0.3 s «угу» is neither.
        let m = metrics(&[(0.0, 6.0), (10.0, 11.5), (20.0, 25.0)], &[(4.0, 8.0), (10.0, 11.5), (22.0, 22.3)]);
        assert_eq!(m.overtalk, vec![p(4.0, 6.0), p(10.0, 11.5)]);
        assert_eq!(m.interruptions, vec![Interruption { by: Speaker::Client, at: 4.0 }]);
    }

    #[test]
    fn a_monologue_ends_where_the_client_speaks() {
        let m = metrics(&[(0.0, 5.0), (5.5, 12.0), (14.0, 15.0), (16.0, 17.0)], &[(12.5, 13.5)]);
        assert_eq!(m.monologue, Some(p(0.0, 12.0)));
    }

    #[test]
    fn a_silent_call() {
        let m = metrics(&[], &[]);
        assert_eq!(m.wpm, Parties { operator: None, client: None });
        assert_eq!((m.pace, m.monologue, m.dead_air.len()), (None, None, 0));
    }
}
