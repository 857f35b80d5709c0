//! Phrase syntax: how one phrase string of a rule file becomes a literal
//! for the token automata over the normalised token stream.
//!
//! A phrase is written for the automata as ` w1 w2 w3 ` in the form of
//! its view (stems, surface forms, or how the words sound), so a phrase
//! compiled to ` не зна ` can only match whole words: ` интернет ` never
//! contains ` нет `.

use std::collections::BTreeMap;

use crate::text::{Normalizer, PREPOSITION, SHORT_WORD};

/// Which form of each token a phrase is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum View {
    /// Snowball stems: inflected forms match (the default).
    Stem = 0,
    /// Surface forms, letter for letter (`exact` phrases and `*` prefixes).
    Surface = 1,
    /// How the words sound (`Normalizer::sound`): what Whisper mishears,
    /// two words it ran together among it.
    Sound = 2,
}

/// A phrase ready for the automata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Literal {
    pub view: View,
    /// The phrase as the automata take it: one per combination of the
    /// words' stem variants (see `Normalizer::stem_variants`).
    pub alternatives: Vec<String>,
    /// The same in the [`View::Sound`], with two neighbouring words run
    /// together too; none for a phrase that must be heard as written.
    pub sounds: Vec<String>,
    /// Tokens in `bytes`.
    pub words: usize,
    /// Any-word slots from unset template variables before the literal.
    pub leading_any: usize,
    /// Any-word slots after it.
    pub trailing_any: usize,
}

impl Literal {
    /// The most tokens the phrase can cover with `gap` words let in
    /// between each two of its words.
    pub fn span(&self, gap: u8) -> usize {
        self.words + (self.words - 1) * usize::from(gap)
    }
}

/// How a phrase's words may be heard.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Options {
    /// Letter for letter (an `exact` list), not by stem.
    pub exact: bool,
    /// In any order (`order = "any"`).
    pub any_order: bool,
    /// Also as it sounds, for words Whisper mishears (not with `exact`).
    pub fuzzy: bool,
    /// By sound, its prepositions as any preposition
    /// ([`crate::text::PREPOSITION`]); not for the phrases that cancel a
    /// hit, where «без проблем» is not «с проблемой».
    pub any_preposition: bool,
}

enum Item {
    Word { text: String, prefix: bool },
    Any(String),
}

