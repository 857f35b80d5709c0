//! The engine over time: windows, template variables, when each event is
//! emitted, and the score.

mod support;

use sufler_core::call::{Speaker, Word};
use sufler_core::engine::{Engine, Event};
use sufler_core::text::Lang;
use support::{brief, bundled, from_toml, run};

const VARS: &[(&str, &str)] = &[("company", "Ромашка"), ("operator_name", "Анна")];

fn required_only(events: &[Event]) -> Vec<String> {
    brief(events).into_iter().filter(|s| s.contains("greeting") || s.contains("closing")).collect()
}

#[test]
fn greeting_window_and_closing_window() {
    let rules = bundled(Lang::Ru, VARS);
    let table: &[(&str, &[&str])] = &[
        (
            "[00:00] operator: Здравствуйте, компания Ромашка, меня зовут Анна, чем могу помочь?\n\
             [00:05] client: Хочу узнать баланс\n\
             [00:30] operator: Спасибо за обращение, всего доброго!",
            &["met greeting.hello", "met greeting.company", "met greeting.name", "met greeting.offer_help", "met closing.thanks", "met closing.farewell"],
        ),
        (
            // The greeting comes 25 s after the operator first spoke: too late.
            "[00:00] operator: Алло\n\
             [00:25] operator: Здравствуйте, компания Ромашка, меня зовут Анна, чем могу помочь?\n\
             [00:40] operator: Спасибо за обращение, всего доброго!",
            &[
                "missing greeting.hello",
                "missing greeting.company",
                "missing greeting.name",
                "missing greeting.offer_help",
                "met closing.thanks",
                "met closing.farewell",
            ],
        ),
        (
            // The window counts from the operator's first word, not the recording's start.
            "[01:00] operator: Добрый день, Ромашка, меня зовут Анна, слушаю вас\n\
             [01:20] operator: Всего доброго, спасибо за звонок",
            &["met greeting.hello", "met greeting.company", "met greeting.name", "met greeting.offer_help", "met closing.farewell", "met closing.thanks"],
        ),
        (
            // A farewell said early, then another minute of talk: the closing is missing.
            "[00:00] operator: Здравствуйте, компания Ромашка, меня зовут Анна, чем могу помочь?\n\
             [00:10] operator: Спасибо за обращение, всего доброго!\n\
             [00:15] client: Подождите, ещё вопрос\n\
             [01:30] operator: Да, конечно, записала",
            &[
                "met greeting.hello",
                "met greeting.company",
                "met greeting.name",
                "met greeting.offer_help",
                "met closing.thanks",
                "met closing.farewell",
                "missing closing.thanks",
                "missing closing.farewell",
            ],
        ),
        (
            // Greeting words said by the client do not count for the operator.
            "[00:00] client: Здравствуйте, это компания Ромашка? Меня зовут Анна\n\
             [00:02] operator: Да. Чем могу помочь?",
            &[
                "met greeting.offer_help",
                "missing greeting.hello",
                "missing greeting.company",
                "missing greeting.name",
                "missing closing.thanks",
                "missing closing.farewell",
            ],
        ),
    ];
    for (transcript, want) in table {
        assert_eq!(required_only(&run(&rules, transcript)), *want, "transcript:\n{transcript}");
    }
}

/// `--var` values, as name and value.
type Vars<'a> = &'a [(&'a str, &'a str)];

#[test]
fn template_variables() {
    let greeting = "operator: Здравствуйте, компания Ромашка Плюс, меня зовут Мария";
    // (template variables, what the greeting gives)
    let table: &[(Vars, &[&str])] = &[
        // A set name must be the one said.
        (&[("company", "Ромашка Плюс"), ("operator_name", "Анна")], &["met greeting.hello", "met greeting.company", "missing greeting.name"]),
        (&[("company", "Ромашка Плюс"), ("operator_name", "Мария")], &["met greeting.hello", "met greeting.company", "met greeting.name"]),
        // Without a name, «меня зовут» and any name count.
        (&[("company", "Ромашка Плюс")], &["met greeting.hello", "met greeting.company", "met greeting.name"]),
        // Without a company, «компания» and any word count.
        (&[], &["met greeting.hello", "met greeting.company", "met greeting.name"]),
        // Another company is not this one.
        (&[("company", "Лютик")], &["met greeting.hello", "met greeting.name", "missing greeting.company"]),
    ];
    for (vars, want) in table {
        let rules = bundled(Lang::Ru, vars);
        let got: Vec<String> = required_only(&run(&rules, greeting)).into_iter().filter(|s| !s.contains("offer_help") && !s.contains("closing")).collect();
        assert_eq!(got, *want, "vars: {vars:?}");
    }
}

fn word(speaker: Speaker, start: f64, text: &str) -> Word<'_> {
    Word { speaker, start, end: start + 0.3, text: text.into(), confidence: None, guessed: false, utterance_start: false }
}

/// Feeds words one by one and records which events each one released.
fn releases(rules: &sufler_core::rules::RuleSet, words: &[Word]) -> Vec<(String, Vec<String>)> {
    let mut engine = Engine::new(rules, "call");
    words
        .iter()
        .map(|w| {
            engine.push(w);
            (w.text.to_string(), brief(&engine.take_events()))
        })
        .collect()
}

