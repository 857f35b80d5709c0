//! Phrase matching over tokens, not letters: a trie of every phrase of a
//! view, walked by all partial matches at once.
//!
//! Every distinct word of a view's phrases gets a number, and each phrase
//! is a path of numbers from the root. A heard token is looked up once; each
//! partial match (a *thread*: a trie node and where it started) either
//! moves on along the token's edge, or lets the token pass as an inserted
//! word when the phrases below its node allow that many insertions
//! («спасибо большое за обращение» for «спасибо за обращение»). A new
//! thread starts at the root's edge. The threads alive at once are few
//! (those of phrases begun within the last few words), so a word costs a
//! hash lookup per thread, whatever the number of rules.
//!
//! A word Whisper split in two («секунт дочку», «иди оты») is fed to the
//! sound view a second time joined: the threads as they were before its
//! first half move on along the joined word's edge, when the first half
//! begins a phrase word.
//!
//! In the sound view, a heard word that is no phrase word may still be one
//! sound away from a long one («сведения» for «свидания», «гвонок» for
//! «звонок»): it is then taken as that word (see [`Automaton::near`]).
//! A word the recogniser was unsure of may be further off, when it ends a
//! step's phrase whose other words were heard («спасибо за ваш гранок»
//! on a phone line): see [`Heard::unsure`].

use rustc_hash::{FxHashMap, FxHashSet};

use super::pattern::{AS_WRITTEN, RUN};
use super::{Match, Target, View};
use crate::error::{Error, Result};
use crate::text::PREPOSITION;

/// The most distinct words (and `*` prefixes) one view can hold.
const MAX_WORDS: usize = 1 << 20;

const ROOT: u32 = 0;

#[derive(Debug)]
pub(crate) struct Automaton {
    pub view: View,
    /// Per node, the most words any phrase through it lets in between two
    /// of its words.
    max_gap: Vec<u8>,
    /// The targets of the phrases that end at node `n` are
    /// `targets[ends[n]..ends[n + 1]]` (a large set has millions of nodes,
    /// most of them ending no phrase: a list per node would cost more than
    /// the trie).
    ends: Vec<u32>,
    targets: Vec<Target>,
    edges: FxHashMap<(u32, u32), u32>,
    /// Word numbers.
    words: FxHashMap<Box<str>, u32>,
    /// `*` prefixes and their numbers, by first letter.
    prefixes: FxHashMap<char, Vec<(Box<str>, u32)>>,
    /// Words that are two run together (see [`RUN`]): a word split in two
    /// is not also one of them.
    runs: FxHashSet<u32>,
    /// The words that need more sounds than [`NEAR_LEAST`] to be matched
    /// one sound away, and how many (`usize::MAX`: never): the loosest of
    /// their edges, so as to find them; and each edge's own, so that a
    /// word vouched for in one phrase («это очень сложно») is not also in
    /// another («это сложно», which «это срочно» is not).
    least: FxHashMap<u32, usize>,
    edge_least: FxHashMap<(u32, u32), usize>,
    /// The beginnings (of [`JOIN_LEAST`] letters or more) of the phrase
    /// words, by their hash: a token that is one may be the first half of a
    /// split word. (A rare false positive only costs a lookup of the joined
    /// word, which must itself be a phrase word.)
    beginnings: FxHashSet<u64>,
    /// The sounds its words are written in (sound view), for the words one
    /// sound away from a heard one.
    alphabet: Vec<char>,
    /// The number every preposition goes by inside a phrase (sound view).
    any_preposition: Option<u32>,
    /// Per node, the last words of steps' phrases that an unsure word may
    /// be taken for there (see [`Heard::unsure`]): the node they lead to
    /// and their sounds.
    loose: LooseWords,
}

/// Per node, the words an unsure word may be taken for and the node each
/// leads to.
type LooseWords = FxHashMap<u32, Vec<(u32, Box<[char]>)>>;

/// The fewest sounds a phrase word must have to be matched by a heard word
/// one sound away: in shorter ones, one sound makes another word
/// («сложно» and «слышно»).
const NEAR_LEAST: usize = 6;

/// The same for a word no other word of its phrase vouches for (a phrase
/// of one word, or with short words only beside it): one sound from
/// «кретин» are «кредитн(ая)», «Кристин(а)», «гривен», and from «это
/// сложно» «это срочно».
const NEAR_ALONE_LEAST: usize = 7;

/// The fewest sounds a word needs to vouch for the others of its phrase:
/// «вы», «не», «это» and any preposition (`§`) are said everywhere.
const VOUCH_LEAST: usize = 4;