/// Compiles `phrase`. `Ok(None)` means the phrase consists only of unset
/// template variables and so cannot be matched at all.
pub(crate) fn compile(phrase: &str, options: Options, vars: &BTreeMap<String, String>, norm: &Normalizer) -> Result<Option<Literal>, String> {
    let mut items = Vec::new();
    for piece in split_vars(phrase)? {
        match piece {
            Piece::Text(text) => words_of(text, &mut items)?,
            Piece::Var(name) => match vars.get(name) {
                Some(value) => words_of(value, &mut items)?,
                None => items.push(Item::Any(name.to_string())),
            },
        }
    }
    let leading_any = items.iter().take_while(|i| matches!(i, Item::Any(_))).count();
    let trailing_any = items.iter().rev().take_while(|i| matches!(i, Item::Any(_))).count();
    if leading_any == items.len() {
        return match items.first() {
            Some(_) => Ok(None),
            None => Err("phrase has no words".to_string()),
        };
    }
    let core = &items[leading_any..items.len() - trailing_any];
    // Each slot is a word of the phrase: the one written, or any of `a|b`.
    let mut slots: Vec<Vec<String>> = Vec::new();
    let mut prefix_at = None;
    let mut tokens = Vec::new();
    for item in core {
        match item {
            Item::Any(name) => {
                return Err(format!("template variable `{name}` has no value, and an unset variable may only begin or end a phrase"));
            }
            Item::Word { text, prefix } => {
                if prefix_at.is_some() {
                    return Err("`*` may only end the last word of a phrase".to_string());
                }
                let choices: Vec<&str> = text.trim_start_matches('(').trim_end_matches(')').split('|').collect();
                if choices.len() > 1 {
                    if *prefix {
                        return Err(format!("`*` cannot end a choice of words (found `{text}*`)"));
                    }
                    let mut slot = Vec::new();
                    for choice in choices {
                        tokens.clear();
                        norm.tokenize(choice, false, &mut tokens);
                        match tokens.as_slice() {
                            [one] => slot.push(one.surface.to_string()),
                            _ => return Err(format!("each choice of `{text}` must be one word (found `{choice}`)")),
                        }
                    }
                    slots.push(slot);
                    continue;
                }
                tokens.clear();
                norm.tokenize(text, false, &mut tokens);
                if *prefix {
                    if tokens.is_empty() {
                        return Err("`*` must follow some letters".to_string());
                    }
                    prefix_at = Some(slots.len() + tokens.len() - 1);
                }
                slots.extend(tokens.iter().map(|t| vec![t.surface.to_string()]));
            }
        }
    }
    if slots.is_empty() {
        return Err("phrase has no words".to_string());
    }
    let view = if options.exact || prefix_at.is_some() { View::Surface } else { View::Stem };
    let forms: Vec<Vec<String>> = slots
        .iter()
        .map(|slot| match view {
            View::Stem => dedup(slot.iter().flat_map(|w| norm.stem_variants(w))),
            View::Surface | View::Sound => slot.clone(),
        })
        .collect();
    let orders = match (options.any_order, prefix_at) {
        (false, _) => vec![(0..slots.len()).collect()],
        (true, Some(_)) => return Err("a phrase ending in a `*` prefix keeps its order; write it in a rule without `order = \"any\"`".to_string()),
        (true, None) => permutations(slots.len()),
    };
    let prefix = prefix_at.is_some();
    let alternatives = spell(&orders, &forms, prefix)
        .ok_or_else(|| format!("phrase has too many word forms to match (more than {MAX_ALTERNATIVES}); split it or use `exact`"))?;
    let sounds = if options.fuzzy && !options.exact { sounds(&slots, &orders, prefix, options.any_preposition, norm) } else { Vec::new() };
    Ok(Some(Literal { view, alternatives, sounds, words: slots.len(), leading_any, trailing_any }))
}

/// The phrase in every order and every combination of its words' forms,
/// or `None` past [`MAX_ALTERNATIVES`].
fn spell(orders: &[Vec<usize>], forms: &[Vec<String>], prefix: bool) -> Option<Vec<String>> {
    let mut alternatives = Vec::new();
    for order in orders {
        let mut these = vec![String::new()];
        for &i in order {
            if (alternatives.len() + these.len()) * forms[i].len() > MAX_ALTERNATIVES {
                return None;
            }
            these = these.iter().flat_map(|a| forms[i].iter().map(move |f| format!("{a} {f}"))).collect();
        }
        alternatives.append(&mut these);
    }
    if !prefix {
        alternatives.iter_mut().for_each(|a| a.push(' '));
    }
    Some(alternatives)
}

