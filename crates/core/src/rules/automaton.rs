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

use rustc_hash::{FxHashMap, FxHashSet};

use super::{Match, Target, View};
use super::pattern::RUN;
use crate::error::{Error, Result};

/// The most distinct words (and `*` prefixes) one view can hold.
const MAX_WORDS: usize = 1 << 20;

const ROOT: u32 = 0;

#[derive(Debug, Default)]
struct Node {
    /// Targets of the phrases that end here.
    targets: Vec<Target>,
    /// The most words any phrase through this node lets in between two of
    /// its words.
    max_gap: u8,
}

#[derive(Debug)]
pub(crate) struct Automaton {
    pub view: View,
    nodes: Vec<Node>,
    edges: FxHashMap<(u32, u32), u32>,
    /// Word numbers.
    words: FxHashMap<Box<str>, u32>,
    /// `*` prefixes and their numbers, by first letter.
    prefixes: FxHashMap<char, Vec<(Box<str>, u32)>>,
    /// Words that are two run together (see [`RUN`]): a word split in two
    /// is not also one of them.
    runs: FxHashSet<u32>,
    /// The beginnings (of [`JOIN_LEAST`] letters or more) of the phrase
    /// words: a token that is one may be the first half of a split word.
    beginnings: FxHashSet<Box<str>>,
}

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

/// An automaton being built, one spelling of a phrase at a time (a large
/// rule set has millions of them: none is kept once it is in the trie).
#[derive(Debug)]
pub(crate) struct Builder {
    view: View,
    nodes: Vec<Node>,
    edges: FxHashMap<(u32, u32), u32>,
    words: FxHashMap<Box<str>, u32>,
    prefix_ids: FxHashMap<Box<str>, u32>,
    /// Words written as they are, and words written run together.
    plain: FxHashSet<Box<str>>,
    run: FxHashSet<Box<str>>,
    /// Phrases ending in a `*` prefix: their node before it, the prefix and
    /// the target, joined to every word the prefix begins once all are known.
    open_prefixes: Vec<(u32, Box<str>, Target)>,
}

impl Builder {
    pub fn new(view: View) -> Builder {
        Builder {
            view,
            nodes: vec![Node::default()],
            edges: FxHashMap::default(),
            words: FxHashMap::default(),
            prefix_ids: FxHashMap::default(),
            plain: FxHashSet::default(),
            run: FxHashSet::default(),
            open_prefixes: Vec::new(),
        }
    }

    /// Adds one spelling of a phrase for `target`, written as ` w1 w2 w3 `
    /// (or ` w1 w2 pre` when the last word is a `*` prefix).
    pub fn add(&mut self, phrase: &str, target: Target) {
        let prefix = !phrase.ends_with(' ');
        let mut words = phrase.split(' ').filter(|w| !w.is_empty()).peekable();
        let mut node = ROOT;
        while let Some(w) = words.next() {
            let (bare, run) = match w.strip_prefix(RUN) {
                Some(bare) => (bare, true),
                None => (w, false),
            };
            let marks = if run { &mut self.run } else { &mut self.plain };
            if !marks.contains(bare) {
                marks.insert(bare.into());
            }
            let last = words.peek().is_none();
            if last && prefix {
                if !self.prefix_ids.contains_key(bare) {
                    let id = (self.words.len() + self.prefix_ids.len()) as u32;
                    self.prefix_ids.insert(bare.into(), id);
                }
                self.open_prefixes.push((node, bare.into(), target));
                return;
            }
            let id = match self.words.get(bare) {
                Some(&id) => id,
                None => {
                    let id = (self.words.len() + self.prefix_ids.len()) as u32;
                    self.words.insert(bare.into(), id);
                    id
                }
            };
            node = child(&mut self.nodes, &mut self.edges, node, id);
            if last {
                self.nodes[node as usize].targets.push(target);
            } else {
                let n = &mut self.nodes[node as usize];
                n.max_gap = n.max_gap.max(target.gap);
            }
        }
    }