/// The sounds at a word's end that must be heard as written for it to be
/// near another (see [`Automaton::near`]).
const ENDING: usize = 1;

/// How many sounds in a phrase word an unsure word may differ by, one in
/// so many (at least one): «гранок» and «ванук» for «звонок» (two in six).
const LOOSE_PER: usize = 3;

/// The shortest first half of a split word that is tried: shorter ones
/// («не», «вы») begin too many words.
const JOIN_LEAST: usize = 3;

/// A partial match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Thread {
    node: u32,
    /// Token index of its first word.
    start: usize,
    /// Words let in since its last word.
    run: u8,
    /// The longest such run so far.
    widest: u8,
    /// Its last word was an unsure one taken loosely: it ends steps only.
    loose: bool,
}

/// Where one speaker's utterance stands in one automaton.
#[derive(Debug, Default, Clone)]
pub(crate) struct Walk {
    threads: Vec<Thread>,
    /// The threads before the last token, for a word split in two.
    before: Vec<Thread>,
    spare: Vec<Thread>,
}

impl Walk {
    /// Forgets every partial match (an utterance ended).
    pub fn reset(&mut self) {
        self.threads.clear();
        self.before.clear();
    }
}

/// The number of the phrase word a token is taken for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Number {
    pub id: u32,
    /// Taken one sound away from a phrase word of this many sounds; 0:
    /// heard as it is.
    pub near: usize,
}

/// A token as one automaton takes it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Heard<'a> {
    /// Its word number (see [`Automaton::id`]).
    pub id: Option<Number>,
    /// A preposition: inside a phrase it stands for the one written (see
    /// [`PREPOSITION`]).
    pub preposition: bool,
    /// The number of the token joined to the one before it in the same
    /// utterance, when that one may begin a phrase word (see
    /// [`Automaton::joined_id`]).
    pub joined: Option<Number>,
    /// It may not be let in between a phrase's words (a negation, which
    /// would turn the phrase around): it ends the threads it does not move on.
    pub sealed: bool,
    /// Its sound, when the recogniser was unsure of it: it may then end a
    /// step's phrase as a word a few sounds off (one in [`LOOSE_PER`], the
    /// last the same), when that word and another of the phrase are long
    /// enough to vouch ([`VOUCH_LEAST`]). Whisper fills what a phone line
    /// loses with a word of its own, and says so by its low confidence; a
    /// step said that way is no missing step. Banned phrases and
    /// exceptions never match so.
    pub unsure: Option<&'a str>,
}

/// An automaton being built, one spelling of a phrase at a time (a large
/// rule set has millions of them: none is kept once it is in the trie).
#[derive(Debug)]
pub(crate) struct Builder {
    view: View,
    max_gap: Vec<u8>,
    /// Each phrase's last node and target, in the order they came.
    ends: Vec<(u32, Target)>,
    edges: FxHashMap<(u32, u32), u32>,
    words: FxHashMap<Box<str>, u32>,
    prefix_ids: FxHashMap<Box<str>, u32>,
    /// Numbers of words written as they are, and of words written run
    /// together (prefixes count as words here).
    plain: FxHashSet<u32>,
    run: FxHashSet<u32>,
    /// Per edge (node, word), the fewest sounds its word needs to be
    /// matched one sound away there.
    edge_least: FxHashMap<(u32, u32), usize>,
    /// Phrases ending in a `*` prefix: their node before it, the prefix and
    /// the target, joined to every word the prefix begins once all are known.
    open_prefixes: Vec<(u32, Box<str>, Target)>,
    /// Steps' last words an unsure word may be taken for: the node before,
    /// the node after, the word (see [`Heard::unsure`]).
    loose: Vec<(u32, u32, Box<str>)>,
}

impl Builder {
    pub fn new(view: View) -> Builder {
        Builder {
            view,
            max_gap: vec![0],
            ends: Vec::new(),
            edges: FxHashMap::default(),
            words: FxHashMap::default(),
            prefix_ids: FxHashMap::default(),
            plain: FxHashSet::default(),
            run: FxHashSet::default(),
            edge_least: FxHashMap::default(),
            open_prefixes: Vec::new(),
            loose: Vec::new(),
        }
    }