/// The phrase as it sounds: each written word's stems' sound (the sound
/// of a `*` prefix as written), and, in the written order, each two
/// neighbours run together («оператор Анна» heard as «операторана»). A
/// phrase with too many forms gives up the run-together ones, then all.
fn sounds(slots: &[Vec<String>], orders: &[Vec<usize>], prefix: bool, any_preposition: bool, norm: &Normalizer) -> Vec<String> {
    let last = slots.len() - 1;
    // A word sounds as written, and (as heard words are keyed) a longer
    // one as its stems, those long enough not to sound like other words
    // (the stem «деб» of «дебил» sounds as «тебе»).
    let sound = |i: usize, word: &str| -> Vec<String> {
        if any_preposition && i > 0 && norm.is_preposition(word) {
            return vec![PREPOSITION.to_string()];
        }
        let mut all = vec![norm.sound(word)];
        if !(prefix && i == last) && word.chars().count() > SHORT_WORD {
            all.extend(norm.stem_variants(word).iter().map(|s| norm.sound(s)).filter(|s| s.chars().count() >= SOUND_LEAST));
        }
        all
    };
    let forms: Vec<Vec<String>> = slots.iter().enumerate().map(|(i, slot)| dedup(slot.iter().flat_map(|w| sound(i, w)))).collect();
    // Short words said one by one sound like too many common ones: the
    // name «Анна» as «она», «это Анна» as «это она». Such a phrase is
    // heard by sound only run together («этотана»), one long word.
    let short = forms.iter().flatten().all(|s| s.chars().count() < SOUND_LEAST);
    let Some(mut all) = (if short { Some(Vec::new()) } else { spell(orders, &forms, prefix) }) else { return Vec::new() };
    for i in 1..slots.len() {
        // Marked: a word split in two is not also run together.
        // Two words run together end as the second does: the glued word's
        // stems are the first word and the second's (worked out once per
        // word, where stemming the glued word itself is new every time).
        let glued_alone = |a: &str, b: &str| -> Vec<String> {
            let mut all = vec![norm.sound(&format!("{a}{b}"))];
            if !(prefix && i == last) && b.chars().count() > SHORT_WORD {
                all.extend(norm.stem_variants(b).iter().map(|v| norm.sound(&format!("{a}{v}"))).filter(|s| s.chars().count() >= SOUND_LEAST));
            } else if !(prefix && i == last) {
                // A short second word («Анна») has stems too short to say
                // how the pair ends: the glued word's own, those that keep
                // some of it («могуя» stemmed to «могу» would drop «я»).
                let first = a.chars().count();
                all.extend(
                    norm.stem_variants(&format!("{a}{b}"))
                        .iter()
                        .filter(|s| s.chars().count() > first)
                        .map(|s| norm.sound(s))
                        .filter(|s| s.chars().count() >= SOUND_LEAST),
                );
            }
            all
        };
        let glued = |a: &str, b: &str| -> Vec<String> {
            // Between two vowels, a glottal stop heard as a consonant
            // («имя Анна» as «имитяно»).
            let seam = norm.seam(a, b).map(|c| glued_alone(&format!("{a}{c}"), b)).unwrap_or_default();
            let mut all = glued_alone(a, b);
            all.extend(seam);
            all
        };
        // A short first word («вы», «до», «не») run together with the next
        // is spelled like the many words it begins as a prefix («вы
        // издеваетесь» and «выставил»): such a pair only as written.
        let mark = |a: &str| if norm.sound(a).chars().count() < RUN_NEAR_LEAST { format!("{RUN}{AS_WRITTEN}") } else { RUN.to_string() };
        let run = dedup(slots[i - 1].iter().flat_map(|a| slots[i].iter().flat_map(move |b| glued(a, b).into_iter().map(move |s| format!("{}{s}", mark(a))))));
        let mut glued: Vec<Vec<String>> = forms.clone();
        glued.splice(i - 1..=i, [run]);
        let order: Vec<usize> = (0..glued.len()).collect();
        match spell(&[order], &glued, prefix) {
            Some(more) if all.len() + more.len() <= MAX_ALTERNATIVES => all.extend(more),
            _ => break,
        }
    }
    all
}

