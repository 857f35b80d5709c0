//! Card numbers, codes, expiry dates, phone numbers and e-mail addresses
//! are taken out of a call's words, in Russian and Czech, written in digits
//! or said in words; numbers that are none of them stay.

mod support;

use std::path::Path;

use sufler_core::redact;
use sufler_core::text::Lang;
use sufler_core::transcript::{TimedWord, Transcript};

fn redacted(lang: Lang, said: &str) -> String {
    let mut words: Vec<TimedWord> = said
        .split_whitespace()
        .enumerate()
        .map(|(i, w)| TimedWord { start: i as f64, end: i as f64 + 0.5, text: w.into(), confidence: None, guessed: false })
        .collect();
    redact::words(lang, &mut words);
    words.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>().join(" ")
}

#[test]
fn what_is_taken_out_and_what_stays() {
    use Lang::{Cs, Ru};
    let table: &[(Lang, &str, &str)] = &[
        // Cards: digits as Whisper writes them, words in any case.
        (Ru, "номер карты 4.286 3.8.0.1 5.5.5.5.1.2.3.4. телефон 8.916.123.45.67.", "номер карты [карта]. телефон [телефон]."),
        (Ru, "записывайте 4111 1111 1111 1111 спасибо", "записывайте [карта] спасибо"),
        (Ru, "четыре один один один, один один один один, один один один один, один один один один", "[карта]"),
        (Ru, "сорок один одиннадцать одиннадцать одиннадцать одиннадцать одиннадцать одиннадцать одиннадцать один", "[карта]"),
        (Ru, "карта пять пять ноль ноль ноль ноль ноль ноль ноль ноль ноль ноль ноль ноль ноль четыре", "карта [карта]"),
        // A card mis-heard by a digit is still a card after the word for it.
        (Ru, "номер карты 4276 3801 5555 1234", "номер карты [карта]"),
        // Whisper looping on a card read out: more digits than a card has.
        (Ru, "номер карты. 4-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-1-", "номер карты. [карта]"),
        (Ru, "номер карты 50 4 60 9 38 0 0 12 34 56 73", "номер карты [карта]"),
        // Phones.
        (Ru, "мой телефон 8 916 123 45 67", "мой телефон [телефон]"),
        (Ru, "Мой телефон 816-123-45-67", "Мой телефон [телефон]"),
        (Ru, "звоните +7 916 123-45-67 в любое время", "звоните [телефон] в любое время"),
        (Ru, "восемь девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь", "[телефон]"),
        (Ru, "запишите девятьсот шестнадцать сто двадцать три сорок пять шестьдесят семь", "запишите [телефон]"),
        // Codes and expiry dates after their words.
        (Ru, "код на обороте три два один", "код на обороте [код]"),
        (Ru, "CVV 123", "CVV [код]"),
        (Ru, "срок действия двенадцать двадцать семь", "срок действия [срок]"),
        (Ru, "карта действует до 09/28", "карта действует до [срок]"),
        // E-mail.
        (Ru, "пишите на ivan.petrov@mail.ru пожалуйста", "пишите на [почта] пожалуйста"),
        (Ru, "иван собака мейл точка ру", "[почта]"),
        // What stays: order numbers, sums, dates, short codes without their words.
        (Ru, "номер заказа 123456789", "номер заказа 123456789"),
        (Ru, "с вас две тысячи пятьсот рублей", "с вас две тысячи пятьсот рублей"),
        (Ru, "заказ 100200300400 от двадцать второго", "заказ 100200300400 от двадцать второго"),
        (Ru, "подождите три минуты", "подождите три минуты"),
        (Ru, "доставка двенадцатого марта в 14:30", "доставка двенадцатого марта в 14:30"),
        // Czech.
        (Cs, "číslo karty 4111 1111 1111 1111", "číslo karty [karta]"),
        (Cs, "moje číslo je +420 603 123 456", "moje číslo je [telefon]"),
        (Cs, "volejte šest set tři sto dvacet tři čtyři sta padesát šest", "volejte [telefon]"),
        (Cs, "bezpečnostní kód je sedm osm devět", "bezpečnostní kód je [kód]"),
        (Cs, "platnost dvanáct dvacet sedm", "platnost [platnost]"),
        (Cs, "jana zavináč seznam tečka cz", "[e-mail]"),
        (Cs, "objednávka číslo 4521", "objednávka číslo 4521"),
        (Cs, "stojí to dva tisíce korun", "stojí to dva tisíce korun"),
    ];
    for (lang, said, want) in table {
        assert_eq!(redacted(*lang, said), *want, "{said}");
    }
}

#[test]
fn a_placeholder_keeps_the_times_of_what_it_replaces() {
    let mut words: Vec<TimedWord> = ["карта", "4111", "1111", "1111", "1111", "спасибо"]
        .iter()
        .enumerate()
        .map(|(i, w)| TimedWord { start: i as f64, end: i as f64 + 0.5, text: (*w).into(), confidence: Some(0.9), guessed: false })
        .collect();
    let taken = redact::words(Lang::Ru, &mut words);
    assert_eq!(taken, [redact::Redacted { kind: redact::Kind::Card, start: 1.0, end: 4.5 }]);
    assert_eq!((words[1].start, words[1].end, words[1].text.as_ref()), (1.0, 4.5, "[карта]"));
}

#[test]
fn live_words_wait_only_while_a_number_may_follow() {
    let words = |said: &str| -> Vec<TimedWord<'static>> {
        said.split_whitespace().map(|w| TimedWord { start: 0.0, end: 0.5, text: w.to_string().into(), confidence: None, guessed: false }).collect()
    };
    let table: &[(&str, usize)] =
        &[("записывайте номер карты 4111", 2), ("записывайте номер", 0), ("мой телефон", 1), ("номер [карта] спасибо", 0), ("сорок два", 2)];
    for (said, held) in table {
        assert_eq!(redact::pending(Lang::Ru, &words(said)), *held, "{said}");
    }
}

#[test]
fn a_rule_can_react_to_a_card_number_said() {
    let rule = "[[rule]]\nid = \"card-aloud\"\ncategory = \"security\"\nkind = \"banned\"\nspeaker = \"operator\"\nmessage = \"Не повторяйте номер карты вслух\"\nphrases = [\"[карта]\"]\ntests.hit = [\"[карта]\"]\ntests.miss = [\"номер карты\"]\n";
    let rules = support::from_toml(rule, &[]).unwrap();
    let text = "operator: Повторяю: 4111 1111 1111 1111, верно?\nclient: Да, карта моя.\n";
    let mut t = Transcript::parse(Path::new("call.txt"), text).unwrap();
    redact::transcript(Lang::Ru, &mut t);
    assert_eq!(support::banned(&t.check(&rules, "call.txt")), ["banned card-aloud «карта»"]);
    assert!(!serde_json::to_string(&t).unwrap().contains("1111"));
}
