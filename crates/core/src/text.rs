//! Text normalisation and tokenisation shared by rule phrases and heard
//! words, so that both sides of a match are reduced the same way.
//!
//! A word is put in NFC, lower-cased, `ё` becomes `е`, punctuation is
//! dropped (a sentence-final mark is remembered so the next word is known to
//! start a sentence), and a hyphen between letters splits a word in two
//! (`по-моему` and `по моему` are the same words). Each token carries its
//! surface form and its Snowball stem.

use std::cell::RefCell;
use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// The languages whose stemmers we carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ru,
    Cs,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Ru => "ru",
            Lang::Cs => "cs",
        }
    }
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Lang {
    type Err = String;
    fn from_str(s: &str) -> Result<Lang, String> {
        match s {
            "ru" => Ok(Lang::Ru),
            "cs" => Ok(Lang::Cs),
            _ => Err(format!("unknown language `{s}` (known: ru, cs)")),
        }
    }
}

/// One normalised word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Token {
    /// Lower-cased NFC letters and digits, `ё` as `е`.
    pub surface: Arc<str>,
    /// Snowball stem of `surface`.
    pub stem: Arc<str>,
    /// How the word sounds, roughly ([`Normalizer::sound`]): its stem's,
    /// so that a mis-heard word's endings do not matter, but a short
    /// word's own (see [`Normalizer::word_sound`]).
    pub sound: Arc<str>,
    /// How `surface` sounds: a word split in two has a first half but no
    /// stem of its own.
    pub spoken: Arc<str>,
    /// A preposition: by sound, inside a phrase, it may be heard as any
    /// other (see [`PREPOSITION`]).
    pub preposition: bool,
    /// A negation particle («не», «ne»): never let in between a phrase's
    /// words, as «вы не должны» is not «вы должны».
    pub negation: bool,
    /// A filler (a hesitation, a discourse word) that may come before a
    /// sentence's first word without taking its place: «Ну, нет, так
    /// нельзя» starts with a refusal.
    pub filler: bool,
    /// Preceded by sentence-final punctuation (`.`, `?`, `!`, `…`) within the
    /// same text.
    pub after_sentence_end: bool,
}

/// Splits text into tokens for one language.
pub struct Normalizer {
    lang: Lang,
    stemmer: snowstem::Stemmer,
}

impl fmt::Debug for Normalizer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Normalizer").field("lang", &self.lang).finish()
    }
}

impl Normalizer {
    pub fn new(lang: Lang) -> Normalizer {
        let algorithm = match lang {
            Lang::Ru => snowstem::Algorithm::Russian,
            Lang::Cs => snowstem::Algorithm::Czech,
        };
        Normalizer { lang, stemmer: snowstem::Stemmer::create(algorithm) }
    }

    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The consonant a glottal stop between two words is heard as, when
    /// the first ends in a vowel and the second begins with one.
    pub fn seam(&self, first: &str, second: &str) -> Option<char> {
        let vowels = match self.lang {
            Lang::Ru => "аеиоуыэюя",
            Lang::Cs => "aáeéěiíoóuúůyý",
        };
        let vowel = |c: Option<char>| c.is_some_and(|c| vowels.contains(c));
        (vowel(first.chars().last()) && vowel(second.chars().next())).then_some(match self.lang {
            Lang::Ru => 'т',
            Lang::Cs => 't',
        })
    }

    /// Whether an already-normalised word is a preposition (see [`PREPOSITION`]).
    pub fn is_preposition(&self, surface: &str) -> bool {
        is_preposition(self.lang, surface)
    }

    /// Tokenises `text`, appending to `out`. `sentence_end` says whether the
    /// text before this one ended a sentence; the return value says whether
    /// this one does (so words fed one at a time keep sentence boundaries).
    pub fn tokenize(&self, text: &str, sentence_end: bool, out: &mut Vec<Token>) -> bool {
        self.each_token(text, sentence_end, |t| out.push(t.clone()))
    }

