//! Rule files: loading them from TOML, checking them, and compiling every
//! phrase of a rule set into token automata for the engine.
//!
//! A rule set is a directory of `*.toml` files (one topic per file) for one
//! language. The format is documented for trainers in `rules/README.md`.

mod automaton;
mod examples;
mod file;
mod lexicon;
mod lint;
mod pattern;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::call::Speaker;
use crate::error::{Diagnostic, Error, Result};
use crate::text::{Lang, Normalizer};
pub(crate) use automaton::{Automaton, Heard, Walk};
use file::{RawElement, RawRule, RuleFile};
pub(crate) use pattern::View;
use pattern::{Literal, Options};

pub(crate) use examples::Examples;
pub(crate) use lexicon::Known;
pub use lint::lint;

/// Template variables (`{company}`, `{operator_name}`) and their values.
pub type Vars = BTreeMap<String, String>;

/// Whether a rule asks for phrases or forbids them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Required,
    Banned,
    /// A call metric out of bounds (`metric`, `min`, `max`): dead air,
    /// speech rate and the like, flagged as a violation once the call ends.
    Metric,
}

/// Whose words a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SpeakerScope {
    #[default]
    Operator,
    Client,
    Any,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Info,
    Warning,
    #[default]
    Error,
    Critical,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
            Severity::Critical => "critical",
        })
    }
}

/// Where in an utterance a banned phrase counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Position {
    #[default]
    Anywhere,
    /// Only as the first words of an utterance (a turn of speech).
    UtteranceStart,
    /// Only as the first words of a sentence (utterance start, or after
    /// `.`, `?`, `!`).
    SentenceStart,
}

/// Whether a phrase's words must come in the order written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    #[default]
    Fixed,
    /// In any order: for languages whose word order is free («за звонок
    /// спасибо»).
    Any,
}

/// How a phrase was heard: QA may trust the first two more than the last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Match {
    /// Letter for letter (an `exact` phrase, or a `*` prefix).
    Exact,
    /// By the words' stems (an inflected form of the phrase).
    Stem,
    /// By how the words sound, or a word Whisper split in two or ran
    /// together with its neighbour («секунт дочку», «операторана»).
    Fuzzy,
}

impl Match {
    pub fn name(self) -> &'static str {
        match self {
            Match::Exact => "exact",
            Match::Stem => "stem",
            Match::Fuzzy => "fuzzy",
        }
    }
}

/// Words let in between two words of a phrase when its rule does not say
/// (`gap`): «спасибо большое за обращение» meets «спасибо за обращение».
pub const DEFAULT_GAP: u8 = 2;

/// Whether `phrases` are also heard by how they sound when a rule does not
/// say (`fuzzy`); `exact` lists never are.
pub const DEFAULT_FUZZY: bool = true;

/// The most a rule may let in.
const MAX_GAP: i64 = 8;

/// One rule, compiled.
#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    pub category: String,
    pub kind: Kind,
    pub speaker: SpeakerScope,
    pub position: Position,
    pub first_s: Option<f64>,
    pub last_s: Option<f64>,
    /// What sets a triggered rule off (`after`): required only from then on,
    /// within `first_s` seconds; a call where it never came does not apply.
    pub trigger: Option<Trigger>,
    /// A metric rule's bounds.
    pub metric: Option<Bound>,
    /// Required rules made of several parts have one element per part; a
    /// rule with plain `phrases` has a single element without an id.
    pub elements: Vec<Element>,
    /// Where the rule's `id` is written.
    pub origin: Origin,
    /// Words that may follow a hit before it can be decided (for `except`
    /// phrases that run past it and `unless_near`).
    pub(crate) lookahead: usize,
    pub(crate) near_words: Option<usize>,
}

/// A call metric's bounds (see [`crate::metrics::NAMES`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub metric: String,
    pub min: Option<f64>,
    pub max: Option<f64>,
}

