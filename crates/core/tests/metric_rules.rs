//! Rules on call metrics: dead air, speech rate and the like flagged as
//! violations once a call ends, with the rule's message and suggestion.

mod support;

use sufler_core::engine::Event;
use support::{brief, from_toml, run};

const RULES: &str = r#"
[[rule]]
id = "dead-air"
category = "pauses"
kind = "metric"
metric = "dead_air_s"
max = 10
weight = 5
message = "Пауза длиннее 10 секунд"
suggest = "Спасибо за ожидание"

[[rule]]
id = "fast"
category = "pace"
kind = "metric"
metric = "operator_wpm"
max = 180
weight = 2
message = "Оператор говорит слишком быстро"
"#;

fn flags(transcript: &str) -> Vec<String> {
    let rules = from_toml(RULES, &[]).unwrap();
    let events = run(&rules, transcript);
    events
        .iter()
        .filter_map(|e| match e {
            Event::Violation(f) => Some(format!("{} {:.1}-{:.1} «{}» {}", f.at.rule, f.at.start, f.at.end, f.at.text, f.suggest)),
            _ => None,
        })
        .collect()
}

#[test]
fn metrics_out_of_bounds_are_violations() {
    let table: &[(&str, &str, &[&str])] = &[
        ("no long pause", "[00:00] operator: Здравствуйте\n[00:05] client: Добрый день\n", &[]),
        (
            "two pauses over 10 s, each its own flag; 8 s is not",
            "[00:00] operator: Здравствуйте\n[00:12] client: Алло\n[00:20] operator: Слушаю\n[00:40] client: Да\n",
            &["dead-air 0.4-12.0 «dead_air_s = 11.6» Спасибо за ожидание", "dead-air 20.4-40.0 «dead_air_s = 19.6» Спасибо за ожидание"],
        ),
    ];
    for (what, transcript, want) in table {
        assert_eq!(flags(transcript), *want, "{what}");
    }
}

#[test]
fn metric_flags_count_in_the_score() {
    let rules = from_toml(RULES, &[]).unwrap();
    let events = run(&rules, "[00:00] operator: Здравствуйте\n[00:30] operator: Слушаю\n");
    let Some(Event::CallSummary(s)) = events.last() else { panic!() };
    assert_eq!((s.violations, s.score), (1, Some(95.0)));
    assert_eq!(brief(&events), ["metric dead-air «dead_air_s = 29.6»"]);
}

#[test]
fn metric_rule_mistakes() {
    let head = "[[rule]]\nid = \"m\"\ncategory = \"c\"\nkind = \"metric\"\nmessage = \"М\"\n";
    let table = [
        (
            format!("{head}max = 10\n"),
            "error: rule `m` is a metric rule: name its `metric` (one of dead_air_s, overtalk_s, operator_interruptions, operator_wpm, pace, operator_talk_share, monologue_s)",
        ),
        (
            format!("{head}metric = \"silence\"\nmax = 10\n"),
            "error: no metric `silence` (there are dead_air_s, overtalk_s, operator_interruptions, operator_wpm, pace, operator_talk_share, monologue_s)",
        ),
        (format!("{head}metric = \"pace\"\n"), "error: a metric rule needs `min`, `max` or both"),
        (format!("{head}metric = \"pace\"\nmax = 2\nphrases = [\"быстро\"]\n"), "error: a metric rule has no phrases"),
    ];
    for (toml, want) in table {
        let e = from_toml(&toml, &[]).unwrap_err().to_string();
        assert_eq!(e.lines().next().unwrap(), want, "{toml}");
    }
}
