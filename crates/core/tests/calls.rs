//! What a call as a whole comes to: calls with nothing of the operator's
//! to score, and calls whose parties look swapped.

mod support;

use std::path::Path;

use sufler_core::engine::{Event, Summary, Swapped};
use sufler_core::text::Lang;
use sufler_core::transcript::Transcript;
use support::{brief, bundled};

/// A deployment's template variables.
type Vars = &'static [(&'static str, &'static str)];

const RU: Vars = &[("company", "Ромашка"), ("operator_name", "Анна")];
const CS: Vars = &[("company", "Kopretina"), ("operator_name", "Jana")];

fn summary(events: &[Event]) -> &Summary {
    events.iter().find_map(|e| if let Event::CallSummary(s) = e { Some(s) } else { None }).expect("a summary")
}

fn check(lang: Lang, vars: &[(&str, &str)], text: &str, either_way: bool) -> Vec<Event> {
    let rules = bundled(lang, vars);
    let t = Transcript::parse(Path::new("call.txt"), text).expect("transcript parses");
    if either_way { t.check_either_way(&rules, "call.txt") } else { t.check(&rules, "call.txt") }
}

#[test]
fn a_call_without_operator_speech_is_not_scored() {
    // (transcript, flags, scored)
    let table: &[(Lang, Vars, &str, &[&str], bool)] = &[
        // Silence (what a silent recording's transcript holds), or only the
        // client: no step can be judged.
        (Lang::Ru, RU, r#"{"duration": 12.0, "segments": []}"#, &[], false),
        (Lang::Ru, RU, "client: Алло? Алло, меня слышно?", &[], false),
        // The client's alerts still stand: a prompt for whoever calls back.
        (Lang::Ru, RU, "client: Вы там все идиоты?", &["alert banned client-abuse «идиоты»"], false),
        (Lang::Cs, CS, "client: Haló? Slyšíte mě?", &[], false),
        // One word of the operator's is enough to judge them by.
        (
            Lang::Ru,
            RU,
            "operator: Алло",
            &[
                "missing greeting.hello",
                "missing greeting.company",
                "missing greeting.name",
                "missing greeting.offer_help",
                "missing closing.thanks",
                "missing closing.farewell",
            ],
            true,
        ),
    ];
    for (lang, vars, text, want, scored) in table {
        let events = check(*lang, vars, text, false);
        assert_eq!(brief(&events), *want, "{text:?}");
        let s = summary(&events);
        assert_eq!((s.scored, s.reason, s.score.is_some()), (*scored, (!scored).then_some("no operator speech"), *scored), "{text:?}");
    }
}

#[test]
fn a_client_saying_the_operators_opening_is_a_swapped_call() {
    let swapped_ru = "[00:00] client: Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?\n\
                      [00:05] operator: Добрый день, у меня не работает интернет.\n\
                      [00:40] client: Спасибо за обращение, всего доброго!";
    let swapped_cs = "[00:00] client: Dobrý den, společnost Kopretina, jmenuji se Jana. Jak vám mohu pomoci?\n\
                      [00:05] operator: Dobrý den, nefunguje mi internet.";
    let dead_operator = "[00:00] client: Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?";
    // The client naming the company and themselves is not a swap: the
    // operator said the opening.
    let asking = "[00:00] operator: Здравствуйте, компания Ромашка, меня зовут Анна. Чем могу помочь?\n\
                  [00:05] client: Здравствуйте, меня зовут Иван, это компания Ромашка?";
    let rude_client = "[00:00] operator: Да.\n[00:02] client: Алло, это компания Ромашка?";
    // (lang, vars, transcript, swapped as given, then either way, and
    // whether the operator's greeting is met either way)
    let table: &[(Lang, Vars, &str, Swapped, Swapped, bool)] = &[
        (Lang::Ru, RU, swapped_ru, Swapped::Suspected, Swapped::Corrected, true),
        (Lang::Cs, CS, swapped_cs, Swapped::Suspected, Swapped::Corrected, true),
        (Lang::Ru, RU, dead_operator, Swapped::Suspected, Swapped::Corrected, true),
        (Lang::Ru, RU, asking, Swapped::No, Swapped::No, true),
        (Lang::Ru, RU, rude_client, Swapped::No, Swapped::No, false),
    ];
    for (lang, vars, text, given, either, greeted) in table {
        let events = check(*lang, vars, text, false);
        assert_eq!(summary(&events).swapped, *given, "{text}");
        let events = check(*lang, vars, text, true);
        let s = summary(&events);
        assert_eq!(s.swapped, *either, "{text}");
        assert_eq!(s.met.contains(&"greeting.company".to_string()), *greeted, "{text}: {:?}", s.met);
    }
}

#[test]
fn a_flag_carries_the_recognisers_confidence_in_its_least_sure_word() {
    let rules = bundled(Lang::Ru, RU);
    let json = r#"{"duration": 5.0, "segments": [{"speaker": "operator", "start": 0.0, "end": 2.0, "text": "Я не знаю",
        "words": [{"start": 0.0, "end": 0.4, "text": "Я", "confidence": 0.9},
                  {"start": 0.5, "end": 0.8, "text": "не", "confidence": 0.4217},
                  {"start": 0.9, "end": 1.5, "text": "знаю", "confidence": 0.8}]}]}"#;
    let heard = Transcript::parse(Path::new("call.json"), json).unwrap().check(&rules, "call.json");
    let typed = Transcript::parse(Path::new("call.txt"), "operator: Я не знаю").unwrap().check(&rules, "call.txt");
    let confidence = |events: &[Event]| {
        let flag = events.iter().find_map(|e| if let Event::Violation(f) = e { Some(f) } else { None }).expect("a flag");
        flag.at.confidence
    };
    assert_eq!(confidence(&heard), Some(0.4217));
    assert_eq!(confidence(&typed), None, "typed words have none");
}
