//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use sufler_core::engine::{Event, FlagKind};
use sufler_core::rules::{RuleSet, Source, Vars};
use sufler_core::text::Lang;
use sufler_core::transcript::Transcript;

/// The repository, where the bundled rule sets are.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

pub fn vars(pairs: &[(&str, &str)]) -> Vars {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The bundled rule set of a language.
pub fn bundled(lang: Lang, pairs: &[(&str, &str)]) -> RuleSet {
    RuleSet::load(&root().join("rules").join(lang.code()), Some(lang), &vars(pairs)).expect("bundled rules load")
}

/// A rule set from one TOML text, named `test.toml`.
pub fn from_toml(text: &str, pairs: &[(&str, &str)]) -> Result<RuleSet, sufler_core::Error> {
    from_toml_in(Lang::Ru, text, pairs)
}

/// The same, in another language.
pub fn from_toml_in(lang: Lang, text: &str, pairs: &[(&str, &str)]) -> Result<RuleSet, sufler_core::Error> {
    let source = Source { path: PathBuf::from("test.toml"), text: text.to_string() };
    RuleSet::from_sources(&[source], Some(lang), &vars(pairs))
}

/// Checks a plain-text transcript and returns all events.
pub fn run(rules: &RuleSet, transcript: &str) -> Vec<Event> {
    let t = Transcript::parse(Path::new("call.txt"), transcript).expect("transcript parses");
    t.check(rules, "call.txt")
}

/// Events in a compact form for tables: `banned ne-znayu «не знаю»`,
/// `missing greeting.company`, `alert client-abuse «идиоты»`, `met closing.thanks`.
pub fn brief(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Violation(f) | Event::Alert(f) => {
                let name = sufler_core::engine::element_name(&f.at.rule, f.at.element.as_deref());
                let alert = if matches!(e, Event::Alert(_)) { "alert " } else { "" };
                Some(match f.kind {
                    FlagKind::Banned => format!("{alert}banned {name} «{}»", f.at.text),
                    FlagKind::Missing => format!("{alert}missing {name}"),
                    FlagKind::Metric => format!("{alert}metric {name} «{}»", f.at.text),
                })
            }
            Event::Withdrawn(f) => Some(format!("withdrawn {} «{}»", f.at.rule, f.at.text)),
            Event::Met(m) => Some(format!("met {}", sufler_core::engine::element_name(&m.at.rule, m.at.element.as_deref()))),
            Event::CallSummary(_) => None,
        })
        .collect()
}

/// Only the flags about things said (banned phrases and alerts).
pub fn banned(events: &[Event]) -> Vec<String> {
    brief(events).into_iter().filter(|s| s.contains("banned ")).collect()
}

/// Checks lines `speaker: text` heard by a recogniser: a word written
/// `~word` was heard unsure (confidence 0.5), the others surely (0.95).
pub fn run_heard(rules: &RuleSet, lines: &[&str]) -> Vec<Event> {
    let segments: Vec<serde_json::Value> = lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let (speaker, text) = line.split_once(": ").expect("`speaker: text`");
            let start = 4.0 * i as f64;
            let words: Vec<serde_json::Value> = text
                .split(' ')
                .enumerate()
                .map(|(k, w)| {
                    let (w, confidence) = match w.strip_prefix('~') {
                        Some(w) => (w, 0.5),
                        None => (w, 0.95),
                    };
                    let at = start + 0.4 * k as f64;
                    serde_json::json!({"start": at, "end": at + 0.4, "text": w, "confidence": confidence})
                })
                .collect();
            let end = start + 0.4 * words.len() as f64;
            serde_json::json!({"speaker": speaker, "start": start, "end": end, "text": text.replace('~', ""), "words": words})
        })
        .collect();
    let json = serde_json::json!({ "segments": segments }).to_string();
    let t = Transcript::parse(Path::new("call.json"), &json).expect("transcript parses");
    t.check(rules, "call.json")
}
