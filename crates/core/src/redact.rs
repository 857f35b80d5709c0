//! Redaction: card numbers, card security codes, expiry dates, phone
//! numbers and e-mail addresses taken out of a call's words before they go
//! anywhere (the engine, a saved transcript, a report, the live screen).
//!
//! Whisper writes a number read out as digits («4286 3801», «4.286
//! 3.8.0.1», «8-916-123-45-67») or as words («сорок два восемьдесят
//! шесть», «čtyřicet dva»), in any case («двух», «пяти»). A run of such
//! words becomes one string of digits, number words grouped as they are
//! said («четыре тысячи двести восемьдесят шесть» is 4286, «сорок пять» 45,
//! «четыре пять» 45); a stretch of it is
//! - a card number: 13 to 19 digits passing the Luhn check, or failing it
//!   just after a word about a card (a digit mis-heard still leaks the
//!   rest);
//! - a phone number: +7/8 and ten digits, or 420 and nine (Czech), or nine
//!   to twelve digits after a word about a phone;
//! - a security code: three or four digits after CVV, CVC or a word for it;
//! - an expiry date: a month and a year after a word about validity.
//!
//! A run of numbers with a card in it goes whole (the expiry date and code
//! are often read in the same breath). Each such stretch of words becomes
//! one placeholder word (`[карта]`,
//! `[телефон]`, ...), with the times of the words it replaces, which the
//! tokenizer keeps as a token of its own: a rule may name it (`phrases =
//! ["[карта]"]`, an operator repeating a card number aloud). Order numbers
//! and sums, which fit none of the above, stay.

use std::borrow::Cow;

use crate::text::{Lang, alphanumeric};
use crate::transcript::{Redaction, Segment, TimedWord, Transcript};

/// What was taken out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Card,
    Phone,
    Code,
    Expiry,
    Email,
}

impl Kind {
    pub const ALL: [Kind; 5] = [Kind::Card, Kind::Phone, Kind::Code, Kind::Expiry, Kind::Email];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Card => "card",
            Kind::Phone => "phone",
            Kind::Code => "code",
            Kind::Expiry => "expiry",
            Kind::Email => "email",
        }
    }

    /// The word that stands for it in `lang`'s transcripts.
    pub fn placeholder(self, lang: Lang) -> &'static str {
        match (lang, self) {
            (Lang::Ru, Kind::Card) => "[карта]",
            (Lang::Ru, Kind::Phone) => "[телефон]",
            (Lang::Ru, Kind::Code) => "[код]",
            (Lang::Ru, Kind::Expiry) => "[срок]",
            (Lang::Ru, Kind::Email) => "[почта]",
            (Lang::Cs, Kind::Card) => "[karta]",
            (Lang::Cs, Kind::Phone) => "[telefon]",
            (Lang::Cs, Kind::Code) => "[kód]",
            (Lang::Cs, Kind::Expiry) => "[platnost]",
            (Lang::Cs, Kind::Email) => "[e-mail]",
        }
    }

    /// The kind a placeholder word stands for, in either language.
    /// Asked of every word the engine is fed: most are told by their
    /// first letter.
    pub fn of_placeholder(word: &str) -> Option<Kind> {
        if !word.starts_with('[') {
            return None;
        }
        let word = word.trim_end_matches(TRAILING);
        Kind::ALL.into_iter().find(|k| [Lang::Ru, Lang::Cs].iter().any(|&l| k.placeholder(l) == word))
    }
}

/// A stretch of one party's speech taken out.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Redacted {
    pub kind: Kind,
    #[serde(serialize_with = "crate::transcript::ms")]
    pub start: f64,
    #[serde(serialize_with = "crate::transcript::ms")]
    pub end: f64,
}

/// Punctuation a placeholder keeps from the last word it replaces (a
/// sentence's end), and sheds to be recognised.
pub const TRAILING: [char; 7] = ['.', ',', '?', '!', '…', ';', ':'];

