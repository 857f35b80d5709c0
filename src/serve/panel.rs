//! What the operator panels and integrations follow: every call's news as
//! JSON records (the events in the JSON lines format of `check`, plus the
//! call's start with its checklist, its words and its lag), published to
//! every subscriber and kept per call, so that a panel opened or
//! reconnected mid-call is shown the call so far before what follows.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use tokio::sync::broadcast;

use sufler_core::call::{CallMeta, Speaker};
use sufler_core::rules::RuleSet;

use crate::live::screen::Screen;
use crate::live::{Notice, Update};
use crate::report::wire::Record;

/// Messages a subscriber may fall behind by before it is let go.
const BACKLOG: usize = 1024;

/// Lines of words kept per call for a panel opened mid-call.
const WORDS_KEPT: usize = 30;

/// Calls ended whose news is still kept (the latest of each operator's).
const ENDED_KEPT: usize = 200;

/// A lag is published when it moved this much (seconds), or ...
const LAG_STEP: f64 = 0.25;
/// ... when this long passed since the last one.
const LAG_EVERY: Duration = Duration::from_secs(1);

/// One record for the subscribers.
#[derive(Debug)]
pub struct Message {
    pub call: String,
    pub operator: Option<String>,
    /// The record's `type`: the SSE event's name.
    pub kind: &'static str,
    pub json: String,
}

/// Which calls a subscriber follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Follow {
    /// The operator's calls, one after another.
    Operator(String),
    Call(String),
    All,
}

impl Follow {
    pub fn wants(&self, m: &Message) -> bool {
        match self {
            Follow::Operator(o) => m.operator.as_deref() == Some(o.as_str()),
            Follow::Call(c) => m.call == *c,
            Follow::All => true,
        }
    }
}

#[derive(Default)]
struct History {
    call: String,
    operator: Option<String>,
    /// The start and every event and notice, in order.
    records: Vec<Arc<Message>>,
    words: VecDeque<Arc<Message>>,
    lag: Option<Arc<Message>>,
    /// The lag last published, and when.
    last_lag: Option<(f64, Instant)>,
    ended: bool,
}

#[derive(Default)]
struct State {
    calls: HashMap<u64, History>,
    ended: VecDeque<u64>,
}

/// The checklist a panel shows: the script's steps, each by its
/// [`sufler_core::engine::element_name`] (`rule.element`).
#[derive(Debug, Clone, Serialize)]
struct Step {
    key: String,
    label: String,
}

pub struct Panel {
    state: Mutex<State>,
    tx: broadcast::Sender<Arc<Message>>,
    checklist: Vec<Step>,
    lang: &'static str,
    /// The words are kept as heard (summaries say so).
    unredacted: bool,
}

#[derive(Serialize)]
struct Start<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    call: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    operator: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    team: Option<&'a str>,
    started_at: u64,
    lang: &'static str,
    checklist: &'a [Step],
}

#[derive(Serialize)]
struct Words<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    call: &'a str,
    speaker: Speaker,
    start: f64,
    end: f64,
    text: &'a str,
    utterance_start: bool,
}

#[derive(Serialize)]
struct Lag<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    call: &'a str,
    seconds: f64,
}

impl Panel {
    pub fn new(rules: &RuleSet, unredacted: bool) -> Panel {
        let screen = Screen::new(rules, "");
        let checklist = screen.checklist.into_iter().map(|s| Step { key: s.key, label: s.label }).collect();
        Panel { state: Mutex::new(State::default()), tx: broadcast::channel(BACKLOG).0, checklist, lang: rules.lang.code(), unredacted }
    }

    /// A call began.
    pub fn begin(&self, key: u64, call: &CallMeta, started_at: u64) {
        let json = serde_json::to_string(&Start {
            kind: "call",
            call: &call.id,
            operator: call.operator.as_deref(),
            team: call.team.as_deref(),
            started_at,
            lang: self.lang,
            checklist: &self.checklist,
        })
        .expect("serialises");
        let mut state = self.state.lock().expect("panel");
        state.calls.insert(key, History { call: call.id.clone(), operator: call.operator.clone(), ..History::default() });
        self.publish(&mut state, key, "call", json);
    }

    /// News of a call.
    pub fn update(&self, key: u64, call: &CallMeta, update: &Update) {
        let mut state = self.state.lock().expect("panel");
        let (kind, json) = match update {
            Update::Event { event, emitted_at } => {
                let record = Record::of(event, Some(*emitted_at), self.unredacted);
                (record_kind(&record), serde_json::to_string(&record).expect("serialises"))
            }
            Update::Words { speaker, start, end, text, utterance_start, .. } => {
                let words = Words { kind: "words", call: &call.id, speaker: *speaker, start: *start, end: *end, text, utterance_start: *utterance_start };
                ("words", serde_json::to_string(&words).expect("serialises"))
            }
            Update::Lag(seconds) => {
                let Some(h) = state.calls.get_mut(&key) else { return };
                if h.last_lag.is_some_and(|(last, at)| (seconds - last).abs() < LAG_STEP && at.elapsed() < LAG_EVERY) {
                    return;
                }
                h.last_lag = Some((*seconds, Instant::now()));
                ("lag", serde_json::to_string(&Lag { kind: "lag", call: &call.id, seconds: *seconds }).expect("serialises"))
            }
            Update::Notice(n @ Notice::Skipped { .. }) => ("skipped", notice_json(&call.id, n)),
            Update::Notice(_) => return,
        };
        self.publish(&mut state, key, kind, json);
    }

