//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use sufler::engine::{Event, FlagKind, check_call};
use sufler::rules::{RuleSet, Source, Vars};
use sufler::text::Lang;
use sufler::transcript::Transcript;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn vars(pairs: &[(&str, &str)]) -> Vars {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The bundled rule set of a language.
pub fn bundled(lang: Lang, pairs: &[(&str, &str)]) -> RuleSet {
    RuleSet::load(&root().join("rules").join(lang.code()), Some(lang), &vars(pairs)).expect("bundled rules load")
}

/// A rule set from one TOML text, named `test.toml`.
pub fn from_toml(text: &str, pairs: &[(&str, &str)]) -> Result<RuleSet, sufler::Error> {
    let source = Source { path: PathBuf::from("test.toml"), text: text.to_string() };
    RuleSet::from_sources(&[source], Some(Lang::Ru), &vars(pairs))
}

/// Checks a plain-text transcript and returns all events.
pub fn run(rules: &RuleSet, transcript: &str) -> Vec<Event> {
    let t = Transcript::parse(Path::new("call.txt"), transcript).expect("transcript parses");
    check_call(rules, "call.txt", &t.words(), t.duration)
}

/// Events in a compact form for tables: `banned ne-znayu «не знаю»`,
/// `missing greeting.company`, `alert client-abuse «идиоты»`, `met closing.thanks`.
pub fn brief(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Violation(f) | Event::Alert(f) => {
                let name = sufler::engine::element_name(&f.at.rule, f.at.element.as_deref());
                let alert = if matches!(e, Event::Alert(_)) { "alert " } else { "" };
                Some(match f.kind {
                    FlagKind::Banned => format!("{alert}banned {name} «{}»", f.at.text),
                    FlagKind::Missing => format!("{alert}missing {name}"),
                })
            }
            Event::Withdrawn(f) => Some(format!("withdrawn {} «{}»", f.at.rule, f.at.text)),
            Event::Met(m) => Some(format!("met {}", sufler::engine::element_name(&m.at.rule, m.at.element.as_deref()))),
            Event::CallSummary(_) => None,
        })
        .collect()
}

/// Only the flags about things said (banned phrases and alerts).
pub fn banned(events: &[Event]) -> Vec<String> {
    brief(events).into_iter().filter(|s| s.contains("banned ")).collect()
}

/// A file the setup script makes; fails the test with what to run when it is not there.
pub fn need(path: &Path) -> PathBuf {
    assert!(path.exists(), "{} is missing: run scripts/setup.sh first", path.display());
    path.to_path_buf()
}

/// The JSON lines a run printed.
pub fn events(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone()).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

/// Rule ids of banned-phrase violations, alerts and met elements of one call.
pub fn found(events: &[serde_json::Value], call: &str) -> BTreeMap<&'static str, Vec<String>> {
    let mut out: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for e in events.iter().filter(|e| e["call"].as_str().is_some_and(|c| c.ends_with(call))) {
        let (key, value) = match (e["type"].as_str(), e["kind"].as_str()) {
            (Some("violation"), Some("banned")) => ("banned", e["rule"].as_str().unwrap().to_string()),
            (Some("alert"), _) => ("alerts", e["rule"].as_str().unwrap().to_string()),
            (Some("met"), _) => ("met", format!("{}.{}", e["rule"].as_str().unwrap(), e["element"].as_str().unwrap())),
            _ => continue,
        };
        out.entry(key).or_default().push(value);
    }
    out.values_mut().for_each(|v| v.sort());
    out
}
