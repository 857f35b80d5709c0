//! `sufler rules test`, `lint` and `diff`: a trainer's rule files
//! checked, every problem with its place, and two versions of a set
//! compared on stored transcripts.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

use rayon::prelude::*;
use serde::Serialize;

use sufler_core::Diagnostic;
use sufler_core::call::Speaker;
use sufler_core::engine::{Event, element_name, standing};
use sufler_core::redact;
use sufler_core::rules;
use sufler_core::text::Lang;
use sufler_core::transcript::{self, Transcript};

use crate::error::Result;
use crate::settings::Rules;

/// What the rules' examples came to.
pub struct Tested {
    pub files: usize,
    pub rules: usize,
    pub examples: usize,
    pub failures: Vec<Diagnostic>,
}

/// Runs every inline example, and every check of loading.
pub fn test(rules: &Rules) -> Result<Tested> {
    let (_, report) = rules.test()?;
    Ok(Tested { files: report.files, rules: report.rules, examples: report.examples, failures: report.failures })
}

/// Errors (as `test` finds them) and warnings of likely mistakes.
pub fn lint(settings: &Rules) -> Result<(Vec<Diagnostic>, Vec<Diagnostic>)> {
    let (sources, report) = settings.test()?;
    let warnings = rules::lint(&sources, report.lang.or(settings.lang).unwrap_or(Lang::Ru));
    Ok((report.failures, warnings))
}

/// A flag as two rule-set versions are compared by: where and what,
/// to the tenth of a second.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Key {
    name: String,
    kind: &'static str,
    speaker: Speaker,
    tenths: i64,
    text: String,
}

/// One flag gained or lost, as an example for trainers.
#[derive(Debug, Clone, Serialize)]
pub struct Example {
    pub call: String,
    pub start: f64,
    pub kind: &'static str,
    pub text: String,
}

/// What one rule (or element) flags under each version.
#[derive(Debug, Default, Serialize)]
pub struct RuleDiff {
    pub rule: String,
    /// Its flags under each version.
    pub old: usize,
    pub new: usize,
    /// Flags only the new version raises, and only the old one did.
    pub gained: usize,
    pub lost: usize,
    /// A few of each ([`EXAMPLES`]).
    pub gained_examples: Vec<Example>,
    pub lost_examples: Vec<Example>,
}

/// Two versions of a rule set over the same transcripts.
#[derive(Debug, Default, Serialize)]
pub struct Diff {
    pub transcripts: usize,
    /// Transcripts that could not be read: file and why.
    pub unread: Vec<String>,
    /// Rules either version leaves out because their examples fail.
    #[serde(skip)]
    pub dropped: Vec<Diagnostic>,
    /// Rules whose flags changed, by name.
    pub rules: Vec<RuleDiff>,
}

/// Examples kept per rule and direction.
pub const EXAMPLES: usize = 3;

/// Re-scores `transcripts` under `old` and `new`: the violations and alerts
/// each gains and loses, per rule.
pub fn diff(old: &Rules, new: &Rules, transcripts: &[PathBuf]) -> Result<Diff> {
    let (old, mut dropped) = old.load()?;
    let (new, mut more) = new.load()?;
    dropped.append(&mut more);
    let files = crate::batch::files(transcripts, crate::batch::TRANSCRIPTS);
    // Per transcript: its call, its flags under each version (or why it was not read).
    type Flags = std::result::Result<(String, Vec<Key>, Vec<Key>), String>;
    let results: Vec<Flags> = files
        .par_iter()
        .map(|f| {
            let path = f.as_ref().map_err(|e| e.to_string())?;
            let text = transcript::read(path).map_err(|e| e.to_string())?;
            let mut t = Transcript::parse(path, &text).map_err(|e| e.to_string())?;
            redact::transcript(new.lang, &mut t);
            let call = path.display().to_string();
            Ok((call.clone(), keys(&t.check(&old, call.as_str())), keys(&t.check(&new, call.as_str()))))
        })
        .collect();
    let mut out = Diff { dropped, ..Diff::default() };
    let mut by_rule: BTreeMap<String, RuleDiff> = BTreeMap::new();
    for r in results {
        let (call, before, after) = match r {
            Ok(r) => r,
            Err(e) => {
                out.unread.push(e);
                continue;
            }
        };
        out.transcripts += 1;
        let (b, a): (HashSet<&Key>, HashSet<&Key>) = (before.iter().collect(), after.iter().collect());
        for (keys, other, old_side) in [(&before, &a, true), (&after, &b, false)] {
            for k in keys {
                let d = by_rule.entry(k.name.clone()).or_insert_with(|| RuleDiff { rule: k.name.clone(), ..RuleDiff::default() });
                if old_side {
                    d.old += 1
                } else {
                    d.new += 1
                }
                if !other.contains(k) {
                    let (count, examples) = if old_side { (&mut d.lost, &mut d.lost_examples) } else { (&mut d.gained, &mut d.gained_examples) };
                    *count += 1;
                    if examples.len() < EXAMPLES {
                        examples.push(Example { call: call.clone(), start: k.tenths as f64 / 10.0, kind: k.kind, text: k.text.clone() });
                    }
                }
            }
        }
    }
    out.rules = by_rule.into_values().filter(|d| d.gained + d.lost > 0).collect();
    Ok(out)
}

/// The violations and alerts of a call's events, as compared.
fn keys(events: &[Event]) -> Vec<Key> {
    standing(events)
        .into_iter()
        .map(|f| Key {
            name: element_name(&f.at.rule, f.at.element.as_deref()),
            kind: f.kind.name(),
            speaker: f.at.speaker,
            tenths: (f.at.start * 10.0).round() as i64,
            text: f.at.text.clone(),
        })
        .collect()
}