impl Bound {
    /// A metric's bounds, checked: a metric by name, bounded at least one
    /// way. `what` bounds it, for the message ("rule", "item").
    pub(crate) fn new(metric: &str, min: Option<f64>, max: Option<f64>, what: &str) -> Result<Bound, String> {
        if !crate::metrics::NAMES.contains(&metric) {
            return Err(format!("no metric `{metric}` (there are {})", crate::metrics::NAMES.join(", ")));
        }
        if min.is_none() && max.is_none() {
            return Err(format!("a metric {what} needs `min`, `max` or both"));
        }
        Ok(Bound { metric: metric.to_string(), min, max })
    }

    pub fn holds(&self, value: f64) -> bool {
        self.min.is_none_or(|m| value >= m) && self.max.is_none_or(|m| value <= m)
    }
}

/// What sets a triggered rule off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// A flag of the rule at this index (an alert on the client's words,
    /// or an operator's violation).
    Rule(usize),
    /// The call's start: a triggered rule compiled alone, to run its
    /// examples.
    Start,
}

/// A part of a rule that is met or missed on its own.
#[derive(Debug, Clone)]
pub struct Element {
    /// `None` for a rule's single implicit element.
    pub id: Option<String>,
    pub severity: Severity,
    pub weight: f64,
    pub message: String,
    pub suggest: Option<String>,
}

/// A place in a rule file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub path: PathBuf,
    pub line: usize,
    pub col: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.col)
    }
}

/// What a phrase occurrence means to its rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Hit { element: usize },
    Except,
    Near,
}

/// A rule's phrase behind an automaton pattern.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Target {
    pub rule: usize,
    pub role: Role,
    pub leading_any: usize,
    pub trailing_any: usize,
    /// The most words let in between two of the phrase's words.
    pub gap: u8,
    /// A step's phrase: its last word may be heard loosely when the
    /// recogniser was unsure of it (see [`Heard::unsure`]). No flag is
    /// raised, nor excused, on such a word.
    pub loose: bool,
}

/// `regex` phrases, matched against the tail of an utterance.
#[derive(Debug)]
pub(crate) struct Regexes {
    pub set: regex::RegexSet,
    pub each: Vec<(regex::Regex, Target)>,
}

/// A language's rules, compiled for matching.
#[derive(Debug)]
pub struct RuleSet {
    pub lang: Lang,
    pub rules: Vec<Rule>,
    pub(crate) normalizer: Normalizer,
    pub(crate) automata: Vec<Automaton>,
    pub(crate) regexes: Option<Regexes>,
    /// The longest stretch of tokens a hit, exception or proximity phrase
    /// can look back over.
    pub(crate) lookback: usize,
    /// Tells the words this set has seen from another's (see [`lexicon`]).
    serial: u32,
}

/// A rule file's text.
#[derive(Debug, Clone)]
pub struct Source {
    pub path: PathBuf,
    pub text: String,
}

impl Source {
    pub(crate) fn diag(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(&self.path, &self.text, span, message)
    }
}

/// What `sufler rules test` reports.
#[derive(Debug, Default)]
pub struct TestReport {
    /// The language the set is written in, once known.
    pub lang: Option<Lang>,
    pub files: usize,
    pub rules: usize,
    pub examples: usize,
    /// Every problem found, examples that fail among them.
    pub failures: Vec<Diagnostic>,
}

/// Reads every `*.toml` file of a rule directory, sorted by name.
pub fn read_dir(dir: &Path) -> Result<Vec<Source>> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?;
    let mut paths = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| Error::io(dir, e))?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            paths.push(path);
        }
    }
    paths.sort();
    if paths.is_empty() {
        return Err(Error::Input { path: dir.to_path_buf(), message: "no rule files (*.toml) in this directory".into() });
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
            Ok(Source { path, text })
        })
        .collect()
}

impl RuleSet {
    /// Whether any rule listens to this speaker (the others need not be
    /// transcribed).
    pub fn listens_to(&self, speaker: Speaker) -> bool {
        self.rules.iter().any(|r| r.speaker.covers(speaker))
    }
}

