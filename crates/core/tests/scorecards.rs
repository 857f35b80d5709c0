//! Scorecards: sections and weights, critical items, items that do not
//! apply, triggered rules, metrics; and a trainer's mistakes, each with
//! its exact message.

mod support;

use std::path::PathBuf;

use sufler_core::engine::Event;
use sufler_core::rules::Source;
use sufler_core::scorecard::{Card, Scorecard, Status};
use sufler_core::text::Lang;
use support::{bundled, from_toml, run};

const RULES: &str = r#"
[[rule]]
id = "greeting"
category = "greeting"
kind = "required"
first_s = 20
message = "Нет приветствия"
[[rule.element]]
id = "hello"
phrases = ["здравствуйте"]
[[rule.element]]
id = "name"
phrases = ["меня зовут"]

[[rule]]
id = "ne-znayu"
category = "banned"
kind = "banned"
message = "Не знаю"
phrases = ["не знаю"]

[[rule]]
id = "mat"
category = "banned"
kind = "banned"
message = "Мат"
exact = ["блин"]

[[rule]]
id = "client-abuse"
category = "client_abuse"
kind = "banned"
speaker = "client"
message = "Клиент грубит"
phrases = ["идиоты"]

[[rule]]
id = "empathy"
category = "conflict"
kind = "required"
after = "client-abuse"
within_s = 20
message = "Нет эмпатии"
phrases = ["я вас понимаю"]
"#;

const CARD: &str = r#"
name = "Тест"
version = "1.2"
pass = 80

[[section]]
id = "greeting"
title = "Приветствие"
weight = 30
[[section.item]]
id = "hello"
title = "Поздоровался"
points = 1
rule = "greeting"
element = "hello"
[[section.item]]
id = "name"
title = "Представился"
points = 3
rule = "greeting"
element = "name"

[[section]]
id = "speech"
title = "Речь"
weight = 50
[[section.item]]
id = "ne-znayu"
title = "Без «не знаю»"
points = 1
rule = "ne-znayu"
critical = "section"
[[section.item]]
id = "mat"
title = "Без мата"
points = 1
rule = "mat"
critical = "call"

[[section]]
id = "conflict"
title = "Конфликт"
weight = 20
[[section.item]]
id = "empathy"
title = "Эмпатия"
points = 1
rule = "empathy"
[[section.item]]
id = "calm"
title = "Без «не знаю» в конфликте"
points = 1
rule = "ne-znayu"
when = "client-abuse"
"#;

fn card_on(transcript: &str) -> Card {
    let rules = from_toml(RULES, &[]).unwrap();
    let card = Scorecard::parse(&Source { path: PathBuf::from("card.toml"), text: CARD.into() }, &rules).unwrap();
    let mut events = run(&rules, transcript);
    card.apply(&mut events);
    match events.last() {
        Some(Event::CallSummary(s)) => s.scorecard.clone().unwrap(),
        _ => panic!("no summary"),
    }
}

fn statuses(card: &Card) -> Vec<String> {
    let short = |s: Status| match s {
        Status::Pass => "pass",
        Status::Fail => "fail",
        Status::NotApplicable => "n/a",
    };
    card.sections.iter().flat_map(|s| s.items.iter().map(move |i| format!("{}.{} {}", s.id, i.id, short(i.status)))).collect()
}