    /// Calls `f` with each token of `text`, as [`Normalizer::tokenize`]
    /// would produce it, without copying it.
    ///
    /// The words of calls repeat a lot, so each thread remembers the tokens
    /// of the words it has seen.
    pub fn each_token(&self, text: &str, sentence_end: bool, f: impl FnMut(&Token)) -> bool {
        CACHE.with(|cache| {
            let mut cache = cache.borrow_mut();
            let seen = &mut cache[self.lang as usize];
            if let Some((tokens, ends)) = seen.get(text) {
                return emit(tokens, *ends, sentence_end, f);
            }
            if seen.len() >= CACHE_WORDS {
                seen.clear();
            }
            let mut tokens = Vec::new();
            let ends = self.tokenize_uncached(text, false, &mut tokens);
            let after = emit(&tokens, ends, sentence_end, f);
            seen.insert(text.into(), (tokens, ends));
            after
        })
    }

    fn tokenize_uncached(&self, text: &str, mut sentence_end: bool, out: &mut Vec<Token>) -> bool {
        // A redaction's placeholder (`[карта]`) is a token of its own, brackets
        // and all, apart from the word it is spelled with.
        let word = text.trim();
        if crate::redact::Kind::of_placeholder(word).is_some() {
            let bare = word.trim_end_matches(crate::redact::TRAILING);
            let form: Arc<str> = bare.into();
            out.push(Token {
                surface: form.clone(),
                stem: form.clone(),
                sound: form.clone(),
                spoken: form,
                preposition: false,
                negation: false,
                filler: false,
                after_sentence_end: sentence_end,
            });
            return word[bare.len()..].contains(['.', '?', '!', '…']);
        }
        let mut current = String::new();
        let push = |current: &mut String, sentence_end: &mut bool, out: &mut Vec<Token>| {
            if !current.is_empty() {
                let mut stem = String::new();
                self.stemmer.stem_into(current, &mut stem);
                let sound = self.word_sound(current, &stem);
                let spoken = self.sound(current);
                out.push(Token {
                    surface: current.as_str().into(),
                    stem: stem.into(),
                    sound: sound.into(),
                    spoken: spoken.into(),
                    preposition: is_preposition(self.lang, current),
                    negation: is_negation(self.lang, current),
                    filler: is_filler(self.lang, current),
                    after_sentence_end: *sentence_end,
                });
                current.clear();
                *sentence_end = false;
            }
        };
        let mut each = |c: char| {
            if c.is_alphanumeric() {
                for l in c.to_lowercase() {
                    current.push(if l == 'ё' { 'е' } else { l });
                }
            } else if is_combining_mark(c) {
                // A stray combining mark (such as a stress accent) is not part of the word.
            } else {
                push(&mut current, &mut sentence_end, out);
                if matches!(c, '.' | '?' | '!' | '…') {
                    sentence_end = true;
                }
            }
        };
        if is_nfc_quick(text.chars()) == IsNormalized::Yes {
            text.chars().for_each(&mut each);
        } else {
            text.nfc().for_each(&mut each);
        }
        push(&mut current, &mut sentence_end, out);
        sentence_end
    }

    /// Two words (their surface forms) written as one («секунт» and
    /// «дочку» as «секунтдочку»), a token.
    pub fn joined(&self, first: &str, second: &str) -> Token {
        let mut out = Vec::with_capacity(1);
        self.tokenize_uncached(&format!("{first}{second}"), false, &mut out);
        out.pop().expect("two words' letters make a token")
    }

    /// Tokens of `text`, as a convenience for callers that hold no buffer.
    pub fn tokens(&self, text: &str) -> Vec<Token> {
        let mut out = Vec::new();
        self.tokenize(text, false, &mut out);
        out
    }