impl SpeakerScope {
    pub fn covers(self, speaker: Speaker) -> bool {
        matches!((self, speaker), (SpeakerScope::Any, _) | (SpeakerScope::Operator, Speaker::Operator) | (SpeakerScope::Client, Speaker::Client))
    }
}

/// Parses one file, reporting syntax and schema errors at their place.
fn parse(source: &Source) -> Result<RuleFile, Diagnostic> {
    toml::from_str::<RuleFile>(&source.text).map_err(|e| {
        let message = e.message().trim_end().to_string();
        source.diag(e.span().unwrap_or(0..0), message)
    })
}

/// Everything `build` needs to know about one rule while compiling.
struct Pending<'s, 'f> {
    source: &'s Source,
    raw: &'f RawRule,
    example_vars: &'f Vars,
}

/// A rule set compiled, what was found wrong on the way, and the rules
/// whose examples failed, with the failures.
pub(crate) struct Compiled {
    pub set: Option<RuleSet>,
    pub report: TestReport,
    pub failing: Vec<String>,
    pub example_failures: Vec<Diagnostic>,
}

/// Runs one rule's examples (given by [`crate::rulebook`], which knows the
/// engine): their failures.
pub(crate) type RunExamples<'f> = &'f (dyn Fn(&Examples<'_>) -> Vec<Diagnostic> + Sync);

/// Compiles rule files in memory; the set is `None` when any is wrong.
/// The rules whose ids `unused` holds are left out; with `examples`, each
/// rule is also compiled alone and its examples run by it.
pub(crate) fn compile(sources: &[Source], asked: Option<Lang>, vars: &Vars, unused: &[String], examples: Option<RunExamples<'_>>) -> Result<Compiled> {
    let mut compiled =
        Compiled { set: None, report: TestReport { files: sources.len(), ..TestReport::default() }, failing: Vec::new(), example_failures: Vec::new() };
    let report = &mut compiled.report;
    let files: Vec<(&Source, RuleFile)> = sources
        .iter()
        .filter_map(|s| match parse(s) {
            Ok(f) => Some((s, f)),
            Err(d) => {
                report.failures.push(d);
                None
            }
        })
        .collect();
    let lang = match language(&files, asked) {
        Ok(lang) => lang,
        Err(d) => {
            report.failures.push(d);
            return Ok(compiled);
        }
    };
    report.lang = Some(lang);
    let mut seen: HashMap<&str, Origin> = HashMap::new();
    let mut pending = Vec::new();
    for (source, file) in &files {
        for raw in &file.rule {
            let origin = origin(source, &raw.id);
            if let Some(first) = seen.get(raw.id.get_ref().as_str()) {
                report.failures.push(source.diag(raw.id.span(), format!("duplicate rule id `{}` (first defined at {first})", raw.id.get_ref())));
                continue;
            }
            seen.insert(raw.id.get_ref(), origin);
            if !unused.contains(raw.id.get_ref()) {
                pending.push(Pending { source, raw, example_vars: &file.example_vars });
            }
        }
    }
    report.rules = pending.len();
    let normalizer = Normalizer::new(lang);
    let mut compiler = Compiler::default();
    for (index, p) in pending.iter().enumerate() {
        match compile_rule(p, index, vars, &normalizer, &mut compiler) {
            Ok(()) => {}
            Err(mut ds) => report.failures.append(&mut ds),
        }
    }
    for (index, p) in pending.iter().enumerate() {
        let Some(after) = &p.raw.after else { continue };
        match pending.iter().position(|q| q.raw.id.get_ref() == after.get_ref()) {
            Some(trigger) if trigger != index => {
                if let Some(rule) = compiler.rules.get_mut(index) {
                    rule.trigger = Some(Trigger::Rule(trigger));
                }
            }
            Some(_) => report.failures.push(p.source.diag(after.span(), "a rule cannot set itself off")),
            None => report.failures.push(p.source.diag(after.span(), format!("no rule `{}` to set this one off (or it is not in use)", after.get_ref()))),
        }
    }
    if !report.failures.is_empty() {
        return Ok(compiled);
    }
    compiled.set = Some(compiler.finish(lang, normalizer)?);
    let Some(run) = examples else { return Ok(compiled) };
    // Each rule compiled alone and its examples run, the rules shared out
    // among the cores (a large set has thousands); a rule's set is let go
    // as soon as its examples have run.
    let results = crate::par::map(&pending, |p| examples::alone(p, lang).map(|alone| alone.map(|ex| (ex.set.rules[0].id.clone(), ex.cases.len(), run(&ex)))));
    for result in results {
        match result? {
            Ok((id, cases, failures)) => {
                compiled.report.examples += cases;
                if !failures.is_empty() {
                    compiled.failing.push(id);
                    compiled.example_failures.extend(failures);
                }
            }
            Err(mut ds) => compiled.report.failures.append(&mut ds),
        }
    }
    Ok(compiled)
}

/// The one language a set's files are written in: the first declared,
/// which every other declaration and the caller's wish must agree with.
fn language(files: &[(&Source, RuleFile)], asked: Option<Lang>) -> Result<Lang, Diagnostic> {
    let mut declared = files.iter().filter_map(|(s, f)| f.lang.as_ref().map(|l| (*s, l)));
    let Some((first_src, first)) = declared.next() else { return Ok(asked.unwrap_or(Lang::Ru)) };
    let lang = *first.get_ref();
    let at = first_src.diag(first.span(), "").location();
    if let Some((src, other)) = declared.find(|(_, l)| *l.get_ref() != lang) {
        let message = format!("this file is written in `{}`, but {at} says `{lang}`: a rule set has one language", other.get_ref());
        return Err(src.diag(other.span(), message));
    }
    match asked {
        Some(asked) if asked != lang => {
            Err(first_src.diag(first.span(), format!("these rules are written in `{lang}`, but `{asked}` was asked for (--lang or `lang` in the config)")))
        }
        _ => Ok(lang),
    }
}

fn origin(source: &Source, id: &Spanned<String>) -> Origin {
    let d = source.diag(id.span(), "");
    Origin { path: d.path, line: d.line, col: d.col }
}

/// Collects literals and regexes of all rules, then builds the automata.
#[derive(Default)]
struct Compiler {
    rules: Vec<Rule>,
    /// An automaton being built per view, in the views' order.
    builders: BTreeMap<View, automaton::Builder>,
    regexes: Vec<(String, Target)>,
    lookback: usize,
}

impl Compiler {
    fn add_literal(&mut self, mut literal: Literal, rule: usize, role: Role, gap: u8, loose: bool) {
        // One token more for a word Whisper split in two.
        self.lookback = self.lookback.max(literal.span(gap) + 1 + literal.leading_any + literal.trailing_any);
        let target = Target { rule, role, leading_any: literal.leading_any, trailing_any: literal.trailing_any, gap, loose };
        let builder = self.builders.entry(literal.view).or_insert_with(|| automaton::Builder::new(literal.view));
        for spelling in &literal.alternatives {
            builder.add(spelling, target);
        }
        if !literal.sounds.is_empty() {
            let sound = self.builders.entry(View::Sound).or_insert_with(|| automaton::Builder::new(View::Sound));
            for spelling in std::mem::take(&mut literal.sounds) {
                sound.add(&spelling, target);
            }
        }
    }

    fn finish(self, lang: Lang, normalizer: Normalizer) -> Result<RuleSet> {
        let automata = self.builders.into_values().map(automaton::Builder::finish).collect::<Result<_>>()?;
        let regexes = if self.regexes.is_empty() {
            None
        } else {
            let patterns: Vec<String> = self.regexes.iter().map(|(p, _)| anchored(p)).collect();
            let set = regex::RegexSet::new(&patterns).map_err(|e| Error::TooLarge(e.to_string()))?;
            let each = patterns
                .iter()
                .zip(&self.regexes)
                .map(|(p, (_, t))| Ok((regex::Regex::new(p).map_err(|e| Error::TooLarge(e.to_string()))?, *t)))
                .collect::<Result<_>>()?;
            Some(Regexes { set, each })
        };
        Ok(RuleSet { lang, rules: self.rules, normalizer, automata, regexes, lookback: self.lookback.max(1), serial: lexicon::serial() })
    }
}

/// Regex phrases must match whole words ending at the newest word.
fn anchored(pattern: &str) -> String {
    format!(r"(?:\A| )(?:{pattern})\z")
}

/// How many words of utterance tail a regex phrase is matched against.
pub(crate) const REGEX_WINDOW: usize = 12;

fn compile_rule(p: &Pending<'_, '_>, index: usize, vars: &Vars, norm: &Normalizer, c: &mut Compiler) -> Result<(), Vec<Diagnostic>> {
    let raw = p.raw;
    let src = p.source;
    let id = raw.id.get_ref();
    let mut errors = Vec::new();
    match (&raw.metric, raw.kind) {
        (Some(_), Kind::Metric) => return compile_metric_rule(p, vars, c),
        (None, Kind::Metric) => {
            return Err(vec![
                src.diag(raw.id.span(), format!("rule `{id}` is a metric rule: name its `metric` (one of {})", crate::metrics::NAMES.join(", "))),
            ]);
        }
        (Some(m), _) => return Err(vec![src.diag(m.span(), "only a rule of kind \"metric\" bounds a `metric`")]),
        (None, _) => {}
    }
    let implicit = RawElement {
        id: raw.id.clone(),
        phrases: raw.phrases.clone(),
        exact: raw.exact.clone(),
        regex: raw.regex.clone(),
        message: None,
        suggest: None,
        severity: None,
        weight: None,
        gap: None,
        tests: Default::default(),
    };
    let has_phrases = !(raw.phrases.is_empty() && raw.exact.is_empty() && raw.regex.is_empty());
    let raw_elements: Vec<&RawElement> = match (has_phrases, raw.element.is_empty()) {
        (true, true) => vec![&implicit],
        (false, false) => raw.element.iter().collect(),
        (true, false) => {
            return Err(vec![src.diag(raw.id.span(), format!("rule `{id}` has both `phrases` and `element`s; put the phrases in elements"))]);
        }
        (false, true) => {
            return Err(vec![src.diag(raw.id.span(), format!("rule `{id}` has no phrases (give `phrases`, `exact`, `regex` or `element`s)"))]);
        }
    };
    if raw.kind == Kind::Banned && raw_elements.len() > 1 {
        errors.push(src.diag(raw.id.span(), format!("rule `{id}` is banned; only required rules have elements")));
    }
    for (field, value) in [("first_s", &raw.first_s), ("last_s", &raw.last_s)] {
        if let Some(v) = value
            && (v.get_ref().is_nan() || *v.get_ref() <= 0.0)
        {
            errors.push(src.diag(v.span(), format!("`{field}` must be a positive number of seconds")));
        }
    }
    if let (Some(_), Some(last)) = (&raw.first_s, &raw.last_s) {
        errors.push(src.diag(last.span(), "a rule has either `first_s` or `last_s`, not both"));
    }
    match (&raw.after, &raw.within_s) {
        (Some(after), _) if raw.kind != Kind::Required => {
            errors.push(src.diag(after.span(), "only a required rule can be set off by another (`after`)"));
        }
        (Some(after), None) => errors.push(src.diag(after.span(), "a rule set off by another (`after`) says within how many seconds it is met (`within_s`)")),
        (None, Some(within)) => errors.push(src.diag(within.span(), "`within_s` counts from a trigger: name the rule that sets this one off (`after`)")),
        (Some(_), Some(within)) if within.get_ref().is_nan() || *within.get_ref() <= 0.0 => {
            errors.push(src.diag(within.span(), "`within_s` must be a positive number of seconds"));
        }
        (Some(after), Some(_)) if raw.first_s.is_some() || raw.last_s.is_some() => {
            errors.push(src.diag(after.span(), "a rule set off by another (`after`) has no `first_s` or `last_s`: its window is `within_s` from the trigger"));
        }
        _ => {}
    }
    if raw.weight.is_nan() || raw.weight < 0.0 {
        errors.push(src.diag(raw.id.span(), format!("rule `{id}` has a negative weight")));
    }
    let rule_gap = check_gap(raw.gap.as_ref(), src, &mut errors).unwrap_or(DEFAULT_GAP);
    let any_order = raw.order == Order::Any;
    let fuzzy = raw.fuzzy.unwrap_or(DEFAULT_FUZZY);
    let mut element_ids: HashMap<&str, ()> = HashMap::new();
    let mut elements = Vec::new();
    for (ei, el) in raw_elements.iter().enumerate() {
        let is_implicit = std::ptr::eq(*el, &implicit);
        if !is_implicit && element_ids.insert(el.id.get_ref(), ()).is_some() {
            errors.push(src.diag(el.id.span(), format!("duplicate element id `{}` in rule `{id}`", el.id.get_ref())));
        }
        let mut usable = 0;
        let gap = check_gap(el.gap.as_ref(), src, &mut errors).unwrap_or(rule_gap);
        let lists = [(&el.phrases, false), (&el.exact, true)];
        for (list, exact) in lists {
            for phrase in list {
                match pattern::compile(phrase.get_ref(), Options { exact, any_order, fuzzy, any_preposition: true }, vars, norm) {
                    Ok(Some(lit)) => {
                        usable += 1;
                        c.add_literal(lit, index, Role::Hit { element: ei }, gap, raw.kind == Kind::Required);
                    }
                    Ok(None) => {}
                    Err(m) => errors.push(src.diag(phrase.span(), m)),
                }
            }
        }
        for re in &el.regex {
            match check_regex(re.get_ref()) {
                Ok(()) => {
                    usable += 1;
                    let target = Target { rule: index, role: Role::Hit { element: ei }, leading_any: 0, trailing_any: 0, gap: 0, loose: false };
                    c.regexes.push((re.get_ref().clone(), target));
                }
                Err(m) => errors.push(src.diag(re.span(), m)),
            }
        }
        let written = el.phrases.len() + el.exact.len() + el.regex.len();
        if written == 0 {
            errors.push(src.diag(el.id.span(), format!("element `{}` has no phrases (give `phrases`, `exact` or `regex`)", el.id.get_ref())));
        } else if usable == 0 && errors.is_empty() {
            let vars_needed = el.phrases.iter().chain(&el.exact).map(|p| p.get_ref().as_str()).collect::<Vec<_>>().join(", ");
            errors.push(src.diag(
                el.id.span(),
                format!("`{}` can never be heard: its phrases ({vars_needed}) use only template variables that have no value (set them with --var or in the config)", el.id.get_ref()),
            ));
        }
        elements.push(Element {
            id: (!is_implicit).then(|| el.id.get_ref().clone()),
            severity: el.severity.unwrap_or(raw.severity),
            weight: el.weight.unwrap_or(raw.weight),
            message: fill(el.message.as_ref().unwrap_or(&raw.message), vars),
            suggest: el.suggest.as_ref().or(raw.suggest.as_ref()).map(|s| fill(s, vars)),
        });
    }
    // How many words after a hit can still cancel it: an exception that
    // overlaps its last word runs on for its own span, less one; a
    // correction may start `words` words after it and run its own span.
    let near = raw.unless_near.as_ref();
    let cancellers =
        raw.except.iter().map(|p| (p, Role::Except, 0)).chain(near.into_iter().flat_map(|n| n.phrases.iter().map(move |p| (p, Role::Near, n.words + 1))));
    let mut lookahead = 0;
    for (phrase, role, start_within) in cancellers {
        match pattern::compile(phrase.get_ref(), Options { exact: false, any_order, fuzzy, any_preposition: false }, vars, norm) {
            Ok(Some(lit)) => {
                lookahead = lookahead.max(start_within + lit.span(rule_gap) + lit.trailing_any - 1);
                c.add_literal(lit, index, role, rule_gap, false);
            }
            Ok(None) => {}
            Err(m) => errors.push(src.diag(phrase.span(), m)),
        }
    }
    let near_words = near.map(|n| n.words);
    c.lookback = c.lookback.max(lookahead + 1);
    if !errors.is_empty() {
        return Err(errors);
    }
    c.rules.push(Rule {
        id: id.clone(),
        category: raw.category.clone(),
        kind: raw.kind,
        speaker: raw.speaker,
        position: raw.position,
        first_s: raw.first_s.as_ref().or(raw.within_s.as_ref()).map(|v| *v.get_ref()),
        last_s: raw.last_s.as_ref().map(|v| *v.get_ref()),
        // Resolved to the trigger's index once the whole set is compiled.
        trigger: raw.after.as_ref().map(|_| Trigger::Start),
        metric: None,
        elements,
        origin: origin(src, &raw.id),
        lookahead,
        near_words,
    });
    Ok(())
}

/// A rule on a call metric: its bounds, and nothing of phrases.
fn compile_metric_rule(p: &Pending<'_, '_>, vars: &Vars, c: &mut Compiler) -> Result<(), Vec<Diagnostic>> {
    let (raw, src) = (p.raw, p.source);
    let metric = raw.metric.as_ref().expect("a metric rule has its metric");
    let mut errors = Vec::new();
    let bound = Bound::new(metric.get_ref(), raw.min, raw.max, "rule").map_err(|m| errors.push(src.diag(metric.span(), m))).ok();
    let phrases = raw.phrases.iter().chain(&raw.exact).chain(&raw.regex).chain(&raw.except).next();
    if let Some(phrase) = phrases {
        errors.push(src.diag(phrase.span(), "a metric rule has no phrases"));
    }
    if raw.weight.is_nan() || raw.weight < 0.0 {
        errors.push(src.diag(raw.id.span(), format!("rule `{}` has a negative weight", raw.id.get_ref())));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    c.rules.push(Rule {
        id: raw.id.get_ref().clone(),
        category: raw.category.clone(),
        kind: Kind::Metric,
        speaker: raw.speaker,
        position: raw.position,
        first_s: None,
        last_s: None,
        trigger: None,
        metric: bound,
        elements: vec![Element {
            id: None,
            severity: raw.severity,
            weight: raw.weight,
            message: fill(&raw.message, vars),
            suggest: raw.suggest.as_ref().map(|s| fill(s, vars)),
        }],
        origin: origin(src, &raw.id),
        lookahead: 0,
        near_words: None,
    });
    Ok(())
}

/// A rule's or element's `gap`, if it gives one that can be used.
fn check_gap(gap: Option<&Spanned<i64>>, src: &Source, errors: &mut Vec<Diagnostic>) -> Option<u8> {
    let gap = gap?;
    match u8::try_from(*gap.get_ref()) {
        Ok(g) if i64::from(g) <= MAX_GAP => Some(g),
        _ => {
            errors.push(src.diag(gap.span(), format!("`gap` is the most words let in between two words of a phrase: 0 to {MAX_GAP}")));
            None
        }
    }
}

/// A message with the values of its template variables; unset ones stay
/// as written.
fn fill(text: &str, vars: &Vars) -> String {
    vars.iter().fold(text.to_string(), |t, (name, value)| t.replace(&format!("{{{name}}}"), value))
}

fn check_regex(pattern: &str) -> Result<(), String> {
    let re = regex::Regex::new(&anchored(pattern)).map_err(|e| {
        // The regex crate's message spans several lines; its last line says what is wrong.
        let text = e.to_string();
        format!("bad regex: {}", text.lines().last().unwrap_or(&text).trim_start_matches("error: "))
    })?;
    if re.is_match("") {
        return Err("regex matches empty text".to_string());
    }
    Ok(())
}
