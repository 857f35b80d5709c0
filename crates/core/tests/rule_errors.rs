//! Every kind of rule-file error, with its exact rendered message.

mod support;

use support::from_toml;

const HEAD: &str = "[[rule]]\nid = \"ne-znayu\"\ncategory = \"banned\"\nkind = \"banned\"\nmessage = \"Не знаю\"\n";

fn error_of(toml: &str) -> String {
    match from_toml(toml, &[]) {
        Ok(_) => panic!("loads, but should not:\n{toml}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn rule_file_errors() {
    let table: &[(&str, String, &str)] = &[
        (
            "syntax",
            "[[rule]]\nid = \"ne-znayu\n".to_string(),
            "error: invalid basic string, expected `\"`
 --> test.toml:2:15
  |
2 | id = \"ne-znayu
  |               ^",
        ),
        (
            "unknown field",
            format!("{HEAD}phrases = [\"не знаю\"]\nwieght = 5\n"),
            "error: unknown field `wieght`, expected one of `id`, `category`, `kind`, `speaker`, `severity`, `weight`, `message`, `suggest`, `phrases`, `exact`, `regex`, `element`, `gap`, `order`, `fuzzy`, `except`, `unless_near`, `position`, `first_s`, `last_s`, `after`, `within_s`, `metric`, `min`, `max`, `tests`
 --> test.toml:7:1
  |
7 | wieght = 5
  | ^^^^^^",
        ),
        (
            "missing field",
            "[[rule]]\nid = \"ne-znayu\"\ncategory = \"banned\"\nkind = \"banned\"\nphrases = [\"не знаю\"]\n".to_string(),
            "error: missing field `message`
 --> test.toml:1:1
  |
1 | [[rule]]
  | ^^^^^^^^",
        ),
        (
            "bad value",
            "[[rule]]\nid = \"ne-znayu\"\ncategory = \"banned\"\nkind = \"forbidden\"\nmessage = \"Не знаю\"\n".to_string(),
            "error: unknown variant `forbidden`, expected one of `required`, `banned`, `metric`
 --> test.toml:4:8
  |
4 | kind = \"forbidden\"
  |        ^^^^^^^^^^^",
        ),
        (
            "duplicate id",
            format!("{HEAD}phrases = [\"не знаю\"]\n\n{HEAD}phrases = [\"без понятия\"]\n"),
            "error: duplicate rule id `ne-znayu` (first defined at test.toml:2:6)
 --> test.toml:9:6
  |
9 | id = \"ne-znayu\"
  |      ^^^^^^^^^^",
        ),
        (
            "bad pattern",
            format!("{HEAD}exact = [\"минуточку\", \"мину*точку\"]\n"),
            "error: `*` may only end a word, as in `минуточк*` (found `мину*точку`)
 --> test.toml:6:23
  |
6 | exact = [\"минуточку\", \"мину*точку\"]
  |                       ^^^^^^^^^^^^",
        ),
        (
            "bad regex",
            format!("{HEAD}regex = ['\\d{{4']\n"),
            "error: bad regex: unclosed counted repetition
 --> test.toml:6:10
  |
6 | regex = ['\\d{4']
  |          ^^^^^^",
        ),
        (
            "unset variable inside a phrase",
            format!("{HEAD}phrases = [\"компания {{company}} приветствует вас\"]\n"),
            "error: template variable `company` has no value, and an unset variable may only begin or end a phrase
 --> test.toml:6:12
  |
6 | phrases = [\"компания {company} приветствует вас\"]
  |            ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^",
        ),
        (
            "failing example",
            format!("{HEAD}phrases = [\"не знаю\"]\ntests.hit = [\"Мы не знаем\"]\ntests.miss = [\"Я узнаю\", \"Ну не знаю\"]\n"),
            "error: example should not hit rule `ne-znayu`, but it does (heard «не знаю»)
 --> test.toml:8:26
  |
8 | tests.miss = [\"Я узнаю\", \"Ну не знаю\"]
  |                          ^^^^^^^^^^^^",
        ),
        (
            "required example",
            "[[rule]]\nid = \"closing\"\ncategory = \"closing\"\nkind = \"required\"\nmessage = \"Нет прощания\"\nlast_s = 30\n\
             tests.hit = [\"Спасибо за звонок\"]\n\n[[rule.element]]\nid = \"farewell\"\nphrases = [\"до свидания\"]\n"
                .to_string(),
            "error: example should meet rule `closing`, but misses farewell
 --> test.toml:7:14
  |
7 | tests.hit = [\"Спасибо за звонок\"]
  |              ^^^^^^^^^^^^^^^^^^^",
        ),
        (
            "no phrases",
            HEAD.to_string(),
            "error: rule `ne-znayu` has no phrases (give `phrases`, `exact`, `regex` or `element`s)
 --> test.toml:2:6
  |
2 | id = \"ne-znayu\"
  |      ^^^^^^^^^^",
        ),
        (
            "element without phrases",
            "[[rule]]\nid = \"greeting\"\ncategory = \"greeting\"\nkind = \"required\"\nmessage = \"m\"\n\n\
             [[rule.element]]\nid = \"hello\"\nphrases = [\"здравствуйте\"]\n\n[[rule.element]]\nid = \"name\"\n"
                .to_string(),
            "error: element `name` has no phrases (give `phrases`, `exact` or `regex`)
  --> test.toml:12:6
   |
12 | id = \"name\"
   |      ^^^^^^",
        ),
        (
            "element made only of unset variables",
            "[[rule]]\nid = \"greeting\"\ncategory = \"greeting\"\nkind = \"required\"\nmessage = \"m\"\n\n\
             [[rule.element]]\nid = \"company\"\nphrases = [\"{company}\"]\n"
                .to_string(),
            "error: `company` can never be heard: its phrases ({company}) use only template variables that have no value (set them with --var or in the config)
 --> test.toml:8:6
  |
8 | id = \"company\"
  |      ^^^^^^^^^",
        ),
        (
            "bad window",
            format!("{HEAD}phrases = [\"не знаю\"]\nfirst_s = -5\n"),
            "error: `first_s` must be a positive number of seconds
 --> test.toml:7:11
  |
7 | first_s = -5
  |           ^^",
        ),
        (
            "bad gap",
            format!("{HEAD}phrases = [\"не знаю\"]\ngap = -1\n"),
            "error: `gap` is the most words let in between two words of a phrase: 0 to 8
 --> test.toml:7:7
  |
7 | gap = -1
  |       ^^",
        ),
        (
            "prefix in any order",
            format!("{HEAD}order = \"any\"\nexact = [\"подождите минуточк*\"]\n"),
            "error: a phrase ending in a `*` prefix keeps its order; write it in a rule without `order = \"any\"`
 --> test.toml:7:10
  |
7 | exact = [\"подождите минуточк*\"]
  |          ^^^^^^^^^^^^^^^^^^^^^",
        ),
        (
            "a trigger without its window",
            format!("{HEAD}phrases = [\"не знаю\"]\n\n[[rule]]\nid = \"empathy\"\ncategory = \"conflict\"\nkind = \"required\"\nmessage = \"Эмпатия\"\nphrases = [\"я вас понимаю\"]\nafter = \"ne-znayu\"\n"),
            "error: a rule set off by another (`after`) says within how many seconds it is met (`within_s`)
  --> test.toml:14:9
   |
14 | after = \"ne-znayu\"
   |         ^^^^^^^^^^",
        ),
        (
            "a trigger that is not there",
            "[[rule]]\nid = \"empathy\"\ncategory = \"conflict\"\nkind = \"required\"\nmessage = \"Эмпатия\"\nphrases = [\"я вас понимаю\"]\nafter = \"client-abuse\"\nwithin_s = 20\n".to_string(),
            "error: no rule `client-abuse` to set this one off (or it is not in use)
 --> test.toml:7:9
  |
7 | after = \"client-abuse\"
  |         ^^^^^^^^^^^^^^",
        ),
        (
            "a window without a trigger",
            "[[rule]]\nid = \"empathy\"\ncategory = \"conflict\"\nkind = \"required\"\nmessage = \"Эмпатия\"\nphrases = [\"я вас понимаю\"]\nwithin_s = 20\n".to_string(),
            "error: `within_s` counts from a trigger: name the rule that sets this one off (`after`)
 --> test.toml:7:12
  |
7 | within_s = 20
  |            ^^",
        ),
    ];
    for (what, toml, want) in table {
        assert_eq!(error_of(toml), *want, "{what}");
    }
}

/// A rule set is written in one language, which its files may declare.
#[test]
fn rule_set_languages() {
    use std::path::PathBuf;
    use sufler_core::rules::{RuleSet, Source};
    use sufler_core::text::Lang;
    let file = |name: &str, lang: &str| Source {
        path: PathBuf::from(name),
        text: format!(
            "{lang}[[rule]]\nid = \"{name}\"\ncategory = \"c\"\nkind = \"banned\"\nmessage = \"m\"\nphrases = [\"nevím\"]\ntests.hit = [\"Nevím\"]\n"
        ),
    };
    let load = |sources: &[Source], asked| RuleSet::from_sources(sources, asked, &Default::default()).map(|s| s.lang).map_err(|e| e.to_string());
    let cs = file("a.toml", "lang = \"cs\"\n");
    assert_eq!(load(&[cs.clone(), file("b.toml", "")], None), Ok(Lang::Cs), "declared once, for the set");
    assert_eq!(load(&[file("b.toml", "")], None), Ok(Lang::Ru), "declared nowhere: Russian");
    assert_eq!(load(&[file("b.toml", "")], Some(Lang::Cs)), Ok(Lang::Cs), "declared nowhere: as asked");
    assert_eq!(
        load(&[cs.clone(), file("b.toml", "lang = \"ru\"\n")], None),
        Err("error: this file is written in `ru`, but a.toml:1:8 says `cs`: a rule set has one language
 --> b.toml:1:8
  |
1 | lang = \"ru\"
  |        ^^^^"
            .to_string())
    );
    assert_eq!(
        load(&[cs], Some(Lang::Ru)),
        Err("error: these rules are written in `cs`, but `ru` was asked for (--lang or `lang` in the config)
 --> a.toml:1:8
  |
1 | lang = \"cs\"
  |        ^^^^"
            .to_string())
    );
}

#[test]
fn all_errors_of_a_file_are_reported_together() {
    let toml =
        format!("{HEAD}exact = [\"мину*точку\"]\n\n[[rule]]\nid = \"card\"\ncategory = \"secrecy\"\nkind = \"banned\"\nmessage = \"Карта\"\nregex = ['(']\n");
    let message = error_of(&toml);
    assert_eq!(message.matches("error: ").count(), 2, "{message}");
    assert!(message.contains("test.toml:6:10") && message.contains("test.toml:13:10"), "{message}");
}
