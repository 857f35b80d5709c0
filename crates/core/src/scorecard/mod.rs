//! Scorecards: how QA scores a call, as a form of sections and items.
//!
//! Each item is a rule (or one element of it) or a call metric with
//! bounds; it passes, fails, or does not apply (a triggered item whose
//! trigger never came, a metric that cannot be worked out). A section's
//! score is the share of its applicable items' points that passed; the
//! call's is the weighted mean of its applicable sections'. A critical
//! item that fails sets its section's score (`critical = "section"`) or
//! the call's (`critical = "call"`) to 0. A call with nothing of the
//! operator's to score gets no score at all. The card's name and version
//! go with every result. The format is documented for trainers in
//! `scorecards/README.md`.

mod file;

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::engine::{Event, Flag, Summary, element_name, standing};
use crate::error::{Error, Result};
use crate::rules::{Bound, Kind, RuleSet, Source};
use file::{CardFile, RawItem};

/// What a critical item's failure fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Critical {
    Call,
    Section,
}

/// A scorecard, checked against the rule set it scores.
#[derive(Debug, Clone)]
pub struct Scorecard {
    pub name: String,
    pub version: String,
    pub pass: f64,
    sections: Vec<Section>,
}

#[derive(Debug, Clone)]
struct Section {
    id: String,
    title: String,
    weight: f64,
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
struct Item {
    id: String,
    title: String,
    points: f64,
    what: What,
    critical: Option<Critical>,
    when: Option<String>,
}

#[derive(Debug, Clone)]
enum What {
    Rule { rule: String, element: Option<String>, kind: Kind },
    Metric(Bound),
}

/// Pass mark when a card does not say.
const DEFAULT_PASS: f64 = 80.0;

impl Scorecard {
    /// Reads a scorecard for `rules`: every mistake is a diagnostic at its
    /// place in the file.
    pub fn parse(source: &Source, rules: &RuleSet) -> Result<Scorecard> {
        let raw: CardFile = toml::from_str(&source.text).map_err(|e| Error::Scorecard(vec![source.diag(e.span().unwrap_or(0..0), e.message().trim_end())]))?;
        let mut problems = Vec::new();
        let mut bad = |at: std::ops::Range<usize>, message: String| problems.push(source.diag(at, message));
        let pass = match raw.pass {
            Some(p) if !(0.0..=100.0).contains(p.get_ref()) => {
                bad(p.span(), "the pass mark is a score from 0 to 100".into());
                DEFAULT_PASS
            }
            Some(p) => *p.get_ref(),
            None => DEFAULT_PASS,
        };
        let mut sections = Vec::new();
        let mut section_ids = HashSet::new();
        for s in raw.section {
            if !section_ids.insert(s.id.get_ref().clone()) {
                bad(s.id.span(), format!("section `{}` is there twice", s.id.get_ref()));
            }
            if !non_negative(&s.weight) {
                bad(s.weight.span(), "a weight is a number, 0 or more".into());
            }
            let mut item_ids = HashSet::new();
            let mut items = Vec::new();
            for i in s.item {
                if !item_ids.insert(i.id.get_ref().clone()) {
                    bad(i.id.span(), format!("item `{}` is there twice in section `{}`", i.id.get_ref(), s.id.get_ref()));
                }
                if !(non_negative(&i.points) && *i.points.get_ref() > 0.0) {
                    bad(i.points.span(), "points are a number above 0".into());
                }
                if let Some(w) = &i.when
                    && !rules.rules.iter().any(|r| r.id == *w.get_ref())
                {
                    bad(w.span(), format!("no rule `{}` in the rules", w.get_ref()));
                }
                match what(&i, rules) {
                    Ok(what) => items.push(Item {
                        id: i.id.into_inner(),
                        title: i.title,
                        points: *i.points.get_ref(),
                        what,
                        critical: i.critical,
                        when: i.when.map(Spanned::into_inner),
                    }),
                    Err((at, message)) => bad(at.unwrap_or_else(|| i.id.span()), message),
                }
            }
            sections.push(Section { id: s.id.into_inner(), title: s.title, weight: *s.weight.get_ref(), items });
        }
        if problems.is_empty() { Ok(Scorecard { name: raw.name, version: raw.version, pass, sections }) } else { Err(Error::Scorecard(problems)) }
    }

