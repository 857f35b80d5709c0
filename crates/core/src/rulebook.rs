//! Rule sets as trainers hand them in: compiled, and each rule checked
//! against its own inline examples by running them through the engine.
//! This sits above both [`crate::rules`] (which knows nothing of the
//! engine) and [`crate::engine`].

use std::borrow::Cow;
use std::path::Path;

use crate::call::Speaker;
use crate::engine::{Event, FlagKind};
use crate::error::{Diagnostic, Error, Result};
use crate::rules::{self, Examples, Kind, RuleSet, Source, SpeakerScope, TestReport, Vars};
use crate::text::Lang;
use crate::transcript::{Segment, Transcript, WORD_S};

impl RuleSet {
    /// Loads and compiles a rule directory. Any problem, including an
    /// inline example that fails, is an error.
    ///
    /// The language is the one the files declare (`lang = "cs"`); `asked`
    /// is the one the caller wants (the default when no file declares one),
    /// and a set declared in another is an error.
    pub fn load(dir: &Path, asked: Option<Lang>, vars: &Vars) -> Result<RuleSet> {
        RuleSet::from_sources(&rules::read_dir(dir)?, asked, vars)
    }

    /// Compiles rule files already in memory.
    pub fn from_sources(sources: &[Source], asked: Option<Lang>, vars: &Vars) -> Result<RuleSet> {
        let (set, report) = build(sources, asked, vars)?;
        match set {
            Some(set) if report.failures.is_empty() => Ok(set),
            _ => Err(Error::Rules(report.failures)),
        }
    }

    /// Runs every check and inline example, collecting all failures instead
    /// of stopping at the first.
    pub fn test(sources: &[Source], asked: Option<Lang>, vars: &Vars) -> Result<TestReport> {
        Ok(build(sources, asked, vars)?.1)
    }

    /// Compiles rule files for checking calls: a file that does not parse
    /// or compile is an error, as in [`RuleSet::from_sources`], but a rule
    /// whose own examples fail is left out (one trainer's slip does not
    /// stop every call being checked by the others), and its failures are
    /// given back as warnings to tell.
    pub fn in_use(sources: &[Source], asked: Option<Lang>, vars: &Vars) -> Result<(RuleSet, Vec<Diagnostic>)> {
        let compiled = rules::compile(sources, asked, vars, &[], Some(&run))?;
        // Anything wrong but examples refuses the set.
        let set = match compiled.set {
            Some(set) if compiled.report.failures.is_empty() => set,
            _ => return Err(Error::Rules(compiled.report.failures)),
        };
        if compiled.failing.is_empty() {
            return Ok((set, Vec::new()));
        }
        drop(set);
        let set = rules::compile(sources, asked, vars, &compiled.failing, None)?.set.expect("the rest compiled before");
        Ok((set, compiled.example_failures.into_iter().map(Diagnostic::warning).collect()))
    }
}

fn build(sources: &[Source], asked: Option<Lang>, vars: &Vars) -> Result<(Option<RuleSet>, TestReport)> {
    let mut compiled = rules::compile(sources, asked, vars, &[], Some(&run))?;
    compiled.report.failures.append(&mut compiled.example_failures);
    Ok((compiled.set, compiled.report))
}

/// Runs one rule's examples, each a call of its own: its failures.
fn run(examples: &Examples<'_>) -> Vec<Diagnostic> {
    let mut failures = Vec::new();
    let rule = &examples.set.rules[0];
    let default_speaker = match rule.speaker {
        SpeakerScope::Client => Speaker::Client,
        _ => Speaker::Operator,
    };
    for case in &examples.cases {
        let (speaker, text) = split_speaker(case.text.get_ref(), default_speaker);
        let events = said(text, speaker).check(&examples.set, "example");
        let missing: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::Violation(f) | Event::Alert(f) if f.kind == FlagKind::Missing => Some(f.at.element.as_deref().unwrap_or(&f.at.rule)),
                _ => None,
            })
            .collect();
        let heard: Vec<&str> = events
            .iter()
            .filter_map(|e| match e {
                Event::Violation(f) | Event::Alert(f) if f.kind == FlagKind::Banned => Some(f.at.text.as_str()),
                _ => None,
            })
            .collect();
        let id = &rule.id;
        let problem = match (rule.kind, case.element) {
            // Metrics are not said: a metric rule has no examples to run.
            (Kind::Metric, _) => None,
            (Kind::Banned, _) => match (case.hit, heard.first()) {
                (true, None) => Some(format!("example should hit rule `{id}`, but it does not")),
                (false, Some(h)) => Some(format!("example should not hit rule `{id}`, but it does (heard «{h}»)")),
                _ => None,
            },
            (Kind::Required, None) => match (case.hit, missing.is_empty()) {
                (true, false) => Some(format!("example should meet rule `{id}`, but misses {}", missing.join(", "))),
                (false, true) => Some(format!("example should miss rule `{id}`, but meets it")),
                _ => None,
            },
            (Kind::Required, Some(ei)) => {
                let name = rule.elements[ei].id.as_deref().unwrap_or(id);
                match (case.hit, missing.contains(&name)) {
                    (true, true) => Some(format!("example should meet `{id}.{name}`, but does not")),
                    (false, false) => Some(format!("example should miss `{id}.{name}`, but meets it")),
                    _ => None,
                }
            }
        };
        if let Some(problem) = problem {
            failures.push(examples.source.diag(case.text.span(), problem));
        }
    }
    failures
}

/// An example may name its speaker: `client: я не знаю`.
fn split_speaker(example: &str, default: Speaker) -> (Speaker, &str) {
    if let Some((head, rest)) = example.split_once(':')
        && let Ok(speaker) = head.parse::<Speaker>()
    {
        return (speaker, rest);
    }
    (default, example)
}

/// An example as a call of one utterance, its words evenly timed.
fn said(text: &str, speaker: Speaker) -> Transcript<'_> {
    let end = text.split_whitespace().count() as f64 * WORD_S;
    let segment = Segment { speaker, start: 0.0, end, text: Cow::Borrowed(text), words: Vec::new() };
    Transcript { language: None, duration: None, segments: vec![segment], warnings: Vec::new(), redacted: Vec::new(), unredacted: false, call: None }
}
