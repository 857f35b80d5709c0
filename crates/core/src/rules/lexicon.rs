//! What a rule set's automata make of each word heard: its tokens, each
//! with the number it goes by in every automaton, worked out once per word
//! and thread. A call says the same few hundred words over and over, and a
//! word's numbers (its own, or a phrase word it is near by sound) cost
//! some lookups per automaton; the engine feeds the numbers.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::atomic::{AtomicU32, Ordering};

use rustc_hash::FxHashMap;

use super::automaton::Number;
use super::{RuleSet, View};
use crate::text::Token;

/// A token with what the automata make of it.
#[derive(Debug)]
pub(crate) struct Known {
    pub token: Token,
    /// Per automaton (in [`RuleSet::automata`]'s order), the word number
    /// the token is taken as, if any.
    pub ids: Box<[Option<Number>]>,
    /// It may be the first half of a phrase word Whisper split in two.
    pub begins: bool,
}

/// A word's tokens, and whether it ends a sentence.
type Entry = Rc<(Vec<Known>, bool)>;

/// Per automaton, the number two tokens written as one go by.
type Joined = Rc<[Option<Number>]>;

/// Distinct texts remembered per thread and rule set before starting over.
const WORDS: usize = 100_000;

/// Rule sets remembered per thread (a batch may mix languages; a server
/// reloads its rules now and then).
const SETS: usize = 8;

/// What was worked out for each text, per rule set (by serial).
struct Memo<V>(FxHashMap<u32, FxHashMap<Box<str>, V>>);

impl<V: Clone> Memo<V> {
    fn get(&mut self, serial: u32, text: &str, make: impl FnOnce() -> V) -> V {
        if !self.0.contains_key(&serial) && self.0.len() >= SETS {
            self.0.clear();
        }
        let seen = self.0.entry(serial).or_default();
        if let Some(v) = seen.get(text) {
            return v.clone();
        }
        if seen.len() >= WORDS {
            seen.clear();
        }
        let v = make();
        seen.insert(text.into(), v.clone());
        v
    }
}

thread_local! {
    static KNOWN: RefCell<Memo<Entry>> = RefCell::new(Memo(FxHashMap::default()));
    /// The pairs' numbers, and a buffer the pair is written into to be looked up.
    static JOINED: RefCell<(Memo<Joined>, String)> = RefCell::new((Memo(FxHashMap::default()), String::new()));
}

static SERIALS: AtomicU32 = AtomicU32::new(0);

/// A new rule set's key to the words it has seen.
pub(crate) fn serial() -> u32 {
    SERIALS.fetch_add(1, Ordering::Relaxed)
}

impl RuleSet {
    /// Calls `f` with each token of `text` and whether a sentence ended
    /// before it, as [`crate::text::Normalizer::each_token`] does;
    /// `sentence_end` says whether the text before this one ended a
    /// sentence, the return value whether this one does.
    pub(crate) fn each_known(&self, text: &str, sentence_end: bool, mut f: impl FnMut(&Known, bool)) -> bool {
        let entry = KNOWN.with(|memo| memo.borrow_mut().get(self.serial, text, || Rc::new(self.know(text))));
        let (known, ends) = &*entry;
        for (i, k) in known.iter().enumerate() {
            f(k, k.token.after_sentence_end || (i == 0 && sentence_end));
        }
        if known.is_empty() { *ends || sentence_end } else { *ends }
    }

    /// Per automaton, the number two tokens (their surface forms) go by
    /// when taken as one word Whisper split in two (see [`Known::begins`]).
    pub(crate) fn joined(&self, first: &str, second: &str) -> Joined {
        JOINED.with(|joined| {
            let (memo, text) = &mut *joined.borrow_mut();
            text.clear();
            text.push_str(first);
            text.push_str(second);
            memo.get(self.serial, text, || {
                let token = self.normalizer.joined(first, second);
                self.automata.iter().map(|a| a.joined_id(form(a.view, &token))).collect()
            })
        })
    }

    fn know(&self, text: &str) -> (Vec<Known>, bool) {
        let mut known = Vec::with_capacity(1);
        let ends = self.normalizer.each_token(text, false, |token| {
            let ids = self.automata.iter().map(|a| a.id(form(a.view, token), spoken(a.view, token))).collect();
            let begins = self.automata.iter().any(|a| a.view == View::Sound && a.may_begin(&token.spoken));
            known.push(Known { token: token.clone(), ids, begins });
        });
        (known, ends)
    }
}

/// A token in the form an automaton's view reads.
fn form(view: View, token: &Token) -> &str {
    match view {
        View::Stem => &token.stem,
        View::Surface => &token.surface,
        View::Sound => &token.sound,
    }
}

/// How all of a token's letters sound, when that is not its sound view's
/// form already (a long word's form is its stem's sound).
fn spoken(view: View, token: &Token) -> Option<&str> {
    (view == View::Sound && token.spoken != token.sound).then_some(&*token.spoken)
}
