//! Inline examples (`tests.hit` / `tests.miss`): each rule is compiled on
//! its own with its file's `example_vars` and its examples are run through
//! the real engine, so an example passes exactly when the product would
//! flag (or not flag) that sentence.

use toml::Spanned;

use super::{Compiler, Kind, Pending, TestReport, compile_rule};
use crate::engine::{Event, FlagKind, Speaker, Word, check_call};
use crate::error::Result;
use crate::text::{Lang, Normalizer};

/// Seconds given to each word of an example.
const WORD_S: f64 = 0.4;

pub(super) fn check(p: &Pending<'_>, lang: Lang, report: &mut TestReport) -> Result<()> {
    let mut compiler = Compiler::default();
    let norm = Normalizer::new(lang);
    if let Err(mut ds) = compile_rule(p, 0, p.example_vars, &norm, &mut compiler) {
        report.failures.append(&mut ds);
        return Ok(());
    }
    let set = compiler.finish(lang, norm)?;
    let rule = &set.rules[0];
    let default_speaker = match rule.speaker {
        super::SpeakerScope::Client => Speaker::Client,
        _ => Speaker::Operator,
    };
    let mut run = |example: &Spanned<String>, want_hit: bool, element: Option<usize>| {
        report.examples += 1;
        let (speaker, text) = split_speaker(example.get_ref(), default_speaker);
        let events = check_call(&set, "example", &words(text, speaker), None);
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
        let problem = match (rule.kind, element) {
            (Kind::Banned, _) => match (want_hit, heard.first()) {
                (true, None) => Some(format!("example should hit rule `{id}`, but it does not")),
                (false, Some(h)) => Some(format!("example should not hit rule `{id}`, but it does (heard «{h}»)")),
                _ => None,
            },
            (Kind::Required, None) => match (want_hit, missing.is_empty()) {
                (true, false) => Some(format!("example should meet rule `{id}`, but misses {}", missing.join(", "))),
                (false, true) => Some(format!("example should miss rule `{id}`, but meets it")),
                _ => None,
            },
            (Kind::Required, Some(ei)) => {
                let name = rule.elements[ei].id.as_deref().unwrap_or(id);
                match (want_hit, missing.contains(&name)) {
                    (true, true) => Some(format!("example should meet `{id}.{name}`, but does not")),
                    (false, false) => Some(format!("example should miss `{id}.{name}`, but meets it")),
                    _ => None,
                }
            }
        };
        if let Some(problem) = problem {
            report.failures.push(p.source.diag(example.span(), problem));
        }
    };
    let elements = p.raw.element.iter().enumerate().map(|(i, e)| (&e.tests, Some(i)));
    for (tests, element) in std::iter::once((&p.raw.tests, None)).chain(elements) {
        for ex in &tests.hit {
            run(ex, true, element);
        }
        for ex in &tests.miss {
            run(ex, false, element);
        }
    }
    Ok(())
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

/// An example as one utterance of evenly timed words.
fn words(text: &str, speaker: Speaker) -> Vec<Word<'_>> {
    text.split_whitespace()
        .enumerate()
        .map(|(i, w)| Word {
            speaker,
            start: i as f64 * WORD_S,
            end: (i + 1) as f64 * WORD_S - 0.05,
            text: w.into(),
            confidence: None,
            utterance_start: i == 0,
        })
        .collect()
}