#[test]
fn banned_phrase_is_emitted_with_its_last_word() {
    let rules = bundled(Lang::Ru, VARS);
    let words = [word(Speaker::Operator, 0.0, "Вы"), word(Speaker::Operator, 0.4, "должны"), word(Speaker::Operator, 0.8, "оплатить")];
    let got = releases(&rules, &words);
    assert_eq!(got[0].1, Vec::<String>::new());
    assert_eq!(got[1].1, ["banned vy-dolzhny «Вы должны»"]);
    assert_eq!(got[2].1, Vec::<String>::new());
}

/// A saved transcript of one utterance, its words guessed or not.
fn saved(speaker: &str, said: &str, guessed: bool) -> String {
    let words: Vec<String> = said
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| format!(r#"{{"start": {}, "end": {}, "text": "{w}", "confidence": 0.2, "guessed": {guessed}}}"#, i as f64 * 0.4, i as f64 * 0.4 + 0.3))
        .collect();
    format!(r#"{{"language": "ru", "segments": [{{"speaker": "{speaker}", "start": 0, "end": 5, "text": "{said}", "words": [{}]}}]}}"#, words.join(", "))
}

#[test]
fn guessed_words_meet_steps_but_flag_no_banned_phrase_of_the_operators() {
    let rules = bundled(Lang::Ru, VARS);
    // (speaker, said, guessed, what it gives of flags, alerts and the company's step)
    let table: &[(&str, &str, bool, &[&str])] = &[
        ("operator", "Это так всем не было, я так не могу.", false, &["banned ne-mogu «не могу»"]),
        ("operator", "Это так всем не было, я так не могу.", true, &[]),
        ("operator", "Компания Ромашка, я не знаю.", true, &["met greeting.company"]),
        ("operator", "Компания Ромашка, я не знаю.", false, &["met greeting.company", "banned ne-znayu «я не знаю»"]),
        // A client's guessed abuse still prompts the operator.
        ("client", "Вы там все идиоты!", true, &["alert banned client-abuse «идиоты»"]),
    ];
    for (speaker, said, guessed, want) in table {
        let json = saved(speaker, said, *guessed);
        let t = sufler_core::transcript::Transcript::parse(std::path::Path::new("call.json"), &json).expect("transcript parses");
        let got: Vec<String> = brief(&t.check(&rules, "call.json")).into_iter().filter(|e| e.contains("banned") || e == "met greeting.company").collect();
        assert_eq!(got, *want, "{speaker}: {said} (guessed: {guessed})");
    }
}

#[test]
fn a_source_that_marks_utterances_is_believed_over_word_times() {
    let rules = bundled(Lang::Ru, VARS);
    // Live recognition may time a word at the edge of a short clip 2 s
    // before the next: one utterance all the same.
    let words = [word(Speaker::Operator, 0.0, "Вы"), word(Speaker::Operator, 2.5, "должны")];
    let run = |engine: Engine| {
        let mut engine = engine;
        words.iter().for_each(|w| engine.push(w));
        support::banned(&engine.take_events())
    };
    assert!(run(Engine::new(&rules, "call")).is_empty(), "a 2.5 s pause parts utterances by default");
    assert_eq!(run(Engine::new(&rules, "call").with_marked_utterances()), ["banned vy-dolzhny «Вы должны»"]);
}

#[test]
fn live_flags_a_phrase_a_correction_may_excuse_at_once_and_withdraws_it() {
    let rules = bundled(Lang::Ru, VARS);
    // (words said, what each word released), words 0.4 s apart.
    let table: &[(&str, &[&str])] = &[
        ("Я не знаю, где ваш заказ", &["", "", "banned ne-znayu «Я не знаю»", "", "", ""]),
        ("Не знаю, сейчас уточню", &["", "banned ne-znayu «Не знаю»", "", "withdrawn ne-znayu «Не знаю»"]),
        // Exceptions are not corrections: «нет» waits for the words of its
        // exceptions («нет ничего сложного»).
        ("Нет проблем, сделаем", &["", "", ""]),
        // One word may come between an exception's words («нет никаких
        // проблем»): «нет» is decided on the fourth word after it.
        ("Нет, так не получится никак", &["", "", "", "", "banned net «Нет»"]),
    ];
    for &(said, want) in table {
        let words: Vec<Word> = said.split(' ').enumerate().map(|(i, w)| word(Speaker::Operator, i as f64 * 0.4, w)).collect();
        let mut engine = Engine::new(&rules, "call").with_early_flags();
        let got: Vec<String> = words
            .iter()
            .map(|w| {
                engine.push(w);
                brief(&engine.take_events()).join(", ")
            })
            .collect();
        assert_eq!(got, want, "{said}");
        // The summary counts what stands (and the script steps missed).
        let summary = engine.finish(Some(10.0));
        let stands = want.iter().filter(|e| e.starts_with("banned")).count() - want.iter().filter(|e| e.starts_with("withdrawn")).count();
        assert_eq!(summary.violations, stands + summary.missing.len(), "{said}");
    }
}

#[test]
fn hit_with_proximity_waits_only_as_long_as_it_must() {
    let rules = bundled(Lang::Ru, VARS);
    let said = ["Я", "не", "знаю,", "когда", "придёт", "курьер,", "извините", "пожалуйста,", "скоро", "будет", "у", "вас"];
    let words: Vec<Word> = said.iter().enumerate().map(|(i, w)| word(Speaker::Operator, i as f64 * 0.4, w)).collect();
    let got = releases(&rules, &words);
    // A correction may start up to four words after «знаю», and «сейчас
    // посмотрю» with two words let in («сейчас я сам посмотрю») ends eight
    // words after it: the hit is decided on the eighth word after it, not
    // at the end of the call.
    let at: Vec<usize> = got.iter().enumerate().filter(|(_, (_, e))| e.iter().any(|s| s.contains("ne-znayu"))).map(|(i, _)| i).collect();
    assert_eq!(at, [10]);
    // The clock moving on decides it too.
    let mut engine = Engine::new(&rules, "call");
    for w in &words[..3] {
        engine.push(w);
    }
    assert!(brief(&engine.take_events()).is_empty());
    engine.advance(1.0 + sufler_core::engine::HOLD_S + 0.2);
    assert_eq!(brief(&engine.take_events()), ["banned ne-znayu «Я не знаю»"]);
}

#[test]
fn missing_greeting_is_emitted_when_its_window_closes() {
    let rules = bundled(Lang::Ru, VARS);
    let words = [word(Speaker::Operator, 1.0, "Алло"), word(Speaker::Client, 3.0, "Здравствуйте"), word(Speaker::Operator, 22.0, "Да")];
    let got = releases(&rules, &words);
    assert!(got[1].1.is_empty(), "the client's word does not close the operator's window");
    assert_eq!(got[2].1, ["missing greeting.hello", "missing greeting.company", "missing greeting.name", "missing greeting.offer_help"]);
    // With no further words, the clock alone closes it.
    let mut engine = Engine::new(&rules, "call");
    engine.push(&words[0]);
    engine.advance(20.5);
    assert!(engine.take_events().is_empty());
    engine.advance(21.5);
    assert_eq!(brief(&engine.take_events()).len(), 4);
    // A client's word before the deadline does not hide the operator's
    // window from the clock (it once did, until the call ended).
    let mut engine = Engine::new(&rules, "call");
    engine.push(&words[0]);
    engine.push(&word(Speaker::Client, 19.0, "Алло"));
    engine.advance(21.5);
    assert_eq!(brief(&engine.take_events()).len(), 4);
}

#[test]
fn messages_carry_the_deployment_values() {
    let rules = bundled(Lang::Ru, VARS);
    let events = run(&rules, "operator: Алло");
    let suggestions: Vec<&str> = events
        .iter()
        .filter_map(|e| match e {
            Event::Violation(f) if f.at.element.as_deref() == Some("company") => Some(f.suggest.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(suggestions, ["Компания Ромашка"]);
}

#[test]
fn score_and_summary() {
    let rules = bundled(Lang::Ru, VARS);
    let events = run(
        &rules,
        "operator: Здравствуйте, компания Ромашка, меня зовут Анна, чем могу помочь?\n\
         client: Вы идиоты\n\
         operator: Я не знаю. Вам лучше перезвонить\n\
         operator: Спасибо за обращение, всего доброго!",
    );
    let Some(Event::CallSummary(s)) = events.last() else { panic!("no summary last: {events:?}") };
    // ne-znayu 5 + vam-luchshe 2, and no empathy for the rude client 10;
    // the client's abuse itself costs nothing.
    assert_eq!((s.score, s.violations, s.alerts), (Some(83.0), 3, 1));
    assert_eq!(s.missing, ["empathy"]);
    assert_eq!(s.met.len(), 6);
}

#[test]
fn same_input_same_output() {
    let rules = bundled(Lang::Ru, VARS);
    let transcript = "operator: Здравствуйте. Я не знаю, возможно, проблема в том, что вы должны\nclient: Нет, это вы идиоты";
    let first = run(&rules, transcript);
    for _ in 0..3 {
        assert_eq!(run(&rules, transcript), first);
    }
}

#[test]
fn regex_phrases_match_whole_words() {
    let rules = from_toml(
        r#"
[[rule]]
id = "card-number"
category = "secrecy"
kind = "banned"
weight = 20
message = "Оператор произнёс номер карты"
suggest = "Не называйте номер карты вслух"
regex = ['\d{4} \d{4} \d{4} \d{4}']
tests.hit = ["Ваша карта 1234 5678 9012 3456, верно?"]
tests.miss = ["Ваш заказ 1234", "Код 12345 6789 0123 4567"]
"#,
        &[],
    )
    .unwrap();
    assert_eq!(support::banned(&run(&rules, "operator: номер 4276 1234 5678 9012 записан")), ["banned card-number «4276 1234 5678 9012»"]);
}
