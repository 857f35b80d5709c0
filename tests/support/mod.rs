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