#[test]
fn sections_weights_critical_items_and_items_that_do_not_apply() {
    // What the call is, its transcript, the score and verdict, each item's status.
    type Case<'a> = (&'a str, &'a str, Option<f64>, Option<bool>, &'a [&'a str]);
    let table: &[Case] = &[
        (
            "all said, no conflict: the conflict section does not apply",
            "operator: Здравствуйте, меня зовут Анна",
            Some(100.0),
            Some(true),
            &["greeting.hello pass", "greeting.name pass", "speech.ne-znayu pass", "speech.mat pass", "conflict.empathy n/a", "conflict.calm n/a"],
        ),
        (
            "no name: 1 of 4 points of a section weighing 30 of 80",
            "operator: Здравствуйте",
            Some(71.88),
            Some(false),
            &["greeting.hello pass", "greeting.name fail", "speech.ne-znayu pass", "speech.mat pass", "conflict.empathy n/a", "conflict.calm n/a"],
        ),
        (
            "«не знаю» fails its whole section (critical for it)",
            "operator: Здравствуйте, меня зовут Анна. Не знаю",
            Some(30.0 * 100.0 / 80.0),
            Some(false),
            &["greeting.hello pass", "greeting.name pass", "speech.ne-znayu fail", "speech.mat pass", "conflict.empathy n/a", "conflict.calm n/a"],
        ),
        (
            "swearing fails the call",
            "operator: Здравствуйте, меня зовут Анна. Блин",
            Some(0.0),
            Some(false),
            &["greeting.hello pass", "greeting.name pass", "speech.ne-znayu pass", "speech.mat fail", "conflict.empathy n/a", "conflict.calm n/a"],
        ),
        (
            "a rude client and empathy in time",
            "[00:00] operator: Здравствуйте, меня зовут Анна\n[00:05] client: Вы идиоты\n[00:10] operator: Я вас понимаю",
            Some(100.0),
            Some(true),
            &["greeting.hello pass", "greeting.name pass", "speech.ne-znayu pass", "speech.mat pass", "conflict.empathy pass", "conflict.calm pass"],
        ),
        (
            "a rude client and empathy too late",
            "[00:00] operator: Здравствуйте, меня зовут Анна\n[00:05] client: Вы идиоты\n[00:40] operator: Я вас понимаю",
            Some((30.0 * 100.0 + 50.0 * 100.0 + 20.0 * 50.0) / 100.0),
            Some(true),
            &["greeting.hello pass", "greeting.name pass", "speech.ne-znayu pass", "speech.mat pass", "conflict.empathy fail", "conflict.calm pass"],
        ),
        (
            "empathy said before the client was rude does not count",
            "[00:00] operator: Здравствуйте, меня зовут Анна. Я вас понимаю\n[00:05] client: Вы идиоты",
            Some(90.0),
            Some(true),
            &["greeting.hello pass", "greeting.name pass", "speech.ne-znayu pass", "speech.mat pass", "conflict.empathy fail", "conflict.calm pass"],
        ),
        (
            "nothing of the operator's: nothing is scored",
            "client: Алло?",
            None,
            None,
            &["greeting.hello n/a", "greeting.name n/a", "speech.ne-znayu n/a", "speech.mat n/a", "conflict.empathy n/a", "conflict.calm n/a"],
        ),
    ];
    for (what, transcript, score, passed, items) in table {
        let card = card_on(transcript);
        assert_eq!(statuses(&card), *items, "{what}");
        assert_eq!(card.score, *score, "{what}");
        assert_eq!(card.passed, *passed, "{what}");
        assert_eq!((card.name.as_str(), card.version.as_str()), ("Тест", "1.2"));
    }
}

#[test]
fn a_failed_item_says_what_it_was_judged_by() {
    let card = card_on("operator: Здравствуйте, меня зовут Анна. Блин");
    assert_eq!(card.failed_by.as_deref(), Some("mat"));
    let mat = &card.sections[1].items[1];
    let evidence = mat.evidence.as_ref().unwrap();
    assert_eq!(evidence.text.as_deref(), Some("Блин"));
}

#[test]
fn the_built_in_scorecards_fit_the_built_in_rules() {
    for lang in [Lang::Ru, Lang::Cs] {
        let rules = bundled(lang, &[]);
        let path = support::root().join("scorecards").join(format!("{}.toml", lang.code()));
        let text = std::fs::read_to_string(&path).unwrap();
        let card = Scorecard::parse(&Source { path, text }, &rules).unwrap();
        assert_eq!(card.pass, 80.0, "{lang}");
    }
}

#[test]
fn scorecard_mistakes() {
    let table: &[(&str, &str, &str)] = &[
        (
            "an unknown rule",
            "name = \"т\"\nversion = \"1\"\n[[section]]\nid = \"s\"\ntitle = \"С\"\nweight = 1\n[[section.item]]\nid = \"i\"\ntitle = \"П\"\npoints = 1\nrule = \"ne-znaju\"\n",
            "error: no rule `ne-znaju` in the rules
  --> card.toml:11:8
   |
11 | rule = \"ne-znaju\"
   |        ^^^^^^^^^^",
        ),
        (
            "an unknown element",
            "name = \"т\"\nversion = \"1\"\n[[section]]\nid = \"s\"\ntitle = \"С\"\nweight = 1\n[[section.item]]\nid = \"i\"\ntitle = \"П\"\npoints = 1\nrule = \"greeting\"\nelement = \"company\"\n",
            "error: rule `greeting` has no element `company` (it has hello, name)
  --> card.toml:12:11
   |
12 | element = \"company\"
   |           ^^^^^^^^^",
        ),
        (
            "an unknown metric",
            "name = \"т\"\nversion = \"1\"\n[[section]]\nid = \"s\"\ntitle = \"С\"\nweight = 1\n[[section.item]]\nid = \"i\"\ntitle = \"П\"\npoints = 1\nmetric = \"silence\"\nmax = 10\n",
            "error: no metric `silence` (there are dead_air_s, overtalk_s, operator_interruptions, operator_wpm, pace, operator_talk_share, monologue_s)
  --> card.toml:11:10
   |
11 | metric = \"silence\"
   |          ^^^^^^^^^",
        ),
        (
            "a misspelt field",
            "name = \"т\"\nversion = \"1\"\n[[section]]\nid = \"s\"\ntitle = \"С\"\nwieght = 1\n",
            "error: unknown field `wieght`, expected one of `id`, `title`, `weight`, `item`
 --> card.toml:6:1
  |
6 | wieght = 1
  | ^^^^^^",
        ),
        (
            "a bad critical",
            "name = \"т\"\nversion = \"1\"\n[[section]]\nid = \"s\"\ntitle = \"С\"\nweight = 1\n[[section.item]]\nid = \"i\"\ntitle = \"П\"\npoints = 1\nrule = \"mat\"\ncritical = \"yes\"\n",
            "error: unknown variant `yes`, expected `call` or `section`
  --> card.toml:12:12
   |
12 | critical = \"yes\"
   |            ^^^^^",
        ),
        (
            "a negative weight and a pass mark past 100, together",
            "name = \"т\"\nversion = \"1\"\npass = 120\n[[section]]\nid = \"s\"\ntitle = \"С\"\nweight = -1\n",
            "error: the pass mark is a score from 0 to 100
 --> card.toml:3:8
  |
3 | pass = 120
  |        ^^^

error: a weight is a number, 0 or more
 --> card.toml:7:10
  |
7 | weight = -1
  |          ^^",
        ),
    ];
    let rules = from_toml(RULES, &[]).unwrap();
    for (what, text, want) in table {
        let e = Scorecard::parse(&Source { path: PathBuf::from("card.toml"), text: text.to_string() }, &rules).unwrap_err();
        assert_eq!(e.to_string(), *want, "{what}");
    }
}
