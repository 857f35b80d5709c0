//! The JSON lines format (version [`VERSION`]), one object per line, its
//! `type` first: `violation`, `alert`, `withdrawn`, `met`, `transcript`
//! (a checked call's utterances, before its summary), `call_summary`,
//! `warning`, `error`. Times are seconds from the call's start to the millisecond,
//! confidences to the hundredth; `emitted_at` (live mode) is when the
//! event left the pipeline. A call's operator, team, start and tags are
//! written beside its id when known. Fields are only ever added within a
//! version; a field renamed or removed makes the next.

use serde::Serialize;

use sufler_core::call::{CallMeta, Parties, Speaker};
use sufler_core::engine::{Event, Flag, Met, Place, Summary, Swapped};
use sufler_core::metrics::{Interruption, Metrics, Period};
use sufler_core::rules::{Match, Severity};
use sufler_core::scorecard::Card;
use sufler_core::text::Lang;
use sufler_core::transcript::ms;

/// The version of this format.
pub const VERSION: u32 = 1;

/// One line.
#[derive(Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record<'a> {
    Violation(FlagRecord<'a>),
    Alert(FlagRecord<'a>),
    Withdrawn(FlagRecord<'a>),
    Met(MetRecord<'a>),
    Transcript(TranscriptRecord<'a>),
    CallSummary(SummaryRecord<'a>),
    Warning { call: &'a str, message: &'a str },
    Error { call: &'a str, message: &'a str },
}

impl<'a> Record<'a> {
    pub fn of(event: &'a Event, emitted_at: Option<f64>, unredacted: bool) -> Record<'a> {
        let flag = |f| FlagRecord::of(f, emitted_at);
        match event {
            Event::Violation(f) => Record::Violation(flag(f)),
            Event::Alert(f) => Record::Alert(flag(f)),
            Event::Withdrawn(f) => Record::Withdrawn(flag(f)),
            Event::Met(m) => Record::Met(MetRecord::of(m, emitted_at)),
            Event::CallSummary(s) => Record::CallSummary(SummaryRecord::of(s, unredacted)),
        }
    }
}

/// One utterance of a call's transcript.
#[derive(Debug, Clone, Serialize)]
pub struct Utterance {
    pub speaker: Speaker,
    #[serde(serialize_with = "ms")]
    pub start: f64,
    #[serde(serialize_with = "ms")]
    pub end: f64,
    pub text: String,
    /// Heard where the recogniser could not hear: an operator's
    /// such words raise no banned-phrase flag (`Word::guessed`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub guessed: bool,
}

#[derive(Serialize)]
pub struct TranscriptRecord<'a> {
    #[serde(flatten)]
    call: CallRecord<'a>,
    utterances: &'a [Utterance],
}

impl<'a> TranscriptRecord<'a> {
    pub fn of(call: &'a CallMeta, utterances: &'a [Utterance]) -> TranscriptRecord<'a> {
        TranscriptRecord { call: CallRecord::of(call), utterances }
    }
}

/// Who and what the call is.
#[derive(Serialize)]
pub struct CallRecord<'a> {
    call: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    call_start: Option<&'a str>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    tags: &'a std::collections::BTreeMap<String, String>,
}

impl<'a> CallRecord<'a> {
    fn of(meta: &'a CallMeta) -> CallRecord<'a> {
        CallRecord {
            call: &meta.id,
            call_id: meta.call_id.as_deref(),
            operator: meta.operator.as_deref(),
            team: meta.team.as_deref(),
            call_start: meta.start.as_deref(),
            tags: &meta.tags,
        }
    }
}

#[derive(Serialize)]
pub struct PlaceRecord<'a> {
    #[serde(flatten)]
    call: CallRecord<'a>,
    rule: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    element: Option<&'a str>,
    category: &'a str,
    speaker: Speaker,
    #[serde(serialize_with = "ms")]
    start: f64,
    #[serde(serialize_with = "ms")]
    end: f64,
    text: &'a str,
    #[serde(rename = "match", skip_serializing_if = "Option::is_none")]
    matched: Option<Match>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "hundredths")]
    confidence: Option<f32>,
}

impl<'a> PlaceRecord<'a> {
    fn of(at: &'a Place) -> PlaceRecord<'a> {
        PlaceRecord {
            call: CallRecord::of(&at.call),
            rule: &at.rule,
            element: at.element.as_deref(),
            category: &at.category,
            speaker: at.speaker,
            start: at.start,
            end: at.end,
            text: &at.text,
            matched: at.matched,
            confidence: at.confidence,
        }
    }
}

#[derive(Serialize)]
pub struct FlagRecord<'a> {
    #[serde(flatten)]
    at: PlaceRecord<'a>,
    kind: &'static str,
    severity: Severity,
    weight: f64,
    message: &'a str,
    suggest: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    emitted_at: Option<f64>,
}

impl<'a> FlagRecord<'a> {
    fn of(f: &'a Flag, emitted_at: Option<f64>) -> FlagRecord<'a> {
        FlagRecord {
            at: PlaceRecord::of(&f.at),
            kind: f.kind.name(),
            severity: f.severity,
            weight: f.weight,
            message: &f.message,
            suggest: &f.suggest,
            emitted_at,
        }
    }
}

#[derive(Serialize)]
pub struct MetRecord<'a> {
    #[serde(flatten)]
    at: PlaceRecord<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    emitted_at: Option<f64>,
}

impl<'a> MetRecord<'a> {
    fn of(m: &'a Met, emitted_at: Option<f64>) -> MetRecord<'a> {
        MetRecord { at: PlaceRecord::of(&m.at), emitted_at }
    }
}

#[derive(Serialize)]
pub struct SummaryRecord<'a> {
    #[serde(flatten)]
    call: CallRecord<'a>,
    lang: Lang,
    scored: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    swapped: Option<&'static str>,
    violations: usize,
    alerts: usize,
    #[serde(serialize_with = "ms")]
    duration: f64,
    operator_words: usize,
    client_words: usize,
    met: &'a [String],
    missing: &'a [String],
    /// Stretches of speech taken out (card and phone numbers, ...).
    #[serde(skip_serializing_if = "is_zero")]
    redacted: usize,
    /// The words were kept as heard (`--no-redact`, for trusted QA only).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    unredacted: bool,
    metrics: MetricsRecord<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scorecard: Option<&'a Card>,
}

/// Call metrics, rounded as the rest of the format.
#[derive(Serialize)]
struct MetricsRecord<'a> {
    talk_s: Parties<Ms>,
    talk_share: Parties<Hundredths>,
    wpm: Parties<Option<Tenths>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pace: Option<Hundredths>,
    dead_air: &'a [Period],
    overtalk: &'a [Period],
    interruptions: &'a [Interruption],
    #[serde(skip_serializing_if = "Option::is_none")]
    monologue: Option<&'a Period>,
}

