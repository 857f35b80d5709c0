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

use std::collections::BTreeMap;

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

impl Automaton {
    /// Builds the automaton of one view from its phrases, each written as
    /// ` w1 w2 w3 ` (or ` w1 w2 pre` when the last word is a `*` prefix).
    pub fn build(view: View, phrases: BTreeMap<String, Vec<Target>>) -> Result<Automaton> {
        let split = |p: &str| -> (Vec<String>, bool) {
            (p.split(' ').filter(|w| !w.is_empty()).map(|w| w.trim_start_matches(RUN).to_string()).collect(), !p.ends_with(' '))
        };
        // Words only ever written run together.
        let mut plain: FxHashSet<&str> = FxHashSet::default();
        let mut run_words: FxHashSet<&str> = FxHashSet::default();
        for p in phrases.keys() {
            for w in p.split(' ').filter(|w| !w.is_empty()) {
                match w.strip_prefix(RUN) {
                    Some(w) => run_words.insert(w),
                    None => plain.insert(w),
                };
            }
        }
        let run_only: Vec<String> = run_words.into_iter().filter(|w| !plain.contains(w)).map(str::to_string).collect();
        let mut words: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut prefix_ids: BTreeMap<String, u32> = BTreeMap::new();
        let mut next = 0u32;
        let number = |next: &mut u32| -> Result<u32> {
            if *next as usize >= MAX_WORDS {
                return Err(Error::TooLarge(format!("they use more than {MAX_WORDS} distinct words")));
            }
            *next += 1;
            Ok(*next - 1)
        };
        for p in phrases.keys() {
            let (ws, prefix) = split(p);
            for (i, w) in ws.iter().enumerate() {
                if prefix && i + 1 == ws.len() {
                    if !prefix_ids.contains_key(w) {
                        let id = number(&mut next)?;
                        prefix_ids.insert(w.clone(), id);
                    }
                } else if !words.contains_key(w.as_str()) {
                    let id = number(&mut next)?;
                    words.insert(w.as_str().into(), id);
                }
            }
        }
        // A token is numbered as a whole word when it is one, otherwise by the
        // longest prefix it starts with; a prefix phrase therefore also
        // stands for every whole word and longer prefix that begins with it.
        let mut nodes = vec![Node::default()];
        let mut edges: FxHashMap<(u32, u32), u32> = FxHashMap::default();
        for (p, ts) in phrases {
            let (ws, prefix) = split(&p);
            let (last, init) = ws.split_last().expect("a phrase has words");
            let gap = ts.iter().map(|t| t.gap).max().unwrap_or(0);
            let mut node = ROOT;
            for w in init {
                node = child(&mut nodes, &mut edges, node, words[w.as_str()]);
                nodes[node as usize].max_gap = nodes[node as usize].max_gap.max(gap);
            }
            let lasts: Vec<u32> = if prefix {
                let longer = prefix_ids.iter().filter(|(q, _)| q.starts_with(last.as_str())).map(|(_, id)| *id);
                let whole = words.iter().filter(|(w, _)| w.starts_with(last.as_str())).map(|(_, id)| *id);
                longer.chain(whole).collect()
            } else {
                vec![words[last.as_str()]]
            };
            for id in lasts {
                let end = child(&mut nodes, &mut edges, node, id);
                nodes[end as usize].targets.extend(ts.iter().copied());
            }
        }
        let mut prefixes: FxHashMap<char, Vec<(Box<str>, u32)>> = FxHashMap::default();
        for (p, id) in prefix_ids {
            let first = p.chars().next().expect("a prefix has letters");
            prefixes.entry(first).or_default().push((p.into(), id));
        }
        for list in prefixes.values_mut() {
            list.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        }
        let runs = run_only.iter().filter_map(|w| words.get(w.as_str()).copied()).collect();
        // Only the sound of a split word's half is looked up (see `may_begin`).
        let mut beginnings = FxHashSet::default();
        if view == View::Sound {
            for word in words.keys().chain(prefixes.values().flatten().map(|(p, _)| p)) {
                beginnings.extend(word.char_indices().skip(JOIN_LEAST).map(|(i, _)| Box::<str>::from(&word[..i])));
            }
        }
        Ok(Automaton { view, nodes, edges, words, prefixes, runs, beginnings })
    }

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