    /// How an already-normalised word sounds, roughly: what Whisper may
    /// spell another way when it mishears it. Vowels that sound alike
    /// unstressed are one, a voiced consonant is its voiceless pair (as at
    /// a word's end and before a voiceless one), soft and hard signs go,
    /// and a doubled sound is one. «й» and «j» stay consonants: made vowels,
    /// «zjist(ím)» sounded as «syst(ému)»: «секунт дочку» joined sounds as
    /// «секундочку», «операторана» as «оператор Анна».
    pub fn sound(&self, surface: &str) -> String {
        let mut key = String::with_capacity(surface.len());
        for c in surface.chars() {
            let k = match self.lang {
                Lang::Ru => match c {
                    'а' | 'о' | 'я' => 'а',
                    'е' | 'э' | 'и' | 'ы' => 'и',
                    'у' | 'ю' => 'у',
                    'б' | 'п' => 'п',
                    'в' | 'ф' => 'ф',
                    'г' | 'к' | 'х' => 'к',
                    'д' | 'т' => 'т',
                    // «Удачного» is said, and heard, as «удашного».
                    'ж' | 'ш' | 'щ' | 'ч' => 'ш',
                    'з' | 'с' | 'ц' => 'с',
                    'ь' | 'ъ' => continue,
                    c => c,
                },
                Lang::Cs => match c {
                    'a' | 'á' => 'a',
                    'e' | 'é' | 'ě' => 'e',
                    'i' | 'í' | 'y' | 'ý' => 'i',
                    'o' | 'ó' => 'o',
                    'u' | 'ú' | 'ů' => 'u',
                    'b' | 'p' => 'p',
                    'd' | 't' | 'ď' | 'ť' => 't',
                    'g' | 'k' => 'k',
                    'v' | 'f' | 'w' => 'f',
                    'z' | 's' => 's',
                    'ž' | 'š' => 'š',
                    'ň' => 'n',
                    c => c,
                },
            };
            if !key.ends_with(k) {
                key.push(k);
            }
        }
        key
    }

    /// How a word with this stem sounds, for matching by sound: by its stem
    /// when it has more than [`SHORT_WORD`] letters, as written when not
    /// (the stems of short words are too short to tell them apart: «это»
    /// is «эт»).
    pub fn word_sound(&self, surface: &str, stem: &str) -> String {
        if surface.chars().count() <= SHORT_WORD { self.sound(surface) } else { self.sound(stem) }
    }

    /// The stem of one already-normalised word.
    pub fn stem(&self, surface: &str) -> String {
        self.stemmer.stem(surface).into_owned()
    }

    /// Every stem the inflected forms of `surface` may be reduced to.
    ///
    /// Snowball reads some endings of a paradigm as belonging to another
    /// part of speech (`проблему` loses `ему` as if it were an adjective, so
    /// its stem is `пробл`, not `проблем`). A rule phrase therefore matches
    /// the stems of its word's stem with each common ending added, which
    /// keeps matching consistent with what the stemmer does to heard words.
    pub fn stem_variants(&self, surface: &str) -> Vec<String> {
        // A large rule set says the same words over and over: each word's
        // variants (some forty stemmings) are worked out once per thread.
        let cached = VARIANTS.with(|cache| cache.borrow()[self.lang as usize].get(surface).cloned());
        if let Some(variants) = cached {
            return variants;
        }
        let variants = self.stem_variants_uncached(surface);
        VARIANTS.with(|cache| {
            let seen = &mut cache.borrow_mut()[self.lang as usize];
            if seen.len() >= CACHE_WORDS {
                seen.clear();
            }
            seen.insert(surface.into(), variants.clone());
        });
        variants
    }

    fn stem_variants_uncached(&self, surface: &str) -> Vec<String> {
        let stem = self.stem(surface);
        let mut variants = vec![stem.clone()];
        let mut form = String::new();
        // Case endings on the whole word catch stems Snowball leaves longer
        // (Czech `problémem` → `problém`, while `problém` → `probl`).
        let (all, cases) = endings(self.lang);
        let ends_in_vowel = surface.ends_with(|c: char| "аеиоуыэюяьйaáeéěiíoóuúůyý".contains(c));
        let cases: &[&str] = if ends_in_vowel { &[] } else { cases };
        for (base, endings) in [(stem.as_str(), all), (surface, cases)] {
            for ending in endings {
                form.clear();
                form.push_str(base);
                form.push_str(ending);
                let v = self.stem(&form);
                // A variant that is not a prefix of the word belongs to another word.
                if v.chars().count() >= 2 && surface.starts_with(&v) && !variants.contains(&v) {
                    variants.push(v);
                }
            }
        }
        variants
    }
}