impl<'a> MetricsRecord<'a> {
    fn of(m: &'a Metrics) -> MetricsRecord<'a> {
        MetricsRecord {
            talk_s: Parties::with(|p| Ms(m.talk_s[p])),
            talk_share: Parties::with(|p| Hundredths(m.talk_share[p])),
            wpm: Parties::with(|p| m.wpm[p].map(Tenths)),
            pace: m.pace.map(Hundredths),
            dead_air: &m.dead_air,
            overtalk: &m.overtalk,
            interruptions: &m.interruptions,
            monologue: m.monologue.as_ref(),
        }
    }
}

/// A number rounded to the given power of ten when written.
macro_rules! rounded {
    ($name:ident, $scale:expr) => {
        struct $name(f64);
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_f64((self.0 * $scale).round() / $scale)
            }
        }
    };
}
rounded!(Ms, 1000.0);
rounded!(Hundredths, 100.0);
rounded!(Tenths, 10.0);

fn is_zero(n: &usize) -> bool {
    *n == 0
}

impl<'a> SummaryRecord<'a> {
    /// A call's summary; `unredacted` when redaction was turned off.
    pub fn of(s: &'a Summary, unredacted: bool) -> SummaryRecord<'a> {
        SummaryRecord {
            call: CallRecord::of(&s.call),
            lang: s.lang,
            scored: s.scored,
            reason: s.reason,
            score: s.score,
            swapped: match s.swapped {
                Swapped::No => None,
                Swapped::Suspected => Some("suspected"),
                Swapped::Corrected => Some("corrected"),
            },
            violations: s.violations,
            alerts: s.alerts,
            duration: s.duration,
            operator_words: s.operator_words,
            client_words: s.client_words,
            met: &s.met,
            missing: &s.missing,
            redacted: s.redacted,
            unredacted,
            metrics: MetricsRecord::of(&s.metrics),
            scorecard: s.scorecard.as_ref(),
        }
    }
}

fn hundredths<S: serde::Serializer>(c: &Option<f32>, s: S) -> Result<S::Ok, S::Error> {
    match c {
        Some(c) => s.serialize_f64((f64::from(*c) * 100.0).round() / 100.0),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use sufler_core::engine::FlagKind;

    fn flag(meta: CallMeta) -> Event {
        let at = Place {
            call: Arc::new(meta),
            rule: "ne-znayu".into(),
            element: None,
            category: "banned".into(),
            speaker: Speaker::Operator,
            start: 1.23449,
            end: 2.0,
            text: "не знаю".into(),
            matched: Some(Match::Stem),
            confidence: Some(0.4217),
        };
        Event::Violation(Flag {
            at,
            kind: FlagKind::Banned,
            alert: false,
            severity: Severity::Error,
            weight: 5.0,
            message: "Не говорите «не знаю»".into(),
            suggest: "Уточню".into(),
        })
    }

    #[test]
    fn a_flag_line() {
        let line = serde_json::to_string(&Record::of(&flag(CallMeta::named("a.wav")), Some(3.5), false)).unwrap();
        assert_eq!(
            line,
            r#"{"type":"violation","call":"a.wav","rule":"ne-znayu","category":"banned","speaker":"operator","start":1.234,"end":2.0,"text":"не знаю","match":"stem","confidence":0.42,"kind":"banned","severity":"error","weight":5.0,"message":"Не говорите «не знаю»","suggest":"Уточню","emitted_at":3.5}"#
        );
    }

    #[test]
    fn a_call_with_its_operator_and_team() {
        let meta = CallMeta {
            id: "a.wav".into(),
            call_id: None,
            operator: Some("Анна".into()),
            team: Some("Б2".into()),
            start: None,
            tags: [("queue".to_string(), "sales".to_string())].into(),
        };
        let line = serde_json::to_string(&Record::of(&flag(meta), None, false)).unwrap();
        assert!(line.starts_with(r#"{"type":"violation","call":"a.wav","operator":"Анна","team":"Б2","tags":{"queue":"sales"},"rule":"ne-znayu","#), "{line}");
    }
}
