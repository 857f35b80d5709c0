//! Re-scoring stored transcripts: `cargo bench --bench rescore [-- CALLS WORDS THREADS]`
//! (defaults: 100000 calls of ~500 words on 2 threads). With
//! `RESCORE_TOTAL_ONLY=1` set it prints the total time alone and skips the
//! parts measured apart.
//!
//! Generates 10,000 distinct JSON transcripts from call-centre phrases
//! (greetings, closings, banned phrases, look-alikes), then re-scores
//! CALLS of them, cycling, with the bundled Russian rules: each one is
//! parsed from JSON, turned into words and checked from scratch, as
//! `sufler check --transcript` does.

use std::path::Path;
use std::time::Instant;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use rayon::prelude::*;
use sufler_core::engine::Event;
use sufler_core::redact;
use sufler_core::rules::RuleSet;
use sufler_core::text::Lang;
use sufler_core::transcript::{Segment, TimedWord, Transcript};

const OPERATOR: &[&str] = &[
    "Здравствуйте, компания Ромашка, меня зовут Анна, чем могу помочь?",
    "Я вас понимаю, давайте подумаем, как я смогу вам помочь.",
    "Назовите, пожалуйста, номер договора.",
    "Я не знаю, когда придёт курьер.",
    "Не знаю, сейчас уточню информацию.",
    "Вы должны были оплатить до пятницы.",
    "Проверьте, пожалуйста, подключение к интернету.",
    "Нет, это невозможно.",
    "У вас нет задолженности по договору.",
    "Минуточку, я проверю ваш заказ.",
    "Нет проблем, сейчас всё сделаем.",
    "Возможно, это ошибка системы.",
    "Я узнаю и перезвоню вам в течение часа.",
    "Спасибо за ваше терпение.",
    "Спасибо за обращение, всего доброго!",
];
const CLIENT: &[&str] = &[
    "Добрый день, у меня не работает интернет уже третий день.",
    "Я не знаю, что мне делать, помогите.",
    "Вы там все идиоты?",
    "Хорошо, спасибо, буду ждать звонка.",
    "Нет, мне это не подходит.",
    "Когда будет решена моя проблема?",
];

/// A small deterministic generator, so every run scores the same calls.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

fn transcript(seed: u64, target_words: usize) -> Transcript<'static> {
    let mut rng = Lcg(seed);
    let mut t = 0.0;
    let mut segments = Vec::new();
    let mut count = 0;
    let mut turn = 0;
    while count < target_words {
        let (speaker, lines) = if turn % 2 == 0 { (sufler_core::call::Speaker::Operator, OPERATOR) } else { (sufler_core::call::Speaker::Client, CLIENT) };
        let line = if turn == 0 { lines[0] } else { lines[rng.next(lines.len())] };
        let start = t;
        let words: Vec<TimedWord> = line
            .split_whitespace()
            .map(|w| {
                let word = TimedWord { start: t, end: t + 0.35, text: w.into(), confidence: Some(0.9), guessed: false };
                t += 0.4;
                word
            })
            .collect();
        count += words.len();
        segments.push(Segment { speaker, start, end: t, text: line.into(), words });
        t += 0.8;
        turn += 1;
    }
    Transcript { language: Some("ru".into()), duration: Some(t), segments, warnings: Vec::new(), redacted: Vec::new(), unredacted: false, call: None }
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let calls = args.first().copied().unwrap_or(100_000);
    let words = args.get(1).copied().unwrap_or(500);
    let threads = args.get(2).copied().unwrap_or(2);
    rayon::ThreadPoolBuilder::new().num_threads(threads).build_global().unwrap();

    // The repository, two folders above the core crate.
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let vars = [("company", "Ромашка"), ("operator_name", "Анна")].map(|(k, v)| (k.to_string(), v.to_string())).into();
    let rules = RuleSet::load(&root.join("rules/ru"), Some(Lang::Ru), &vars).expect("rules load");

    let distinct = calls.min(10_000);
    let stored: Vec<String> = (0..distinct as u64).into_par_iter().map(|i| serde_json::to_string(&transcript(i, words)).unwrap()).collect();
    let bytes: usize = stored.iter().map(String::len).sum();
    println!("{distinct} distinct transcripts, {:.1} MB of JSON; re-scoring {calls} calls on {threads} threads", bytes as f64 / 1e6);

    let started = Instant::now();
    let (total_words, violations) = (0..calls)
        .into_par_iter()
        .map(|i| {
            let json = &stored[i % distinct];
            let mut t = Transcript::parse(Path::new("stored.json"), json).expect("parses");
            // As `check --transcript` does: numbers taken out first.
            redact::transcript(Lang::Ru, &mut t);
            let events = t.check(&rules, "stored.json");
            let words = t.segments.iter().map(|s| s.words.len()).sum::<usize>();
            (words, events.iter().filter(|e| matches!(e, Event::Violation(_))).count())
        })
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let secs = started.elapsed().as_secs_f64();
    if std::env::var_os("RESCORE_TOTAL_ONLY").is_some() {
        // For binaries compared side by side: the total alone, in seconds.
        println!("{secs:.2}");
        return;
    }
    // The same work in two halves, to show where the time goes.
    let parse_started = Instant::now();
    (0..calls).into_par_iter().for_each(|i| {
        let t = Transcript::parse(Path::new("stored.json"), &stored[i % distinct]).expect("parses");
        std::hint::black_box(t);
    });
    let parse_secs = parse_started.elapsed().as_secs_f64();
    let parsed: Vec<Transcript<'_>> = (0..distinct).into_par_iter().map(|i| Transcript::parse(Path::new("stored.json"), &stored[i]).expect("parses")).collect();
    let engine_started = Instant::now();
    (0..calls).into_par_iter().for_each(|i| {
        parsed[i % distinct].check(&rules, "stored.json");
    });
    let engine_secs = engine_started.elapsed().as_secs_f64();
    let redact_started = Instant::now();
    (0..calls).into_par_iter().for_each(|i| {
        let mut t = parsed[i % distinct].clone();
        redact::transcript(Lang::Ru, &mut t);
        std::hint::black_box(t);
    });
    let redact_secs = redact_started.elapsed().as_secs_f64();
    println!("of which, measured apart: reading JSON {parse_secs:.2} s, redaction {redact_secs:.2} s (a copy included), engine {engine_secs:.2} s");
    println!(
        "{calls} calls, {total_words} words, {violations} violations in {secs:.2} s: {:.0} calls/s, {:.2} M words/s",
        calls as f64 / secs,
        total_words as f64 / secs / 1e6
    );
}