fn is_negation(lang: Lang, surface: &str) -> bool {
    match lang {
        Lang::Ru => matches!(surface, "не" | "ни" | "нет"),
        Lang::Cs => matches!(surface, "ne" | "ani" | "nikoli"),
    }
}

/// How every preposition inside a phrase sounds: Whisper hears one short
/// preposition for another («спасибо на обращение» for «за обращение»), so
/// by sound they are one word there, and a heard preposition goes by this
/// too. Not the first word: «до свидания» with any preposition is «на
/// свидание». Not a letter, so no other word sounds like it.
pub const PREPOSITION: &str = "§";

fn is_preposition(lang: Lang, surface: &str) -> bool {
    match lang {
        Lang::Ru => matches!(
            surface,
            "в" | "во"
                | "на"
                | "за"
                | "с"
                | "со"
                | "к"
                | "ко"
                | "по"
                | "до"
                | "о"
                | "об"
                | "от"
                | "из"
                | "у"
                | "при"
                | "про"
                | "для"
                | "без"
                | "под"
                | "над"
        ),
        Lang::Cs => matches!(
            surface,
            "v" | "ve" | "na" | "za" | "s" | "se" | "k" | "ke" | "po" | "do" | "o" | "od" | "z" | "ze" | "u" | "při" | "pro" | "bez" | "pod" | "nad"
        ),
    }
}

fn is_filler(lang: Lang, surface: &str) -> bool {
    match lang {
        Lang::Ru => matches!(surface, "ну" | "да" | "так" | "вот" | "значит" | "э" | "ээ" | "эээ" | "эм" | "мм" | "ммм" | "хм" | "ой"),
        // «jo»/«ano» as «да», «teda»/«tedy» as «значит», «vlastně»/«prostě» as «вот».
        Lang::Cs => matches!(
            surface,
            "no" | "tak" | "takže" | "jo" | "ano" | "teda" | "tedy" | "vlastně" | "prostě" | "ehm" | "hm" | "hmm" | "eh" | "ee" | "eee" | "em"
        ),
    }
}

/// Words this short are matched by sound as written, not by their stems.
pub const SHORT_WORD: usize = 4;

/// Common inflectional endings of nouns, adjectives and verbs, and the
/// noun case endings among them that extend a whole word.
fn endings(lang: Lang) -> (&'static [&'static str], &'static [&'static str]) {
    match lang {
        Lang::Ru => (
            &[
                "а", "я", "у", "ю", "е", "и", "ы", "о", "ом", "ем", "ой", "ей", "ою", "ам", "ям", "ами", "ями", "ах", "ях", "ов", "ев", "ого", "его", "ому",
                "ему", "ым", "им", "ых", "их", "ую", "ая", "ое", "ые", "ие", "ешь", "ет", "ете", "ут", "ют", "ит", "ите", "ат", "ят", "л", "ла", "ло", "ли",
                "ть",
            ],
            &["ом", "ем", "ами", "ах"],
        ),
        Lang::Cs => (
            &[
                "a", "u", "e", "y", "i", "o", "ou", "em", "ech", "ům", "ami", "ách", "ích", "ého", "ému", "ým", "ými", "ých", "á", "é", "í", "ě", "ete", "eme",
                "ím", "íš", "il", "ila", "ilo", "ili", "at", "it",
            ],
            &["em", "u", "y", "ech", "ům", "ami"],
        ),
    }
}

/// A letter or digit, told quickly for the Latin and Cyrillic ones (this
/// runs on every word of every call).
pub(crate) fn alphanumeric(c: char) -> bool {
    c.is_ascii_alphanumeric() || ('А'..='я').contains(&c) || c == 'ё' || c == 'Ё' || (!c.is_ascii() && c.is_alphanumeric())
}

/// Calls `f` with the tokens a word was cached with, given whether the text
/// before it ended a sentence; returns whether the word ends one.
fn emit(tokens: &[Token], ends: bool, sentence_end: bool, mut f: impl FnMut(&Token)) -> bool {
    match tokens.split_first() {
        Some((first, rest)) if sentence_end && !first.after_sentence_end => {
            f(&Token { after_sentence_end: true, ..first.clone() });
            rest.iter().for_each(f);
            ends
        }
        Some(_) => {
            tokens.iter().for_each(f);
            ends
        }
        None => ends || sentence_end,
    }
}

