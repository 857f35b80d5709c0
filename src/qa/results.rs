//! Saved results read back: the JSON lines of one or many `check` runs,
//! regrouped call by call. A call checked again in a later run (or later
//! in the same file) is the later run's; a line that cannot be read is
//! told (file and line) and skipped.

use std::collections::{BTreeMap, HashMap};
use std::io::BufRead;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::{Map, Value};

use sufler_core::engine::element_name;

use crate::error::Result;
use crate::shard::Outputs;

/// One call as its records tell it.
#[derive(Debug, Default, Clone, Serialize)]
pub struct Call {
    /// What it is known by (its recording's or transcript's path).
    pub call: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Its summary record, as written (metrics and scorecard within).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub summary: Option<Value>,
    /// Violations and alerts that stand, in the order they came.
    pub flags: Vec<Value>,
    pub utterances: Vec<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<String>,
}

impl Call {
    /// The score QA goes by: the scorecard's, else the rules' weights'.
    pub fn score(&self) -> Option<f64> {
        let s = self.summary.as_ref()?;
        s.pointer("/scorecard/score").and_then(Value::as_f64).or_else(|| s.get("score").and_then(Value::as_f64))
    }

    /// Whether it passed its scorecard (none without one, or unscored).
    pub fn passed(&self) -> Option<bool> {
        self.summary.as_ref()?.pointer("/scorecard/passed").and_then(Value::as_bool)
    }

    /// The day it was taken, when its start says (`YYYY-MM-DD…`).
    pub fn day(&self) -> Option<&str> {
        let start = self.start.as_deref()?;
        let day = start.get(..10)?;
        let b = day.as_bytes();
        (b[4] == b'-' && b[7] == b'-' && day.chars().filter(char::is_ascii_digit).count() == 8).then_some(day)
    }

    /// The language its rules were written in.
    pub fn lang(&self) -> Option<&str> {
        self.summary.as_ref()?.get("lang")?.as_str()
    }

    /// `rule` or `rule.element` of each violation that stands.
    pub fn violations(&self) -> impl Iterator<Item = String> + '_ {
        self.flags.iter().filter(|f| f["type"] == "violation").map(|f| element_name(f["rule"].as_str().unwrap_or(""), f.get("element").and_then(Value::as_str)))
    }
}

/// The calls of a batch of results, and the lines that could not be read.
#[derive(Debug, Default)]
pub struct Results {
    pub calls: Vec<Call>,
    pub skipped: Vec<String>,
    /// Results folders whose batch lacks calls or has some twice.
    pub incomplete: Vec<String>,
}

/// Fields a record carries about its call, kept once per call.
const CALL_FIELDS: [&str; 7] = ["type", "call", "call_id", "operator", "team", "call_start", "tags"];

impl Results {
    /// Reads results files (`-` is stdin) in order; a folder is the
    /// results of `check --results` (a batch's shares), whose calls missing
    /// or doubled are told among the lines skipped.
    pub fn read(paths: &[PathBuf]) -> Result<Results> {
        let mut reader = Reader::default();
        let mut incomplete = Vec::new();
        for path in paths {
            if path.is_dir() {
                let outputs = Outputs::collect(std::slice::from_ref(path))?;
                if !outputs.complete() {
                    incomplete.extend(outputs.told().into_iter().map(|l| format!("{}: {l}", path.display())));
                }
                for (_, file) in &outputs.files {
                    let input = std::fs::File::open(file).map_err(|e| sufler_core::Error::io(file, e))?;
                    reader.lines(file, std::io::BufReader::new(input))?;
                }
            } else if path.as_os_str() == "-" {
                reader.lines(Path::new("<stdin>"), std::io::stdin().lock())?;
            } else {
                let file = std::fs::File::open(path).map_err(|e| sufler_core::Error::io(path, e))?;
                reader.lines(path, std::io::BufReader::new(file))?;
            }
        }
        let calls = reader.calls.into_iter().filter(|c| c.summary.is_some() || !c.errors.is_empty()).collect();
        Ok(Results { calls, skipped: reader.skipped, incomplete })
    }
}

#[derive(Default)]
struct Reader {
    calls: Vec<Call>,
    index: HashMap<String, usize>,
    skipped: Vec<String>,
}

impl Reader {
    fn lines(&mut self, path: &Path, input: impl BufRead) -> Result<()> {
        for (n, line) in input.lines().enumerate() {
            let line = line.map_err(|e| sufler_core::Error::io(path, e))?;
            if line.trim().is_empty() {
                continue;
            }
            let at = || format!("{}:{}", path.display(), n + 1);
            match serde_json::from_str::<Value>(&line) {
                Ok(Value::Object(record)) => {
                    if let Err(why) = self.record(record) {
                        self.skipped.push(format!("{}: {why}", at()));
                    }
                }
                Ok(_) => self.skipped.push(format!("{}: not a JSON object", at())),
                Err(e) => self.skipped.push(format!("{}: {e}", at())),
            }
        }
        Ok(())
    }

    fn record(&mut self, mut r: Map<String, Value>) -> std::result::Result<(), String> {
        let kind = r.get("type").and_then(Value::as_str).ok_or("no `type`")?.to_string();
        if !matches!(kind.as_str(), "violation" | "alert" | "withdrawn" | "met" | "transcript" | "call_summary" | "warning" | "error") {
            // Live mode's notices and later record types: not about a call's result.
            return Ok(());
        }
        let id = r.get("call").and_then(Value::as_str).ok_or("no `call`")?.to_string();
        let i = match self.index.get(&id) {
            // A call seen through to its summary, begun again: a later run.
            Some(&i) if self.calls[i].summary.is_some() && kind != "call_summary" => {
                self.calls[i] = Call { call: id.clone(), ..Call::default() };
                i
            }
            Some(&i) => i,
            None => {
                self.calls.push(Call { call: id.clone(), ..Call::default() });
                self.index.insert(id, self.calls.len() - 1);
                self.calls.len() - 1
            }
        };
        let call = &mut self.calls[i];
        let text = |r: &Map<String, Value>, k: &str| r.get(k).and_then(Value::as_str).map(str::to_string);
        call.call_id = call.call_id.take().or_else(|| text(&r, "call_id"));
        call.operator = call.operator.take().or_else(|| text(&r, "operator"));
        call.team = call.team.take().or_else(|| text(&r, "team"));
        call.start = call.start.take().or_else(|| text(&r, "call_start"));
        if let Some(Value::Object(tags)) = r.get("tags") {
            call.tags.extend(tags.iter().filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string()))));
        }
        match kind.as_str() {
            "warning" | "error" => {
                let message = text(&r, "message").unwrap_or_default();
                if kind == "error" { call.errors.push(message) } else { call.warnings.push(message) }
            }
            "transcript" => call.utterances = r.remove("utterances").and_then(|u| u.as_array().cloned()).unwrap_or_default(),
            "withdrawn" => {
                let same = |f: &Value| f.get("rule") == r.get("rule") && f.get("element") == r.get("element") && f.get("start") == r.get("start");
                if let Some(at) = call.flags.iter().position(same) {
                    call.flags.remove(at);
                }
            }
            // What was met shows on the scorecard, through the summary.
            "met" => {}
            _ => {
                for field in CALL_FIELDS.iter().filter(|f| **f != "type") {
                    r.remove(*field);
                }
                if kind == "call_summary" {
                    call.summary = Some(Value::Object(r));
                } else {
                    r.remove("emitted_at");
                    r.insert("type".into(), Value::String(kind));
                    call.flags.push(Value::Object(r));
                }
            }
        }
        Ok(())
    }
}
