//! Aho-corasick over tokens, not letters.
//!
//! Every distinct word of a view's phrases gets a number, written as two
//! bytes (`1xxxxxxx 0xxxxxxx`, so a match can only start on a word's first
//! byte). A heard token is looked up once; a token that is in no phrase
//! resets the automaton without being fed, and one that is feeds two bytes.
//! This keeps the automaton small and each word cheap, whatever its length.

use std::collections::BTreeMap;

use aho_corasick::automaton::{Automaton as _, StateID};
use aho_corasick::dfa::DFA;
use aho_corasick::{Anchored, MatchKind};
use rustc_hash::FxHashMap;

use super::{Target, View};
use crate::error::{Error, Result};

/// The most distinct words (and `*` prefixes) one view can hold.
const MAX_WORDS: usize = 1 << 14;

#[derive(Debug)]
pub(crate) struct Automaton {
    pub view: View,
    dfa: DFA,
    /// Targets of each pattern id (a phrase used by several rules is one
    /// pattern).
    targets: Vec<Vec<Target>>,
    start: StateID,
    /// Word numbers.
    words: FxHashMap<Box<str>, u16>,
    /// `*` prefixes and their numbers, by first letter.
    prefixes: FxHashMap<char, Vec<(Box<str>, u16)>>,
}

impl Automaton {
    /// Builds the automaton of one view from its phrases, each written as
    /// ` w1 w2 w3 ` (or ` w1 w2 pre` when the last word is a `*` prefix).
    pub fn build(view: View, phrases: BTreeMap<String, Vec<Target>>) -> Result<Automaton> {
        let split = |p: &str| -> (Vec<String>, bool) {
            (p.split(' ').filter(|w| !w.is_empty()).map(str::to_string).collect(), !p.ends_with(' '))
        };
        let mut words: FxHashMap<Box<str>, u16> = FxHashMap::default();
        let mut prefix_ids: BTreeMap<String, u16> = BTreeMap::new();
        let mut next = 0u16;
        let number = |next: &mut u16| -> Result<u16> {
            if usize::from(*next) >= MAX_WORDS {
                return Err(Error::Usage(format!("rules use more than {MAX_WORDS} distinct words")));
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
        let mut patterns: Vec<Vec<u8>> = Vec::new();
        let mut targets: Vec<Vec<Target>> = Vec::new();
        for (p, ts) in phrases {
            let (ws, prefix) = split(&p);
            let (last, init) = ws.split_last().expect("a phrase has words");
            let head: Vec<u16> = init.iter().map(|w| words[w.as_str()]).collect();
            let lasts: Vec<u16> = if prefix {
                let longer = prefix_ids.iter().filter(|(q, _)| q.starts_with(last.as_str())).map(|(_, id)| *id);
                let whole = words.iter().filter(|(w, _)| w.starts_with(last.as_str())).map(|(_, id)| *id);
                longer.chain(whole).collect()
            } else {
                vec![words[last.as_str()]]
            };
            for id in lasts {
                let bytes: Vec<u8> = head.iter().chain([&id]).flat_map(|&id| encode(id)).collect();
                patterns.push(bytes);
                targets.push(ts.clone());
            }
        }
        let dfa = DFA::builder()
            .match_kind(MatchKind::Standard)
            .build(&patterns)
            .map_err(|e| Error::Usage(format!("cannot build the phrase automaton: {e}")))?;
        let start = dfa.start_state(Anchored::No).expect("unanchored search is supported");
        let mut prefixes: FxHashMap<char, Vec<(Box<str>, u16)>> = FxHashMap::default();
        for (p, id) in prefix_ids {
            let first = p.chars().next().expect("a prefix has letters");
            prefixes.entry(first).or_default().push((p.into(), id));
        }
        for list in prefixes.values_mut() {
            list.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
        }
        Ok(Automaton { view, dfa, targets, start, words, prefixes })
    }

    /// The state at the start of an utterance.
    pub fn start(&self) -> StateID {
        self.start
    }

    /// Feeds one token and calls `found` with the targets of every phrase
    /// that ends on it.
    pub fn feed(&self, sid: StateID, word: &str, mut found: impl FnMut(&Target)) -> StateID {
        let Some(id) = self.number(word) else { return self.start };
        let [hi, lo] = encode(id);
        let sid = self.dfa.next_state(Anchored::No, sid, hi);
        let sid = self.dfa.next_state(Anchored::No, sid, lo);
        if self.dfa.is_match(sid) {
            for m in 0..self.dfa.match_len(sid) {
                self.targets[self.dfa.match_pattern(sid, m)].iter().for_each(&mut found);
            }
        }
        sid
    }

    fn number(&self, word: &str) -> Option<u16> {
        if let Some(&id) = self.words.get(word) {
            return Some(id);
        }
        let first = word.chars().next()?;
        let candidates = self.prefixes.get(&first)?;
        candidates.iter().find(|(p, _)| word.starts_with(&**p)).map(|&(_, id)| id)
    }
}

fn encode(id: u16) -> [u8; 2] {
    [0x80 | (id >> 7) as u8, (id & 0x7F) as u8]
}
