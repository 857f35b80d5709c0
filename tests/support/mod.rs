//! Helpers shared by the binary's integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A model file, where the binary would find it; fails the test with what
/// to run when it is not there.
pub fn model(name: &str) -> PathBuf {
    need(&sufler::settings::model(None, name))
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

/// Card and phone numbers left in a text: runs of digits (with the
/// separators Whisper writes between them) of 13 or more that pass the
/// Luhn check, and of 9 or more (a phone number's).
pub fn leaks(text: &str) -> Vec<String> {
    let mut runs = Vec::new();
    let mut run = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            run.push(c);
        } else if !(matches!(c, ' ' | '.' | ',' | '-' | '/' | '(' | ')' | '+') && chars.peek().is_some_and(|n| n.is_ascii_digit() || *n == ' ')) {
            runs.push(std::mem::take(&mut run));
        }
    }
    runs.push(run);
    let luhn = |d: &str| {
        d.bytes()
            .rev()
            .enumerate()
            .map(|(i, b)| {
                let d = u32::from(b - b'0');
                if i % 2 == 1 { if d > 4 { d * 2 - 9 } else { d * 2 } } else { d }
            })
            .sum::<u32>()
            % 10
            == 0
    };
    runs.into_iter().filter(|r| (r.len() >= 13 && luhn(r)) || (9..=12).contains(&r.len())).collect()
}

/// Every string in a JSON document (or in JSON lines), one per line: the
/// words and messages, without the numbers of times and confidences.
pub fn strings(json: &str) -> String {
    fn walk(v: &serde_json::Value, out: &mut String) {
        match v {
            serde_json::Value::String(s) => {
                out.push_str(s);
                out.push('\n');
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| walk(v, out)),
            _ => {}
        }
    }
    let mut out = String::new();
    for v in serde_json::Deserializer::from_str(json).into_iter::<serde_json::Value>() {
        walk(&v.unwrap(), &mut out);
    }
    out
}
pub mod browser;
pub mod pbx;