    /// The automaton, once every phrase is in.
    pub fn finish(self) -> Result<Automaton> {
        let Builder { view, mut nodes, mut edges, words, prefix_ids, plain, run, open_prefixes } = self;
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
                let end = child(&mut nodes, &mut edges, node, id);
                nodes[end as usize].targets.push(target);
            }
        }
        let mut prefixes: FxHashMap<char, Vec<(Box<str>, u32)>> = FxHashMap::default();
        for (p, id) in prefix_ids {
            let first = p.chars().next().expect("a prefix has letters");
            prefixes.entry(first).or_default().push((p, id));
        }
        for list in prefixes.values_mut() {
            list.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then_with(|| a.0.cmp(&b.0)));
        }
        // Words only ever written run together.
        let runs = run.iter().filter(|w| !plain.contains(*w)).filter_map(|w| words.get(w).copied()).collect();
        // Only the sound of a split word's half is looked up (see `may_begin`).
        let mut beginnings = FxHashSet::default();
        if view == View::Sound {
            for word in words.keys().chain(prefixes.values().flatten().map(|(p, _)| p)) {
                beginnings.extend(word.char_indices().skip(JOIN_LEAST).map(|(i, _)| Box::<str>::from(&word[..i])));
            }
        }
        Ok(Automaton { view, nodes, edges, words, prefixes, runs, beginnings })
    }
}

impl Automaton {
    /// Whether a token (the sound of its letters, in the [`View::Sound`])
    /// may be the first half of a phrase word Whisper split in two.
    pub fn may_begin(&self, word: &str) -> bool {
        self.beginnings.contains(word)
    }

    /// Feeds the token at `index` and calls `found` with the target, first
    /// token and kind of match of every phrase that ends on it. `joined` is
    /// the token joined to the one before it in the same utterance, when
    /// that one may begin a phrase word (sound view only). A token that may not be let in between a phrase's words
    /// (`sealed`: a negation, which would turn the phrase around) ends the
    /// threads it does not move on.
    pub fn feed(
        &self,
        walk: &mut Walk,
        index: usize,
        word: &str,
        joined: Option<&str>,
        sealed: bool,
        mut found: impl FnMut(&Target, usize, Match),
    ) {
        let id = self.number(word);
        let joined = joined.and_then(|j| self.number(j)).filter(|id| !self.runs.contains(id));
        if walk.threads.is_empty() && id.is_none() && joined.is_none() {
            walk.before.clear();
            return;
        }
        let mut next = std::mem::take(&mut walk.spare);
        next.clear();
        let step = |next: &mut Vec<Thread>, id: Option<u32>, from: &Thread| {
            if let Some(id) = id
                && let Some(&child) = self.edges.get(&(from.node, id))
            {
                keep(next, Thread { node: child, run: 0, ..*from });
            }
        };
        for th in &walk.threads {
            step(&mut next, id, th);
            let run = th.run + 1;
            if !sealed && run <= self.nodes[th.node as usize].max_gap {
                keep(&mut next, Thread { run, widest: th.widest.max(run), ..*th });
            }
        }
        let root = |start| Thread { node: ROOT, start, run: 0, widest: 0 };
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
            for target in self.nodes[th.node as usize].targets.iter().filter(|t| t.gap >= th.widest) {
                found(target, th.start, how);
            }
        }
        let old = std::mem::replace(&mut walk.threads, next);
        walk.spare = std::mem::replace(&mut walk.before, old);
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

fn child(nodes: &mut Vec<Node>, edges: &mut FxHashMap<(u32, u32), u32>, node: u32, id: u32) -> u32 {
    *edges.entry((node, id)).or_insert_with(|| {
        nodes.push(Node::default());
        (nodes.len() - 1) as u32
    })
}

/// Adds a thread, unless one at the same node and run already is: of two
/// such, the one that let fewer words in, then the shorter, is kept.
fn keep(threads: &mut Vec<Thread>, th: Thread) {
    match threads.iter_mut().find(|t| t.node == th.node && t.run == th.run) {
        Some(t) => {
            if (th.widest, std::cmp::Reverse(th.start)) < (t.widest, std::cmp::Reverse(t.start)) {
                *t = th;
            }
        }
        None => threads.push(th),
    }
}