    /// A call's results are written: its news is kept a while for panels
    /// that open late.
    pub fn end(&self, key: u64) {
        let mut state = self.state.lock().expect("panel");
        if let Some(h) = state.calls.get_mut(&key) {
            h.ended = true;
        }
        state.ended.push_back(key);
        while state.ended.len() > ENDED_KEPT {
            let old = state.ended.pop_front().expect("not empty");
            state.calls.remove(&old);
        }
    }

    /// Subscribes: the news so far of the call followed (an operator's
    /// latest), then a receiver of what comes next.
    pub fn subscribe(&self, follow: &Follow) -> (Vec<Arc<Message>>, broadcast::Receiver<Arc<Message>>) {
        let state = self.state.lock().expect("panel");
        let rx = self.tx.subscribe();
        let latest = state
            .calls
            .iter()
            .filter(|(_, h)| match follow {
                Follow::Operator(o) => h.operator.as_deref() == Some(o.as_str()),
                Follow::Call(c) => h.call == *c,
                Follow::All => !h.ended,
            })
            .map(|(k, _)| *k);
        let keys: Vec<u64> = match follow {
            Follow::All => {
                let mut all: Vec<u64> = latest.collect();
                all.sort_unstable();
                all
            }
            _ => latest.max().into_iter().collect(),
        };
        let mut past = Vec::new();
        for k in keys {
            let h = &state.calls[&k];
            past.extend(h.records.iter().cloned());
            past.extend(h.lag.iter().cloned());
            past.extend(h.words.iter().cloned());
        }
        (past, rx)
    }

    fn publish(&self, state: &mut State, key: u64, kind: &'static str, json: String) {
        let Some(h) = state.calls.get_mut(&key) else { return };
        let m = Arc::new(Message { call: h.call.clone(), operator: h.operator.clone(), kind, json });
        match kind {
            "words" => {
                h.words.push_back(m.clone());
                if h.words.len() > WORDS_KEPT {
                    h.words.pop_front();
                }
            }
            "lag" => h.lag = Some(m.clone()),
            _ => h.records.push(m.clone()),
        }
        // No subscriber: nothing to do.
        let _ = self.tx.send(m);
    }
}

fn record_kind(record: &Record<'_>) -> &'static str {
    match record {
        Record::Violation(_) => "violation",
        Record::Alert(_) => "alert",
        Record::Withdrawn(_) => "withdrawn",
        Record::Met(_) => "met",
        Record::Transcript(_) => "transcript",
        Record::CallSummary(_) => "call_summary",
        Record::Warning { .. } => "warning",
        Record::Error { .. } => "error",
    }
}

fn notice_json(call: &str, notice: &Notice) -> String {
    let mut v = serde_json::to_value(notice).expect("serialises");
    v["call"] = call.into();
    v.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use sufler_core::rules::{Source, Vars};
    use sufler_core::text::Lang;

    const RULES: &str = r#"
[[rule]]
id = "greeting"
category = "greeting"
kind = "required"
speaker = "operator"
first_s = 20
message = "Приветствие неполное"

[[rule.element]]
id = "hello"
phrases = ["здравствуйте"]
suggest = "Здравствуйте!"
"#;

    fn panel() -> Panel {
        let source = Source { path: "t.toml".into(), text: RULES.into() };
        Panel::new(&RuleSet::from_sources(&[source], Some(Lang::Ru), &Vars::new()).unwrap(), false)
    }

    fn call(id: &str, operator: &str) -> CallMeta {
        CallMeta { operator: Some(operator.into()), ..CallMeta::named(id) }
    }

    fn words(text: &str, start: f64) -> Update {
        Update::Words { speaker: Speaker::Operator, start, end: start + 0.5, text: text.into(), utterance_start: true, guessed: false }
    }

    /// (record type, call) of messages.
    fn brief(messages: &[Arc<Message>]) -> Vec<(&'static str, String)> {
        messages.iter().map(|m| (m.kind, m.call.clone())).collect()
    }

    #[test]
    fn a_panel_opened_mid_call_is_shown_the_call_so_far_then_only_what_it_follows() {
        let p = panel();
        let (anna, boris) = (call("c1", "anna"), call("c2", "boris"));
        p.begin(1, &anna, 1_000);
        p.update(1, &anna, &words("Здравствуйте", 0.5));
        p.update(1, &anna, &Update::Lag(0.4));
        p.begin(2, &boris, 2_000);
        let (past, mut rx) = p.subscribe(&Follow::Operator("anna".into()));
        assert_eq!(brief(&past), [("call", "c1".into()), ("lag", "c1".into()), ("words", "c1".into())]);
        assert!(past[0].json.contains(r#""checklist":[{"key":"greeting.hello","label":"Здравствуйте!"}]"#), "{}", past[0].json);
        p.update(2, &boris, &words("Добрый день", 1.0));
        // A lag that hardly moved is not news yet.
        p.update(1, &anna, &Update::Lag(0.45));
        p.update(1, &anna, &words("компания", 1.2));
        let follow = Follow::Operator("anna".into());
        let mut news = Vec::new();
        while let Ok(m) = rx.try_recv() {
            if follow.wants(&m) {
                news.push(m);
            }
        }
        assert_eq!(brief(&news), [("words", "c1".into())]);
        // Anna's next call is the one a panel opened now follows.
        p.end(1);
        p.begin(3, &call("c3", "anna"), 3_000);
        assert_eq!(brief(&p.subscribe(&Follow::Operator("anna".into())).0), [("call", "c3".into())]);
        assert_eq!(brief(&p.subscribe(&Follow::Call("c1".into())).0)[0], ("call", "c1".into()));
        // Every call in progress, oldest first.
        assert_eq!(
            brief(&p.subscribe(&Follow::All).0).iter().filter(|(k, _)| *k == "call").cloned().collect::<Vec<_>>(),
            [("call", "c2".into()), ("call", "c3".into())]
        );
    }
}