    /// Adds one spelling of a phrase for `target`, written as ` w1 w2 w3 `
    /// (or ` w1 w2 pre` when the last word is a `*` prefix).
    pub fn add(&mut self, phrase: &str, target: Target) {
        let prefix = !phrase.ends_with(' ');
        let mut words = phrase.split(' ').filter(|w| !w.is_empty()).peekable();
        // The words that vouch for the others (see `NEAR_ALONE_LEAST`).
        let vouches = |w: &str| w.trim_start_matches([RUN, AS_WRITTEN]).chars().count() >= VOUCH_LEAST;
        let vouchers = phrase.split(' ').filter(|w| vouches(w)).count();
        let mut node = ROOT;
        while let Some(w) = words.next() {
            let (bare, run) = match w.strip_prefix(RUN) {
                Some(bare) => (bare, true),
                None => (w, false),
            };
            let (bare, as_written) = match bare.strip_prefix(AS_WRITTEN) {
                Some(bare) => (bare, true),
                None => (bare, false),
            };
            let last = words.peek().is_none();
            let fresh = (self.words.len() + self.prefix_ids.len()) as u32;
            let ids = if last && prefix { &mut self.prefix_ids } else { &mut self.words };
            let id = match ids.get(bare) {
                Some(&id) => id,
                None => {
                    ids.insert(bare.into(), fresh);
                    fresh
                }
            };
            if run { &mut self.run } else { &mut self.plain }.insert(id);
            let alone = vouchers - usize::from(vouches(w)) == 0;
            let least = match (as_written, alone && !run) {
                (true, _) => usize::MAX,
                (false, true) => NEAR_ALONE_LEAST,
                (false, false) => NEAR_LEAST,
            };
            self.edge_least.entry((node, id)).and_modify(|l| *l = (*l).min(least)).or_insert(least);
            if last && prefix {
                self.open_prefixes.push((node, bare.into(), target));
                return;
            }
            let from = node;
            node = child(&mut self.max_gap, &mut self.edges, node, id);
            if last {
                self.ends.push((node, target));
                // Long enough to vouch for itself, and another word of the
                // phrase vouches for it: short ones («дня», «Анна») are a
                // sound from «да», «на», «одна».
                if target.loose && self.view == View::Sound && !run && vouches(w) && vouchers > 1 {
                    self.loose.push((from, node, bare.into()));
                }
            } else {
                let g = &mut self.max_gap[node as usize];
                *g = (*g).max(target.gap);
            }
        }
    }

    /// The automaton, once every phrase is in.
    pub fn finish(self) -> Result<Automaton> {
        let Builder { view, mut max_gap, mut ends, mut edges, words, prefix_ids, plain, run, mut edge_least, open_prefixes, loose: loose_words } = self;
        if words.len() + prefix_ids.len() > MAX_WORDS {
            return Err(Error::TooLarge(format!("they use more than {MAX_WORDS} distinct words")));
        }
        // A token is numbered as a whole word when it is one, otherwise by the
        // longest prefix it starts with; a prefix phrase therefore also
        // stands for every whole word and longer prefix that begins with it.
        for (node, p, target) in open_prefixes {
            let longer = prefix_ids.iter().filter(|(q, _)| q.starts_with(&*p)).map(|(_, id)| *id);
            let whole = words.iter().filter(|(w, _)| w.starts_with(&*p)).map(|(_, id)| *id);
            for id in longer.chain(whole).collect::<Vec<_>>() {
                let end = child(&mut max_gap, &mut edges, node, id);
                ends.push((end, target));
            }
        }
        // Stable: a node's targets stay in the order their phrases came.
        ends.sort_by_key(|&(node, _)| node);
        let mut starts = Vec::with_capacity(max_gap.len() + 1);
        let mut at = 0;
        for node in 0..max_gap.len() as u32 {
            starts.push(at as u32);
            while at < ends.len() && ends[at].0 == node {
                at += 1;
            }
        }
        starts.push(at as u32);
        let targets = ends.into_iter().map(|(_, t)| t).collect();
        let mut prefixes: FxHashMap<char, Vec<(Box<str>, u32)>> = FxHashMap::default();
        for (p, id) in prefix_ids {
            let first = p.chars().next().expect("a prefix has letters");
            prefixes.entry(first).or_default().push((p, id));
        }
        for list in prefixes.values_mut() {
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        // Words only ever written run together.
        let runs = run.difference(&plain).copied().collect();
        // A word's loosest edge, for finding it (`near`); only the bounds
        // above the usual are kept.
        let mut least = FxHashMap::default();
        for (&(_, id), &l) in &edge_least {
            least.entry(id).and_modify(|m: &mut usize| *m = (*m).min(l)).or_insert(l);
        }
        least.retain(|_, l| *l > NEAR_LEAST);
        edge_least.retain(|_, l| *l > NEAR_LEAST);
        // Only the sound of a split word's half is looked up (see `may_begin`).
        let mut beginnings = FxHashSet::default();
        let mut alphabet = Vec::new();
        if view == View::Sound {
            for word in words.keys().chain(prefixes.values().flatten().map(|(p, _)| p)) {
                beginnings.extend(word.char_indices().skip(JOIN_LEAST).map(|(i, _)| hash(&word[..i])));
            }
            alphabet = words.keys().flat_map(|w| w.chars()).filter(|c| c.is_alphabetic()).collect::<FxHashSet<char>>().into_iter().collect();
            alphabet.sort_unstable();
        }
        let any_preposition = if view == View::Sound { words.get(PREPOSITION).copied() } else { None };
        let mut loose = LooseWords::default();
        for (from, to, word) in loose_words {
            let list = loose.entry(from).or_default();
            if !list.iter().any(|(t, _)| *t == to) {
                list.push((to, word.chars().collect()));
            }
        }
        Ok(Automaton { view, max_gap, ends: starts, targets, edges, words, prefixes, runs, least, edge_least, beginnings, alphabet, any_preposition, loose })
    }
}

impl Automaton {
    /// Whether a token (the sound of its letters, in the [`View::Sound`])
    /// may be the first half of a phrase word Whisper split in two.
    pub fn may_begin(&self, word: &str) -> bool {
        self.beginnings.contains(&hash(word))
    }

