//! Table-driven matching tests on the bundled Russian and Czech rules:
//! whole words, morphology, exceptions, proximity, speaker scope and
//! positions.

mod support;

use support::{banned, bundled, run};
use sufler::text::Lang;

const VARS: &[(&str, &str)] = &[("company", "Ромашка"), ("operator_name", "Анна")];

#[test]
fn russian_banned_phrases() {
    let rules = bundled(Lang::Ru, VARS);
    let table: &[(&str, &[&str])] = &[
        // Whole words only.
        ("operator: Проверьте, пожалуйста, интернет", &[]),
        ("operator: Это наш интернет-магазин", &[]),
        ("operator: Я узнаю и перезвоню вам", &[]),
        ("operator: Знаю, что вы ждали", &[]),
        // Morphology.
        ("operator: Мы не знаем", &["banned ne-znayu «не знаем»"]),
        ("operator: Решим вашу проблему", &["banned problema «проблему»"]),
        ("operator: С такими проблемами обращаются часто", &["banned problema «проблемами»"]),
        ("operator: Мы не сможем вернуть деньги", &["banned ne-mogu «не сможем»"]),
        // Alternatives that overlap are one hit, reported with the longest words.
        ("operator: Я не знаю", &["banned ne-znayu «Я не знаю»"]),
        // `exact` words do not match by stem.
        ("operator: У вас есть возможность оплатить картой", &[]),
        ("operator: Возможно, это ошибка", &["banned neuverennost «Возможно»"]),
        // `*` prefixes.
        ("operator: Подождите секундочку", &["banned umenshitelnye «секундочку»"]),
        ("operator: Подождите секунду", &[]),
        // Exceptions cancel a hit they overlap, before or after it.
        ("operator: Нет проблем, сейчас сделаем", &[]),
        ("operator: Без проблем", &[]),
        ("operator: Это не проблема", &["banned problema «проблема»"]),
        // Proximity: «не знаю» put right within four words.
        ("operator: Не знаю, сейчас уточню", &[]),
        ("operator: Этого я не знаю, но обязательно выясню", &[]),
        ("operator: Я не знаю. Мы с вами потом как-нибудь это уточню", &["banned ne-znayu «Я не знаю»"]),
        // Position: «нет» only as a refusal at the start of a sentence.
        ("operator: У вас нет задолженности", &[]),
        ("operator: Нет, это невозможно", &["banned net «Нет»"]),
        ("operator: Хорошо. Нет, так нельзя", &["banned net «Нет»"]),
        // Speaker scope: the client's words are never the operator's violation.
        ("client: Я не знаю, что мне делать", &[]),
        ("client: Нет, вы должны мне вернуть деньги", &[]),
        ("client: Вы там все идиоты?", &["alert banned client-abuse «идиоты»"]),
        ("operator: Вы должны были оплатить", &["banned vy-dolzhny «Вы должны»"]),
        // Case, ё and punctuation do not matter.
        ("operator: НЕ ЗНАЮ!!!", &["banned ne-znayu «НЕ ЗНАЮ»"]),
        ("operator: Вы не правы.", &["banned vy-ne-pravy «Вы не правы»"]),
        ("operator: на вашем месте я бы сменил тариф", &["banned na-vashem-meste «на вашем месте»"]),
        ("operator: Вернитесь на ваше место", &[]),
    ];
    for (transcript, want) in table {
        assert_eq!(banned(&run(&rules, transcript)), *want, "transcript: {transcript}");
    }
}

#[test]
fn phrases_do_not_span_utterances() {
    let rules = bundled(Lang::Ru, VARS);
    assert_eq!(banned(&run(&rules, "operator: Мы не\noperator: знаем")), Vec::<String>::new());
    assert_eq!(banned(&run(&rules, "operator: Мы не знаем")), ["banned ne-znayu «не знаем»"]);
}

#[test]
fn czech_banned_phrases() {
    let rules = bundled(Lang::Cs, &[("company", "Kopretina"), ("operator_name", "Jana")]);
    let table: &[(&str, &[&str])] = &[
        ("operator: To já nevím", &["banned nevim «nevím»"]),
        ("operator: Nevím, hned to zjistím", &[]),
        ("operator: Jaký máte problém?", &["banned problem «problém»"]),
        ("operator: S tímto problémem volá hodně lidí", &["banned problem «problémem»"]),
        ("operator: Bez problému", &[]),
        ("operator: Ne, to nejde", &["banned ne «Ne»"]),
        ("operator: To není možné", &[]),
        ("operator: Musíte zaplatit do pátku", &["banned musite «Musíte»"]),
        ("client: Musíte mi to vrátit", &[]),
        ("client: Vy jste idioti", &["alert banned client-abuse «idioti»"]),
    ];
    for (transcript, want) in table {
        assert_eq!(banned(&run(&rules, transcript)), *want, "transcript: {transcript}");
    }
}