/// How many words after a trigger («карта», «телефон», «CVV») a number may
/// start and still be taken as what the trigger says.
const AFTER_TRIGGER: usize = 6;

/// Takes what must not be kept out of one utterance's words (in order),
/// replacing each stretch by its placeholder; gives back what it took.
pub fn words(lang: Lang, words: &mut Vec<TimedWord<'_>>) -> Vec<Redacted> {
    let found = find(lang, words);
    let mut taken = Vec::with_capacity(found.len());
    // From the end, so the earlier indices stay put.
    for &(kind, a, b) in found.iter().rev() {
        let (start, end) = (words[a].start, words[b].end);
        let last = &words[b].text;
        let tail = &last[last.trim_end_matches(TRAILING).len()..];
        let text = format!("{}{tail}", kind.placeholder(lang));
        let confidence = words[a..=b].iter().filter_map(|w| w.confidence).reduce(f32::min);
        let guessed = words[a..=b].iter().any(|w| w.guessed);
        words.splice(a..=b, [TimedWord { start, end, text: Cow::Owned(text), confidence, guessed }]);
        taken.push(Redacted { kind, start, end });
    }
    taken.reverse();
    taken
}

/// Redacts a whole transcript, segment by segment (a number is not read
/// across two utterances), and notes what it took in the transcript;
/// segments without words get words first.
pub fn transcript(lang: Lang, t: &mut Transcript<'_>) {
    for seg in &mut t.segments {
        if seg.words.is_empty() {
            seg.words = spread(seg);
        }
        let found = words(lang, &mut seg.words);
        if !found.is_empty() {
            seg.text = Cow::Owned(seg.words.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>().join(" "));
            t.redacted.extend(found.into_iter().map(|taken| Redaction { speaker: seg.speaker, taken }));
        }
    }
}

/// A segment's text as words spread evenly over its time (as the engine
/// reads a segment given without words).
fn spread<'a>(seg: &Segment<'a>) -> Vec<TimedWord<'a>> {
    let parts: Vec<&str> = seg.text.split_whitespace().collect();
    let step = (seg.end - seg.start) / parts.len().max(1) as f64;
    let owned = |s: &str| -> Cow<'a, str> {
        match &seg.text {
            Cow::Borrowed(b) => {
                let offset = s.as_ptr() as usize - b.as_ptr() as usize;
                Cow::Borrowed(&b[offset..offset + s.len()])
            }
            Cow::Owned(_) => Cow::Owned(s.to_string()),
        }
    };
    parts
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let start = seg.start + step * i as f64;
            TimedWord { start, end: start + step, text: owned(text), confidence: None, guessed: false }
        })
        .collect()
}