    /// The number a token goes by, given its form in this automaton's view
    /// and, in the sound view, how all its letters sound when that is
    /// another thing: a long word is keyed by its stem, but one Whisper
    /// glued from two («имитяно» for «имя Анна») is near the pair's sound
    /// as a whole, not as a stem.
    pub fn id(&self, word: &str, spoken: Option<&str>) -> Option<Number> {
        self.exact(word).or_else(|| self.near(word)).or_else(|| spoken.and_then(|w| self.near(w)))
    }

    fn exact(&self, word: &str) -> Option<Number> {
        self.number(word).map(|id| Number { id, near: 0 })
    }

    /// The number two tokens written as one go by (`joined`, in this
    /// automaton's view): only the sound view joins, and never into a word
    /// only ever written run together.
    pub fn joined_id(&self, joined: &str) -> Option<Number> {
        if self.view != View::Sound {
            return None;
        }
        self.exact(joined).or_else(|| self.near(joined)).filter(|n| !self.runs.contains(&n.id))
    }

    /// Feeds the token at `index` and calls `found` with the target, first
    /// token and kind of match of every phrase that ends on it.
    pub fn feed(&self, walk: &mut Walk, index: usize, heard: Heard<'_>, mut found: impl FnMut(&Target, usize, Match)) {
        let Heard { id, preposition, joined, sealed, unsure } = heard;
        if walk.threads.is_empty() && id.is_none() && joined.is_none() {
            walk.before.clear();
            return;
        }
        let mut next = std::mem::take(&mut walk.spare);
        next.clear();
        let step = |next: &mut Vec<Thread>, n: Option<Number>, from: &Thread| {
            if let Some(n) = n
                && let Some(&child) = self.edges.get(&(from.node, n.id))
                && (n.near == 0 || n.near >= self.edge_least.get(&(from.node, n.id)).copied().unwrap_or(NEAR_LEAST))
            {
                keep(next, Thread { node: child, run: 0, ..*from });
            }
        };
        let unsure = unsure.filter(|_| !sealed && !self.loose.is_empty());
        let mut unsure_sounds: Option<Vec<char>> = None;
        let any = self.any_preposition.filter(|_| preposition).map(|id| Number { id, near: 0 });
        for th in &walk.threads {
            step(&mut next, id, th);
            step(&mut next, any, th);
            if let Some(u) = unsure
                && let Some(words) = self.loose.get(&th.node)
            {
                let heard = unsure_sounds.get_or_insert_with(|| u.chars().collect());
                for (child, _) in words.iter().filter(|(_, w)| close(heard, w)) {
                    keep(&mut next, Thread { node: *child, run: 0, loose: true, ..*th });
                }
            }
            let run = th.run + 1;
            if !sealed && run <= self.max_gap[th.node as usize] {
                keep(&mut next, Thread { run, widest: th.widest.max(run), ..*th });
            }
        }
        let root = |start| Thread { node: ROOT, start, run: 0, widest: 0, loose: false };
        step(&mut next, id, &root(index));
        if joined.is_some() {
            // The two halves as one word, from where things stood before the first.
            for th in walk.before.iter().copied().chain([root(index - 1)]) {
                step(&mut next, joined, &th);
            }
        }
        // A view matches its own way: joins happen in the sound view alone.
        let how = match self.view {
            View::Stem => Match::Stem,
            View::Surface => Match::Exact,
            View::Sound => Match::Fuzzy,
        };
        for th in next.iter().filter(|t| t.run == 0) {
            let n = th.node as usize;
            let ending = &self.targets[self.ends[n] as usize..self.ends[n + 1] as usize];
            for target in ending.iter().filter(|t| t.gap >= th.widest && (t.loose || !th.loose)) {
                found(target, th.start, how);
            }
        }
        let old = std::mem::replace(&mut walk.threads, next);
        walk.spare = std::mem::replace(&mut walk.before, old);
    }

