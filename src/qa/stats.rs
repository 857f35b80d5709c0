//! What a batch of calls comes to: the numbers of the report's summary,
//! per operator and per team, by day. Worked out here once, so the page
//! and the CSV exports say the same.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;

use super::results::Call;

/// The most frequent violations listed.
const TOP: usize = 10;

/// A group of calls: the whole batch, an operator's or a team's.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Group {
    pub name: String,
    /// The team most of an operator's calls were in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    pub calls: usize,
    /// Calls with a score (not those without operator speech, nor errors).
    pub scored: usize,
    pub errors: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_score: Option<f64>,
    /// Share of the calls with a scorecard verdict that passed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pass_rate: Option<f64>,
    pub violations: usize,
    /// The most frequent violations: `rule` or `rule.element`, and how many.
    pub top: Vec<(String, usize)>,
    /// Mean score and calls per day, in order.
    pub days: Vec<Day>,
    /// The calls, by index in the batch.
    pub members: Vec<usize>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Day {
    pub day: String,
    pub calls: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mean_score: Option<f64>,
}

/// The batch, its operators and its teams.
#[derive(Debug, Default, Serialize)]
pub struct Stats {
    pub batch: Group,
    pub operators: Vec<Group>,
    pub teams: Vec<Group>,
}

/// What a call without an operator or team is grouped under.
pub const UNKNOWN: &str = "—";

impl Stats {
    pub fn of(calls: &[Call]) -> Stats {
        let all: Vec<usize> = (0..calls.len()).collect();
        let by = |key: fn(&Call) -> Option<&str>| -> Vec<Group> {
            let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
            for (i, c) in calls.iter().enumerate() {
                groups.entry(key(c).unwrap_or(UNKNOWN)).or_default().push(i);
            }
            groups.into_iter().map(|(name, members)| group(name, members, calls)).collect()
        };
        Stats { batch: group("", all, calls), operators: by(|c| c.operator.as_deref()), teams: by(|c| c.team.as_deref()) }
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| round(sum / n as f64))
}

/// To the hundredth: finer is noise on a report.
fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn group(name: &str, members: Vec<usize>, calls: &[Call]) -> Group {
    let of = || members.iter().map(|&i| &calls[i]);
    let verdicts: Vec<bool> = of().filter_map(Call::passed).collect();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for c in of() {
        for v in c.violations() {
            *counts.entry(v).or_default() += 1;
        }
    }
    let violations = counts.values().sum();
    let mut top: Vec<(String, usize)> = counts.into_iter().collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    top.truncate(TOP);
    let mut days: BTreeMap<&str, Vec<&Call>> = BTreeMap::new();
    for c in of() {
        if let Some(d) = c.day() {
            days.entry(d).or_default().push(c);
        }
    }
    let mut teams: HashMap<&str, usize> = HashMap::new();
    for c in of() {
        if let Some(t) = &c.team {
            *teams.entry(t).or_default() += 1;
        }
    }
    Group {
        name: name.to_string(),
        team: teams.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0))).map(|(t, _)| t.to_string()),
        calls: members.len(),
        scored: of().filter(|c| c.score().is_some()).count(),
        errors: of().filter(|c| !c.errors.is_empty()).count(),
        mean_score: mean(of().filter_map(Call::score)),
        pass_rate: (!verdicts.is_empty()).then(|| round(verdicts.iter().filter(|p| **p).count() as f64 / verdicts.len() as f64)),
        violations,
        top,
        days: days.into_iter().map(|(day, cs)| Day { day: day.to_string(), calls: cs.len(), mean_score: mean(cs.iter().filter_map(|c| c.score())) }).collect(),
        members,
    }
}