/// Whether the last words of an utterance still going on might be the
/// start of something to take out, and so should wait for the words after
/// them (live mode): how many of them, from the end.
pub fn pending(lang: Lang, words: &[TimedWord<'_>]) -> usize {
    // A placeholder («[карта]») is spelled like its trigger word but waits
    // for nothing: what it stood for is taken already.
    let trigger = |w: &TimedWord<'_>| Kind::of_placeholder(&w.text).is_none() && trigger(lang, &clean(&w.text)).is_some();
    let held = words.iter().rev().take_while(|w| number(lang, &clean(&w.text)).is_some() || trigger(w)).count();
    // A trigger a few words back may still be waiting for its number.
    let triggered = words.iter().rev().take(AFTER_TRIGGER).position(trigger);
    held.max(triggered.map_or(0, |i| i + 1))
}

/// The stretches to take out, as (kind, first word, last word), in order
/// and not overlapping.
fn find(lang: Lang, words: &[TimedWord<'_>]) -> Vec<(Kind, usize, usize)> {
    // Most utterances hold no number and no address: told apart cheaply,
    // without a string per word.
    let mut buf = String::new();
    if !words.iter().any(|w| worth_a_look(lang, &w.text, &mut buf)) {
        return Vec::new();
    }
    let cleaned: Vec<String> = words.iter().map(|w| clean(&w.text)).collect();
    let mut found = Vec::new();
    // E-mail addresses, written («ivan@mail.ru») or spoken («иван собака мейл точка ру»).
    let mut i = 0;
    while i < words.len() {
        if let Some(end) = email(lang, &cleaned, &words[i].text, i) {
            found.push((Kind::Email, i, end));
            i = end + 1;
        } else {
            i += 1;
        }
    }
    // Runs of number words.
    let mut i = 0;
    while i < words.len() {
        if number(lang, &cleaned[i]).is_none() || found.iter().any(|&(_, a, b)| (a..=b).contains(&i)) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j + 1 < words.len()
            && (number(lang, &cleaned[j + 1]).is_some() || (filler(lang, &cleaned[j + 1]) && j + 2 < words.len() && number(lang, &cleaned[j + 2]).is_some()))
        {
            j += 1;
        }
        let trigger = (i.saturating_sub(AFTER_TRIGGER)..i).rev().find_map(|k| trigger(lang, &cleaned[k]));
        let plus = words[i].text.trim_start().starts_with('+');
        found.extend(numbers(lang, &cleaned, i, j, trigger, plus));
        i = j + 1;
    }
    found.sort_by_key(|&(_, a, _)| a);
    found
}

/// The last word of an e-mail address starting at word `i`: one written
/// whole («ivan@mail.ru»), or spoken («иван собака мейл точка ру», «jana
/// zavináč seznam tečka cz»).
fn email(lang: Lang, cleaned: &[String], written: &str, i: usize) -> Option<usize> {
    if let Some((name, host)) = written.split_once('@') {
        return (!name.is_empty() && host.trim_end_matches(['.', ',', '?', '!']).contains('.')).then_some(i);
    }
    let (at, dot) = email_words(lang);
    let word = |k: usize| cleaned.get(k).is_some_and(|w| !w.is_empty() && !at.contains(&w.as_str()) && !dot.contains(&w.as_str()));
    if !(word(i) && cleaned.get(i + 1).is_some_and(|w| at.contains(&w.as_str())) && word(i + 2)) {
        return None;
    }
    let mut end = None;
    let mut k = i + 3;
    while cleaned.get(k).is_some_and(|w| dot.contains(&w.as_str())) && word(k + 1) {
        end = Some(k + 1);
        k += 2;
    }
    end
}

/// Whether a word may be part of something to take out: digits, an `@`, a
/// number word or the word for `@`. Every word of every call comes here,
/// so its bytes are read once: a word in Latin or Cyrillic lower case
/// (most words) is looked up as written, others lower-cased into `buf`.
fn worth_a_look(lang: Lang, word: &str, buf: &mut String) -> bool {
    let mut plain = true;
    let mut bytes = word.bytes();
    while let Some(b) = bytes.next() {
        match b {
            b'0'..=b'9' | b'@' => return true,
            b'A'..=b'Z' => plain = false,
            // Cyrillic а-п (0xD0 0xB0-0xBF) and р-я (0xD1 0x80-0x8F); not ё, not capitals.
            0xD0 => plain &= bytes.next().is_some_and(|c| (0xB0..=0xBF).contains(&c)),
            0xD1 => plain &= bytes.next().is_some_and(|c| (0x80..=0x8F).contains(&c)),
            b if b >= 0x80 => plain = false,
            _ => {}
        }
    }
    // Digits and `@` are known by now; a number word or the word for `@` is left.
    let (at, _) = email_words(lang);
    let known = |w: &str| number_word(lang, w).is_some() || at.contains(&w);
    if plain {
        return known(word.trim_matches(|c: char| !alphanumeric(c)));
    }
    clean_into(word, buf);
    known(buf)
}

/// The words for «@» and «.» in an address said aloud.
fn email_words(lang: Lang) -> (&'static [&'static str], &'static [&'static str]) {
    match lang {
        Lang::Ru => (&["собака", "собачка", "эт"], &["точка", "дот"]),
        Lang::Cs => (&["zavináč", "zavinač"], &["tečka", "dot"]),
    }
}