    /// Scores a call from its events, into its summary.
    pub fn apply(&self, events: &mut [Event]) {
        let card = self.score(events);
        for e in events.iter_mut() {
            if let Event::CallSummary(s) = e {
                s.scorecard = Some(card.clone());
            }
        }
    }

    /// Scores a call from its events (its summary among them).
    pub fn score(&self, events: &[Event]) -> Card {
        let Some(summary) = events.iter().find_map(|e| match e {
            Event::CallSummary(s) => Some(s),
            _ => None,
        }) else {
            return self.card(None, Vec::new());
        };
        let flags = standing(events);
        let sections = self
            .sections
            .iter()
            .map(|s| {
                let items: Vec<ItemResult> = s.items.iter().map(|i| item(i, summary, &flags, events)).collect();
                let applicable: Vec<(&Item, &ItemResult)> = s.items.iter().zip(&items).filter(|(_, r)| r.status != Status::NotApplicable).collect();
                // (Folded from 0: an empty sum of floats is −0.)
                let total = applicable.iter().map(|(i, _)| i.points).fold(0.0, |a, b| a + b);
                let got = applicable.iter().filter(|(_, r)| r.status == Status::Pass).map(|(i, _)| i.points).fold(0.0, |a, b| a + b);
                let critical = applicable.iter().any(|(i, r)| r.status == Status::Fail && i.critical == Some(Critical::Section));
                let score = (summary.scored && total > 0.0).then(|| if critical { 0.0 } else { (10_000.0 * got / total).round() / 100.0 });
                SectionResult { id: s.id.clone(), title: s.title.clone(), weight: s.weight, score, items }
            })
            .collect();
        self.card(Some(summary), sections)
    }