    /// The phrase word of [`NEAR_LEAST`] sounds or more (see `least`) one sound away
    /// from `word` (one sound more, less, or another), in the sound view:
    /// the first found, so always the same one. The last sound must be the
    /// same: it is where a word's ending begins, which tells «наверняка»
    /// from «наверное» and «наверх» from «наверн(о)».
    fn near(&self, word: &str) -> Option<Number> {
        let len = word.chars().count();
        if self.view != View::Sound || len + 1 < NEAR_LEAST {
            return None;
        }
        let chars: Vec<char> = word.chars().collect();
        let mut v = String::with_capacity(word.len() + 4);
        let found = |v: &str, n: usize| {
            let id = self.words.get(v).copied().filter(|id| n >= self.least.get(id).copied().unwrap_or(NEAR_LEAST))?;
            Some(Number { id, near: n })
        };
        for i in 0..=len - ENDING {
            // One sound less (a sound heard that was not said).
            if i < len - ENDING {
                v.clear();
                v.extend(chars[..i].iter().chain(&chars[i + 1..]));
                if let Some(id) = found(&v, len - 1) {
                    return Some(id);
                }
            }
            for &c in &self.alphabet {
                // Another sound in its place.
                if i < len - ENDING && c != chars[i] {
                    v.clear();
                    v.extend(chars[..i].iter().chain([&c]).chain(&chars[i + 1..]));
                    if let Some(id) = found(&v, len) {
                        return Some(id);
                    }
                }
                // One sound more (a sound said that was not heard).
                v.clear();
                v.extend(chars[..i].iter().chain([&c]).chain(&chars[i..]));
                if let Some(id) = found(&v, len + 1) {
                    return Some(id);
                }
            }
        }
        None
    }

    fn number(&self, word: &str) -> Option<u32> {
        if let Some(&id) = self.words.get(word) {
            return Some(id);
        }
        let first = word.chars().next()?;
        let candidates = self.prefixes.get(&first)?;
        candidates.iter().find(|(p, _)| word.starts_with(&**p)).map(|&(_, id)| id)
    }
}

/// The node an edge leads to, made when there is none (`max_gap` holds one
/// entry per node).
fn child(max_gap: &mut Vec<u8>, edges: &mut FxHashMap<(u32, u32), u32>, node: u32, id: u32) -> u32 {
    *edges.entry((node, id)).or_insert_with(|| {
        max_gap.push(0);
        (max_gap.len() - 1) as u32
    })
}

fn hash(s: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// Whether an unsure word's sounds are close enough to a phrase word's to
/// be taken for it (see [`Heard::unsure`]): at most one sound in
/// [`LOOSE_PER`] another, more or less, and the last the same.
fn close(heard: &[char], word: &[char]) -> bool {
    let bound = (word.len() / LOOSE_PER).max(1);
    if heard.len().abs_diff(word.len()) > bound || heard.last() != word.last() {
        return false;
    }
    // Levenshtein distance, a row at a time.
    let mut row: Vec<usize> = (0..=word.len()).collect();
    for (i, h) in heard.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, w) in word.iter().enumerate() {
            let next = (diagonal + usize::from(h != w)).min(row[j] + 1).min(row[j + 1] + 1);
            diagonal = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[word.len()] <= bound
}

/// Adds a thread, unless one at the same node and run already is: of two
/// such, the one heard surely, then the one that let fewer words in, then
/// the shorter, is kept.
fn keep(threads: &mut Vec<Thread>, th: Thread) {
    match threads.iter_mut().find(|t| t.node == th.node && t.run == th.run) {
        Some(t) => {
            if (th.loose, th.widest, std::cmp::Reverse(th.start)) < (t.loose, t.widest, std::cmp::Reverse(t.start)) {
                *t = th;
            }
        }
        None => threads.push(th),
    }
}