/// What a word about a number says it is: «карта» a card, «телефон» a phone.
fn trigger(lang: Lang, w: &str) -> Option<Kind> {
    let starts = |prefixes: &[&str]| prefixes.iter().any(|p| w.starts_with(p));
    match lang {
        Lang::Ru if starts(&["карт", "карточ"]) => Some(Kind::Card),
        Lang::Ru if starts(&["телефон", "мобильн", "сотов"]) => Some(Kind::Phone),
        Lang::Ru if matches!(w, "cvv" | "cvc" | "cvv2" | "cvc2" | "сиви" | "сививи" | "сивиси") || starts(&["безопасност", "оборот", "трехзначн"]) => {
            Some(Kind::Code)
        }
        Lang::Ru if starts(&["срок", "действ", "годн", "истека"]) => Some(Kind::Expiry),
        Lang::Cs if starts(&["kart", "kreditk", "debetn"]) => Some(Kind::Card),
        Lang::Cs if starts(&["telefon", "mobil", "číslo", "čísl"]) => Some(Kind::Phone),
        Lang::Cs if matches!(w, "cvv" | "cvc" | "cvv2" | "cvc2") || starts(&["bezpečnostn", "ověřovac", "zadní", "trojmístn"]) => Some(Kind::Code),
        Lang::Cs if starts(&["platnost", "platí", "expirac"]) => Some(Kind::Expiry),
        _ => None,
    }
}

/// The number stretches of the run of words `i..=j`.
fn numbers(lang: Lang, cleaned: &[String], i: usize, j: usize, trigger: Option<Kind>, plus: bool) -> Vec<(Kind, usize, usize)> {
    // Groups of digits, each with the words that said it.
    let groups = groups(lang, &cleaned[i..=j]);
    let mut found = Vec::new();
    let mut g = 0;
    while g < groups.len() {
        // The longest stretch of groups from `g` that is something.
        let mut best = None;
        let mut digits = String::new();
        for (h, group) in groups.iter().enumerate().skip(g) {
            digits.push_str(&group.0);
            if digits.len() > 19 {
                break;
            }
            if let Some(kind) = what(lang, &digits, trigger, plus && g == 0) {
                best = Some((kind, h));
            }
        }
        match best {
            Some((kind, h)) => {
                found.push((kind, i + groups[g].1, i + groups[h].2));
                g = h + 1;
            }
            None => g += 1,
        }
    }
    // Numbers read in one breath with a card (its expiry, its code, a digit
    // too many) go with it; so does a run after a word about a card that
    // has a card's digits and more (Whisper looping on «один один один»).
    let digits: usize = groups.iter().map(|g| g.0.len()).sum();
    if found.iter().any(|&(kind, _, _)| kind == Kind::Card) || (trigger == Some(Kind::Card) && digits >= 13) {
        return vec![(Kind::Card, i, j)];
    }
    found
}

/// What a string of digits read out is, if anything to take out.
fn what(lang: Lang, digits: &str, trigger: Option<Kind>, plus: bool) -> Option<Kind> {
    let n = digits.len();
    let card = (13..=19).contains(&n);
    if card && (luhn(digits) || trigger == Some(Kind::Card)) {
        return Some(Kind::Card);
    }
    let russian = n == 11 && (digits.starts_with('7') || digits.starts_with('8'));
    let czech = n == 12 && digits.starts_with("420");
    let mobile = match lang {
        Lang::Ru => n == 10 && digits.starts_with('9'),
        Lang::Cs => n == 9 && (digits.starts_with('6') || digits.starts_with('7')),
    };
    if russian || czech || mobile || (plus && n >= 9) || (trigger == Some(Kind::Phone) && (9..=12).contains(&n)) {
        return Some(Kind::Phone);
    }
    if trigger == Some(Kind::Code) && (n == 3 || n == 4) {
        return Some(Kind::Code);
    }
    if trigger == Some(Kind::Expiry) && (n == 4 || n == 6) {
        let month: u32 = digits[..2].parse().ok()?;
        if (1..=12).contains(&month) {
            return Some(Kind::Expiry);
        }
    }
    None
}