    fn card(&self, summary: Option<&Summary>, sections: Vec<SectionResult>) -> Card {
        let scored = summary.is_some_and(|s| s.scored);
        let failed_by = self
            .sections
            .iter()
            .zip(&sections)
            .flat_map(|(s, r)| s.items.iter().zip(&r.items))
            .find(|(i, r)| i.critical == Some(Critical::Call) && r.status == Status::Fail)
            .map(|(_, r)| r.id.clone());
        let weighted: Vec<(f64, f64)> = sections.iter().filter_map(|s| Some((s.weight, s.score?))).collect();
        let weights = weighted.iter().map(|(w, _)| w).fold(0.0, |a, b| a + b);
        let score = (scored && weights > 0.0).then(|| match failed_by {
            Some(_) => 0.0,
            // To the hundredth: finer is noise on a score.
            None => (100.0 * weighted.iter().map(|(w, s)| w * s).fold(0.0, |a, b| a + b) / weights).round() / 100.0,
        });
        Card {
            name: self.name.clone(),
            version: self.version.clone(),
            score,
            passed: score.map(|s| s >= self.pass && failed_by.is_none()),
            failed_by,
            sections,
        }
    }
}

fn non_negative(v: &Spanned<f64>) -> bool {
    v.get_ref().is_finite() && *v.get_ref() >= 0.0
}

/// What an item scores, checked against the rules.
fn what(i: &RawItem, rules: &RuleSet) -> std::result::Result<What, (Option<std::ops::Range<usize>>, String)> {
    match (&i.rule, &i.metric) {
        (Some(rule), None) => {
            let Some(r) = rules.rules.iter().find(|r| r.id == *rule.get_ref()) else {
                return Err((Some(rule.span()), format!("no rule `{}` in the rules", rule.get_ref())));
            };
            if let Some(e) = &i.element
                && !r.elements.iter().any(|x| x.id.as_deref() == Some(e.get_ref()))
            {
                let known: Vec<&str> = r.elements.iter().filter_map(|x| x.id.as_deref()).collect();
                let hint = if known.is_empty() { "it has none".to_string() } else { format!("it has {}", known.join(", ")) };
                return Err((Some(e.span()), format!("rule `{}` has no element `{}` ({hint})", r.id, e.get_ref())));
            }
            Ok(What::Rule { rule: r.id.clone(), element: i.element.as_ref().map(|e| e.get_ref().clone()), kind: r.kind })
        }
        (None, Some(metric)) => Bound::new(metric.get_ref(), i.min, i.max, "item").map(What::Metric).map_err(|m| (Some(metric.span()), m)),
        (Some(_), Some(metric)) => Err((Some(metric.span()), "an item scores a `rule` or a `metric`, not both".into())),
        (None, None) => Err((None, "an item needs a `rule` (with an `element` or not) or a `metric`".into())),
    }
}

fn item(i: &Item, summary: &Summary, flags: &[&Flag], events: &[Event]) -> ItemResult {
    let result = |status, evidence: Option<Evidence>| ItemResult { id: i.id.clone(), title: i.title.clone(), status, evidence };
    let not_applicable = || result(Status::NotApplicable, None);
    if !summary.scored {
        return not_applicable();
    }
    if let Some(when) = &i.when
        && !flags.iter().any(|f| f.at.rule == *when)
    {
        return not_applicable();
    }
    match &i.what {
        What::Rule { rule, element, kind } => {
            let mine = |r: &str, e: Option<&str>| r == rule && (element.is_none() || e == element.as_deref());
            let failed = flags.iter().find(|f| mine(&f.at.rule, f.at.element.as_deref()));
            let evidence = |f: &&Flag| Evidence::said(f.at.start, &f.at.text);
            if *kind != Kind::Required {
                return match failed {
                    Some(f) => result(Status::Fail, Some(evidence(f))),
                    None => result(Status::Pass, None),
                };
            }
            // A required rule's elements are each met or missing, unless the
            // rule did not apply to the call (its trigger never came).
            let name = element_name(rule, element.as_deref());
            let whole = format!("{rule}.");
            let ours = |n: &&String| **n == name || (element.is_none() && n.starts_with(&whole));
            if summary.missing.iter().any(|n| ours(&n)) {
                result(Status::Fail, failed.map(evidence))
            } else if summary.met.iter().any(|n| ours(&n)) {
                let met = events.iter().find_map(|e| match e {
                    Event::Met(m) if mine(&m.at.rule, m.at.element.as_deref()) => Some(Evidence::said(m.at.start, &m.at.text)),
                    _ => None,
                });
                result(Status::Pass, met)
            } else {
                not_applicable()
            }
        }
        What::Metric(bound) => {
            let Some((value, at)) = metric(summary, &bound.metric) else { return not_applicable() };
            let ok = bound.holds(value);
            let evidence = Evidence { at, text: None, value: Some((value * 100.0).round() / 100.0) };
            result(if ok { Status::Pass } else { Status::Fail }, Some(evidence))
        }
    }
}

/// A metric's value, and where in the call it shows when it is a period.
fn metric(s: &Summary, name: &str) -> Option<(f64, Option<f64>)> {
    let (value, periods) = s.metrics.value(name, s.duration)?;
    // The period that makes the value, when there are some and not the whole call.
    let at = periods.iter().filter(|p| p.end - p.start < s.duration).max_by(|a, b| a.duration().total_cmp(&b.duration())).map(|p| p.start);
    Some((value, at))
}

/// A call scored on a card.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Card {
    pub name: String,
    pub version: String,
    /// 0 to 100; none for a call with nothing of the operator's to score.
    pub score: Option<f64>,
    pub passed: Option<bool>,
    /// The critical item that failed the call.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failed_by: Option<String>,
    pub sections: Vec<SectionResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SectionResult {
    pub id: String,
    pub title: String,
    pub weight: f64,
    /// None when no item of it applied.
    pub score: Option<f64>,
    pub items: Vec<ItemResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult {
    pub id: String,
    pub title: String,
    pub status: Status,
    /// What it was judged by: a flag's or a met phrase's time and words,
    /// or a metric's value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence: Option<Evidence>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Pass,
    Fail,
    NotApplicable,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

impl Evidence {
    fn said(at: f64, text: &str) -> Evidence {
        Evidence { at: Some((at * 1000.0).round() / 1000.0), text: (!text.is_empty()).then(|| text.to_string()), value: None }
    }
}