fn dedup(items: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

const MAX_ALTERNATIVES: usize = 256;

/// Marks a word of the [`View::Sound`] that is two run together.
pub(crate) const RUN: char = '+';

/// Follows [`RUN`] when the pair is matched only as written, never one
/// sound away.
pub(crate) const AS_WRITTEN: char = '=';

/// The fewest sounds the first of two words run together must have for
/// the pair to be matched one sound away.
const RUN_NEAR_LEAST: usize = 3;

/// The fewest sounds a stem must have to be matched by how it sounds.
const SOUND_LEAST: usize = 4;

/// Every order of `n` words, the written one first.
fn permutations(n: usize) -> Vec<Vec<usize>> {
    if n == 0 {
        return vec![Vec::new()];
    }
    let mut all = Vec::new();
    for rest in permutations(n - 1) {
        for at in (0..n).rev() {
            let mut p = rest.clone();
            p.insert(at, n - 1);
            all.push(p);
        }
    }
    all
}

fn words_of(text: &str, items: &mut Vec<Item>) -> Result<(), String> {
    for word in text.split_whitespace() {
        let (body, prefix) = match word.strip_suffix('*') {
            Some(body) => (body, true),
            None => (word, false),
        };
        if body.contains('*') {
            return Err(format!("`*` may only end a word, as in `минуточк*` (found `{word}`)"));
        }
        items.push(Item::Word { text: body.to_string(), prefix });
    }
    Ok(())
}

enum Piece<'a> {
    Text(&'a str),
    Var(&'a str),
}

/// Splits `{name}` template variables out of a phrase.
fn split_vars(phrase: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = phrase;
    while let Some(open) = rest.find(['{', '}']) {
        if rest[open..].starts_with('}') {
            return Err("unmatched `}` (template variables are written `{company}`)".to_string());
        }
        pieces.push(Piece::Text(&rest[..open]));
        let close = rest[open..].find('}').ok_or("unclosed `{` (template variables are written `{company}`)")?;
        let name = &rest[open + 1..open + close];
        let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase() || c == '_')
            && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !valid {
            return Err(format!("bad template variable name `{name}` (use lower-case latin letters, digits and `_`)"));
        }
        pieces.push(Piece::Var(name));
        rest = &rest[open + close + 1..];
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::Lang;

    fn lit(phrase: &str, exact: bool, vars: &[(&str, &str)]) -> Result<Option<(View, String, usize, usize)>, String> {
        let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let norm = Normalizer::new(Lang::Ru);
        Ok(compile(phrase, Options { exact, any_order: false, fuzzy: false, any_preposition: false }, &vars, &norm)?
            .map(|l| (l.view, l.alternatives.join("|"), l.leading_any, l.trailing_any)))
    }

    /// A phrase's view, its alternatives joined by `|`, and the words of
    /// any kind it leads and trails with; `None` when it can never be heard.
    type Compiled<'a> = Option<(View, &'a str, usize, usize)>;
    /// (phrase, exact, template variables, what it compiles to or the error)
    type Row<'a> = (&'a str, bool, &'a [(&'a str, &'a str)], Result<Compiled<'a>, &'a str>);

    #[test]
    fn phrase_compilation_table() {
        use View::*;
        let table: &[Row] = &[
            ("Я не знаю", false, &[], Ok(Some((Stem, " я не зна ", 0, 0)))),
            ("нет", true, &[], Ok(Some((Surface, " нет ", 0, 0)))),
            ("минуточк*", false, &[], Ok(Some((Surface, " минуточк", 0, 0)))),
            ("компания {company}", false, &[("company", "Ромашка")], Ok(Some((Stem, " компан ромашк | компа ромашк ", 0, 0)))),
            ("меня зовут {operator_name}", false, &[], Ok(Some((Stem, " мен зовут ", 0, 1)))),
            ("проблема", false, &[], Ok(Some((Stem, " проблем | пробл ", 0, 0)))),
            ("{company}", false, &[], Ok(None)),
            ("по-моему", false, &[], Ok(Some((Stem, " по мо ", 0, 0)))),
            ("(спасибо|благодарю) за звонок", true, &[], Ok(Some((Surface, " спасибо за звонок | благодарю за звонок ", 0, 0)))),
            (
                "спасибо|благодарю за звонок|обращение",
                true,
                &[],
                Ok(Some((Surface, " спасибо за звонок | спасибо за обращение | благодарю за звонок | благодарю за обращение ", 0, 0))),
            ),
            ("(спасибо|по-моему)", false, &[], Err("each choice of `(спасибо|по-моему)` must be one word (found `по-моему`)")),
            ("минуточк|секундочк*", false, &[], Err("`*` cannot end a choice of words (found `минуточк|секундочк*`)")),
            ("", false, &[], Err("phrase has no words")),
            ("...", false, &[], Err("phrase has no words")),
            ("мину*точку", false, &[], Err("`*` may only end a word, as in `минуточк*` (found `мину*точку`)")),
            ("секундочк* подождите", false, &[], Err("`*` may only end the last word of a phrase")),
            ("меня {x} зовут", false, &[], Err("template variable `x` has no value, and an unset variable may only begin or end a phrase")),
            ("компания {Company}", false, &[], Err("bad template variable name `Company` (use lower-case latin letters, digits and `_`)")),
            ("компания {company", false, &[], Err("unclosed `{` (template variables are written `{company}`)")),
        ];
        for (phrase, exact, vars, want) in table {
            let want = (*want).map(|o| o.map(|(v, b, l, t)| (v, b.to_string(), l, t))).map_err(str::to_string);
            assert_eq!(lit(phrase, *exact, vars), want, "phrase: {phrase:?}");
        }
    }
}