/// Card numbers' check digit (ISO/IEC 7812).
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 { if d * 2 > 9 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A word's value as said: digits as written, or a number word's value
/// and place.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Said {
    /// Written in digits: as many as it has (its value is its text).
    Digits,
    /// 0 to 9.
    Unit(u32),
    /// 10 to 19.
    Teen(u32),
    /// 20 to 90.
    Tens(u32),
    /// 100 to 900 in one word («двести»).
    Hundreds(u32),
    /// A multiplier: «сто»/«sta» (100) after a unit in Czech, «тысяча» (1000).
    Times(u32),
}

/// Digit strings of a run of number words, each with the first and last
/// word (indices in the run) that said it: «сорок пять» is one group,
/// «четыре пять» two.
fn groups(lang: Lang, run: &[String]) -> Vec<(String, usize, usize)> {
    let mut out: Vec<(String, usize, usize)> = Vec::new();
    // The group being said: its value, the least place still free
    // (1000 for a new group), and its first word.
    let mut open: Option<(u32, u32, usize)> = None;
    let close = |open: &mut Option<(u32, u32, usize)>, out: &mut Vec<(String, usize, usize)>, last: usize| {
        if let Some((value, _, first)) = open.take() {
            out.push((value.to_string(), first, last));
        }
    };
    for (k, w) in run.iter().enumerate() {
        let Some(said) = number(lang, w) else { continue };
        let last = k.saturating_sub(1);
        match said {
            Said::Digits => {
                close(&mut open, &mut out, last);
                out.push((w.chars().filter(char::is_ascii_digit).collect(), k, k));
            }
            Said::Unit(0) => {
                close(&mut open, &mut out, last);
                out.push(("0".into(), k, k));
            }
            // «четыре тысячи» (4 × 1000), «dvě stě» (2 × 100), «čtyři tisíce
            // dvě stě» (4000 + 2 × 100): what was said below the multiplier
            // is multiplied, if that place is still free.
            Said::Times(m) => match &mut open {
                Some((value, free, _)) if (*value / m) % 10 == 0 => {
                    let low = *value % m;
                    *value = *value - low + low.max(1) * m;
                    *free = m;
                }
                _ => {
                    close(&mut open, &mut out, last);
                    open = Some((m, m, k));
                }
            },
            Said::Unit(v) | Said::Teen(v) | Said::Tens(v) | Said::Hundreds(v) => {
                let place = match said {
                    Said::Hundreds(_) => 100,
                    Said::Tens(_) | Said::Teen(_) => 10,
                    _ => 1,
                };
                match &mut open {
                    Some((value, free, _)) if *free > place && !(matches!(said, Said::Unit(_)) && *free == 10 && *value % 10 != 0) => {
                        *value += v;
                        *free = if matches!(said, Said::Teen(_)) { 1 } else { place };
                    }
                    _ => {
                        close(&mut open, &mut out, last);
                        open = Some((v, if matches!(said, Said::Teen(_)) { 1 } else { place }, k));
                    }
                }
            }
        }
    }
    close(&mut open, &mut out, run.len().saturating_sub(1));
    // A group's last word is the one before the next group's first.
    for g in 0..out.len() {
        if g + 1 < out.len() {
            out[g].2 = out[g].2.min(out[g + 1].1.saturating_sub(1)).max(out[g].1);
        }
    }
    out
}

/// A word lower-cased, without the punctuation around it.
fn clean(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    clean_into(word, &mut out);
    out
}

/// [`clean`] into a buffer.
fn clean_into(word: &str, out: &mut String) {
    out.clear();
    for c in word.trim_matches(|c: char| !alphanumeric(c)).chars() {
        // Latin and Cyrillic capitals told quickly (a sentence's first word
        // of every call comes here); others by the Unicode tables.
        match c {
            'A'..='Z' => out.push(c.to_ascii_lowercase()),
            'А'..='Я' => out.push(char::from_u32(c as u32 + 32).expect("a Cyrillic small letter")),
            'Ё' | 'ё' => out.push('е'),
            c if c.is_ascii() || ('а'..='я').contains(&c) => out.push(c),
            c => out.extend(c.to_lowercase().map(|l| if l == 'ё' { 'е' } else { l })),
        }
    }
}