/// Distinct words remembered per thread and language before starting over.
const CACHE_WORDS: usize = 100_000;

type Cache = [rustc_hash::FxHashMap<Box<str>, (Vec<Token>, bool)>; 2];

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Default::default());
    static VARIANTS: RefCell<[rustc_hash::FxHashMap<Box<str>, Vec<String>>; 2]> = RefCell::new(Default::default());
}

fn is_combining_mark(c: char) -> bool {
    matches!(c, '\u{0300}'..='\u{036F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn surfaces(lang: Lang, text: &str) -> Vec<String> {
        Normalizer::new(lang).tokens(text).into_iter().map(|t| t.surface.to_string()).collect()
    }

    #[test]
    fn normalisation_table() {
        let table: &[(&str, &[&str])] = &[
            ("Здравствуйте!", &["здравствуйте"]),
            ("ЁЛКИ, Ёжик", &["елки", "ежик"]),
            ("по-моему", &["по", "моему"]),
            ("интернет-магазин «Ромашка»", &["интернет", "магазин", "ромашка"]),
            ("  Не знаю... ", &["не", "знаю"]),
            // Decomposed й (и + combining breve) is recomposed by NFC.
            ("Сейчас уточню\u{0438}\u{0306}", &["сейчас", "уточнюй"]),
            // A stress accent is dropped.
            ("зво\u{0301}нит", &["звонит"]),
            ("Dobrý den, jmenuji se Jana", &["dobrý", "den", "jmenuji", "se", "jana"]),
            ("10:30", &["10", "30"]),
        ];
        for (input, want) in table {
            assert_eq!(&surfaces(Lang::Ru, input), want, "input: {input:?}");
        }
    }

    #[test]
    fn sentence_starts_are_marked() {
        let n = Normalizer::new(Lang::Ru);
        let tokens = n.tokens("Хорошо. Нет, это не так? Да");
        let starts: Vec<bool> = tokens.iter().map(|t| t.after_sentence_end).collect();
        assert_eq!(starts, [false, true, false, false, false, true]);
        // Word by word, as the engine feeds them, and again from the cache.
        for _ in 0..2 {
            let mut out = Vec::new();
            let mut end = false;
            for w in ["Хорошо.", "Нет,", "это", "—", "не", "так?", "...", "Да"] {
                end = n.tokenize(w, end, &mut out);
            }
            let starts: Vec<bool> = out.iter().map(|t| t.after_sentence_end).collect();
            assert_eq!(starts, [false, true, false, false, false, true]);
        }
    }

    #[test]
    fn words_misheard_sound_alike() {
        let ru = Normalizer::new(Lang::Ru);
        let table: &[(&str, &str, bool)] = &[
            ("секунтдочку", "секундочку", true),
            ("операторана", "операторанна", true),
            ("зоуне", "зоне", false),
            ("вас", "вам", false),
            ("молодец", "малатец", true),
        ];
        for (a, b, same) in table {
            assert_eq!(ru.sound(a) == ru.sound(b), *same, "{a} {} / {b} {}", ru.sound(a), ru.sound(b));
        }
        let cs = Normalizer::new(Lang::Cs);
        assert_eq!(cs.sound("zavolání"), cs.sound("savolani"));
        assert_ne!(cs.sound("děkuji"), cs.sound("dokud"));
        // «j» is a consonant: a correction's stem does not sound as another word's.
        assert_ne!(cs.sound("zjist"), cs.sound("syst"));
    }

    #[test]
    fn stems_unify_inflections() {
        let n = Normalizer::new(Lang::Ru);
        for group in [["проблема", "проблемы", "проблему"], ["знаю", "знаем", "знаю"]] {
            let variants = n.stem_variants(group[0]);
            for w in group {
                assert!(variants.contains(&n.stem(w)), "{w} -> {} not in {variants:?}", n.stem(w));
            }
        }
        assert_ne!(n.stem("узнаю"), n.stem("знаю"));
        let cs = Normalizer::new(Lang::Cs);
        assert_eq!(cs.stem("společnost"), cs.stem("společnosti"));
    }
}