fn filler(lang: Lang, w: &str) -> bool {
    match lang {
        Lang::Ru => matches!(w, "э" | "ээ" | "эм" | "так" | "ну" | "и" | "дальше" | "далее"),
        Lang::Cs => matches!(w, "eh" | "ehm" | "em" | "tak" | "no" | "a" | "dál" | "dále"),
    }
}

/// What a (cleaned) word says as a number, if it is one.
fn number(lang: Lang, w: &str) -> Option<Said> {
    if !w.is_empty() && w.chars().all(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '/' | ' ' | '(' | ')')) && w.chars().any(|c| c.is_ascii_digit()) {
        return Some(Said::Digits);
    }
    number_word(lang, w)
}

/// What a (cleaned) word without digits says as a number, if it is one.
fn number_word(lang: Lang, w: &str) -> Option<Said> {
    /// A language's number words, and their first two letters in a
    /// bitmap: most words are no number, and are told so without hashing.
    struct Table {
        words: rustc_hash::FxHashMap<&'static str, Said>,
        starts: [u64; 64],
    }
    fn start(w: &str) -> (usize, u32) {
        let mut c = w.chars().map(|c| c as u32 & 63);
        (c.next().unwrap_or(0) as usize, c.next().unwrap_or(0))
    }
    static TABLES: std::sync::OnceLock<[Table; 2]> = std::sync::OnceLock::new();
    let tables = TABLES.get_or_init(|| {
        let table = |table: &[(&'static [&'static str], Said)]| {
            let words: rustc_hash::FxHashMap<_, _> = table.iter().flat_map(|&(forms, said)| forms.iter().map(move |&f| (f, said))).collect();
            let mut starts = [0; 64];
            for w in words.keys() {
                let (a, b) = start(w);
                starts[a] |= 1 << b;
            }
            Table { words, starts }
        };
        [table(RU), table(CS)]
    });
    let table = &tables[lang as usize];
    let (a, b) = start(w);
    if table.starts[a] & (1 << b) == 0 {
        return None;
    }
    table.words.get(w).copied()
}

const RU: &[(&[&str], Said)] = &[
    (&["ноль", "нуль", "ноля", "нуля", "нолю", "нулю", "нолем", "нулем", "ноле", "нуле"], Said::Unit(0)),
    (&["один", "одна", "одно", "одного", "одной", "одному", "одним", "одну", "одном", "раз"], Said::Unit(1)),
    (&["два", "две", "двух", "двум", "двумя"], Said::Unit(2)),
    (&["три", "трех", "трем", "тремя"], Said::Unit(3)),
    (&["четыре", "четырех", "четырем", "четырьмя"], Said::Unit(4)),
    (&["пять", "пяти", "пятью"], Said::Unit(5)),
    (&["шесть", "шести", "шестью"], Said::Unit(6)),
    (&["семь", "семи", "семью"], Said::Unit(7)),
    (&["восемь", "восьми", "восемью", "восьмью"], Said::Unit(8)),
    (&["девять", "девяти", "девятью"], Said::Unit(9)),
    (&["десять", "десяти", "десятью"], Said::Teen(10)),
    (&["одиннадцать", "одиннадцати", "одиннадцатью"], Said::Teen(11)),
    (&["двенадцать", "двенадцати", "двенадцатью"], Said::Teen(12)),
    (&["тринадцать", "тринадцати", "тринадцатью"], Said::Teen(13)),
    (&["четырнадцать", "четырнадцати", "четырнадцатью"], Said::Teen(14)),
    (&["пятнадцать", "пятнадцати", "пятнадцатью"], Said::Teen(15)),
    (&["шестнадцать", "шестнадцати", "шестнадцатью"], Said::Teen(16)),
    (&["семнадцать", "семнадцати", "семнадцатью"], Said::Teen(17)),
    (&["восемнадцать", "восемнадцати", "восемнадцатью"], Said::Teen(18)),
    (&["девятнадцать", "девятнадцати", "девятнадцатью"], Said::Teen(19)),
    (&["двадцать", "двадцати", "двадцатью"], Said::Tens(20)),
    (&["тридцать", "тридцати", "тридцатью"], Said::Tens(30)),
    (&["сорок", "сорока"], Said::Tens(40)),
    (&["пятьдесят", "пятидесяти", "пятьюдесятью"], Said::Tens(50)),
    (&["шестьдесят", "шестидесяти", "шестьюдесятью"], Said::Tens(60)),
    (&["семьдесят", "семидесяти", "семьюдесятью"], Said::Tens(70)),
    (&["восемьдесят", "восьмидесяти", "восемьюдесятью"], Said::Tens(80)),
    (&["девяносто", "девяноста"], Said::Tens(90)),
    (&["сто", "ста"], Said::Hundreds(100)),
    (&["двести", "двухсот", "двумстам", "двумястами", "двухстах"], Said::Hundreds(200)),
    (&["триста", "трехсот", "тремстам", "тремястами", "трехстах"], Said::Hundreds(300)),
    (&["четыреста", "четырехсот", "четыремстам", "четырьмястами", "четырехстах"], Said::Hundreds(400)),
    (&["пятьсот", "пятисот", "пятистам", "пятьюстами", "пятистах"], Said::Hundreds(500)),
    (&["шестьсот", "шестисот", "шестистам", "шестьюстами", "шестистах"], Said::Hundreds(600)),
    (&["семьсот", "семисот", "семистам", "семьюстами", "семистах"], Said::Hundreds(700)),
    (&["восемьсот", "восьмисот", "восьмистам", "восьмьюстами", "восьмистах"], Said::Hundreds(800)),
    (&["девятьсот", "девятисот", "девятистам", "девятьюстами", "девятистах"], Said::Hundreds(900)),
    (&["тысяча", "тысячи", "тысячу", "тысяч", "тысячей", "тысячам", "тысячами", "тысяче", "тысячах"], Said::Times(1000)),
];

const CS: &[(&[&str], Said)] = &[
    (&["nula", "nuly", "nule", "nulou", "nul"], Said::Unit(0)),
    (&["jedna", "jeden", "jedno", "jednu", "jednoho", "jedné", "jednom", "jednomu", "jednou"], Said::Unit(1)),
    (&["dva", "dvě", "dvou", "dvěma", "dvoje"], Said::Unit(2)),
    (&["tři", "tří", "třem", "třemi"], Said::Unit(3)),
    (&["čtyři", "čtyř", "čtyřem", "čtyřmi"], Said::Unit(4)),
    (&["pět", "pěti"], Said::Unit(5)),
    (&["šest", "šesti"], Said::Unit(6)),
    (&["sedm", "sedmi"], Said::Unit(7)),
    (&["osm", "osmi"], Said::Unit(8)),
    (&["devět", "devíti"], Said::Unit(9)),
    (&["deset", "deseti"], Said::Teen(10)),
    (&["jedenáct", "jedenácti"], Said::Teen(11)),
    (&["dvanáct", "dvanácti"], Said::Teen(12)),
    (&["třináct", "třinácti"], Said::Teen(13)),
    (&["čtrnáct", "čtrnácti"], Said::Teen(14)),
    (&["patnáct", "patnácti"], Said::Teen(15)),
    (&["šestnáct", "šestnácti"], Said::Teen(16)),
    (&["sedmnáct", "sedmnácti"], Said::Teen(17)),
    (&["osmnáct", "osmnácti"], Said::Teen(18)),
    (&["devatenáct", "devatenácti"], Said::Teen(19)),
    (&["dvacet", "dvaceti"], Said::Tens(20)),
    (&["třicet", "třiceti"], Said::Tens(30)),
    (&["čtyřicet", "čtyřiceti"], Said::Tens(40)),
    (&["padesát", "padesáti"], Said::Tens(50)),
    (&["šedesát", "šedesáti"], Said::Tens(60)),
    (&["sedmdesát", "sedmdesáti"], Said::Tens(70)),
    (&["osmdesát", "osmdesáti"], Said::Tens(80)),
    (&["devadesát", "devadesáti"], Said::Tens(90)),
    (&["sto", "sta", "stě", "set", "stovka"], Said::Times(100)),
    (&["tisíc", "tisíce", "tisíci", "tisícem", "tisícům"], Said::Times(1000)),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn digits(lang: Lang, text: &str) -> Vec<String> {
        let run: Vec<String> = text.split_whitespace().map(clean).collect();
        groups(lang, &run).into_iter().map(|g| g.0).collect()
    }

    #[test]
    fn number_words_group_as_said() {
        let table: &[(Lang, &str, &[&str])] = &[
            (Lang::Ru, "сорок пять", &["45"]),
            (Lang::Ru, "четыре пять", &["4", "5"]),
            (Lang::Ru, "четыре тысячи двести восемьдесят шесть", &["4286"]),
            (Lang::Ru, "двадцать два ноль один", &["22", "0", "1"]),
            (Lang::Ru, "пятнадцать пять", &["15", "5"]),
            (Lang::Ru, "девятьсот шестнадцать сто двадцать три", &["916", "123"]),
            (Lang::Ru, "восьми девятисот", &["8", "900"]),
            (Lang::Ru, "4.286 3.8.0.1", &["4286", "3801"]),
            (Lang::Cs, "čtyřicet dva", &["42"]),
            (Lang::Cs, "dvě stě osmdesát šest", &["286"]),
            (Lang::Cs, "čtyři tisíce dvě stě", &["4200"]),
            (Lang::Cs, "sedm set dvacet", &["720"]),
        ];
        for (lang, said, want) in table {
            assert_eq!(digits(*lang, said), *want, "{said}");
        }
    }

    #[test]
    fn words_are_cleaned_to_lower_case_letters() {
        let table = [("Пять,", "пять"), ("«ЁЛКА»", "елка"), ("Dvě.", "dvě"), ("ČTYŘI", "čtyři"), ("Sedm!", "sedm"), ("+7", "7"), ("Ǆ", "ǆ")];
        for (word, want) in table {
            assert_eq!(clean(word), want, "{word}");
        }
    }

    #[test]
    fn a_word_is_worth_a_look_as_its_cleaned_form_says() {
        // The quick path (a word in lower case read as written) and the
        // cleaning must agree, in either case and with punctuation around.
        let table = [
            (Lang::Ru, "пять", true),
            (Lang::Ru, "«Пять»,", true),
            (Lang::Ru, "ДВЕСТИ", true),
            (Lang::Ru, "трёх", true),
            (Lang::Ru, "тысячу.", true),
            (Lang::Ru, "собака", true),
            (Lang::Ru, "8-916", true),
            (Lang::Ru, "ivan@mail.ru", true),
            (Lang::Ru, "спасибо", false),
            (Lang::Ru, "Здравствуйте,", false),
            (Lang::Ru, "ёлка", false),
            (Lang::Ru, "нет", false),
            (Lang::Cs, "čtyři", true),
            (Lang::Cs, "Dvě,", true),
            (Lang::Cs, "SEDM", true),
            (Lang::Cs, "zavináč", true),
            (Lang::Cs, "děkuji", false),
            (Lang::Cs, "Dobrý", false),
        ];
        let mut buf = String::new();
        for (lang, word, want) in table {
            assert_eq!(worth_a_look(lang, word, &mut buf), want, "{word}");
        }
    }

    #[test]
    fn the_luhn_check() {
        assert!(!luhn("4276380155551234"));
        assert!(luhn("4111111111111111"));
        assert!(luhn("5500000000000004"));
    }
}
