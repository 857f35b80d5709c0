//! What the core knows of a call: its two parties, their timed words, and
//! who took it (call id, operator, team, start, tags).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::ops::{Index, IndexMut};
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The two parties of a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    Operator,
    Client,
}

impl Speaker {
    pub const ALL: [Speaker; 2] = [Speaker::Operator, Speaker::Client];

    pub fn name(self) -> &'static str {
        match self {
            Speaker::Operator => "operator",
            Speaker::Client => "client",
        }
    }

    /// The other party.
    pub fn other(self) -> Speaker {
        match self {
            Speaker::Operator => Speaker::Client,
            Speaker::Client => Speaker::Operator,
        }
    }
}

impl fmt::Display for Speaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Speaker {
    type Err = String;
    /// Accepts the English names and the Russian and Czech ones trainers
    /// write in plain transcripts.
    fn from_str(s: &str) -> Result<Speaker, String> {
        match s.trim().to_lowercase().as_str() {
            "operator" | "оператор" | "operátor" | "agent" => Ok(Speaker::Operator),
            "client" | "клиент" | "klient" | "customer" => Ok(Speaker::Client),
            other => Err(format!("unknown speaker `{other}` (expected operator or client)")),
        }
    }
}

/// One thing per party, looked up by [`Speaker`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Parties<T> {
    pub operator: T,
    pub client: T,
}

impl<T> Parties<T> {
    /// Each party's value made by `f`.
    pub fn with(mut f: impl FnMut(Speaker) -> T) -> Parties<T> {
        Parties { operator: f(Speaker::Operator), client: f(Speaker::Client) }
    }

    /// The same value for both.
    pub fn both(value: T) -> Parties<T>
    where
        T: Clone,
    {
        Parties { operator: value.clone(), client: value }
    }

    pub fn iter(&self) -> impl Iterator<Item = (Speaker, &T)> {
        [(Speaker::Operator, &self.operator), (Speaker::Client, &self.client)].into_iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = (Speaker, &mut T)> {
        [(Speaker::Operator, &mut self.operator), (Speaker::Client, &mut self.client)].into_iter()
    }

    pub fn values(&self) -> impl Iterator<Item = &T> {
        [&self.operator, &self.client].into_iter()
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut T> {
        [&mut self.operator, &mut self.client].into_iter()
    }
}

impl<T> Index<Speaker> for Parties<T> {
    type Output = T;
    fn index(&self, speaker: Speaker) -> &T {
        match speaker {
            Speaker::Operator => &self.operator,
            Speaker::Client => &self.client,
        }
    }
}

impl<T> IndexMut<Speaker> for Parties<T> {
    fn index_mut(&mut self, speaker: Speaker) -> &mut T {
        match speaker {
            Speaker::Operator => &mut self.operator,
            Speaker::Client => &mut self.client,
        }
    }
}

/// One recognised word.
#[derive(Debug, Clone, PartialEq)]
pub struct Word<'a> {
    pub speaker: Speaker,
    /// Seconds from the start of the call.
    pub start: f64,
    pub end: f64,
    /// As heard, punctuation included.
    pub text: Cow<'a, str>,
    pub confidence: Option<f32>,
    /// Heard where the recogniser itself could not hear (Whisper: a clip
    /// it looped on whose last reading failed too): an operator's such word
    /// may meet a step of the script but never raises a banned-phrase flag,
    /// as a flag against the operator needs words the recogniser trusts.
    pub guessed: bool,
    /// The first word of an utterance (a turn or speech segment).
    pub utterance_start: bool,
}

/// Who and what a call is: carried by every event and summary, so that
/// results can be told apart by operator and team.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallMeta {
    /// What the call is known by: its recording's path unless told otherwise.
    pub id: String,
    /// The call's own id, as the call recorder knows it (from metadata).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// When the call began, as the call recorder wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

impl CallMeta {
    /// A call known by its id alone.
    pub fn named(id: impl Into<String>) -> CallMeta {
        CallMeta { id: id.into(), ..CallMeta::default() }
    }
}

impl CallMeta {
    /// This call's metadata, with what `saved` says where this says nothing
    /// (a saved transcript's, under the name it is checked by now).
    pub fn or(mut self, saved: &CallMeta) -> CallMeta {
        let fill = |mine: &mut Option<String>, theirs: &Option<String>| {
            if mine.is_none() {
                mine.clone_from(theirs);
            }
        };
        fill(&mut self.call_id, &saved.call_id);
        fill(&mut self.operator, &saved.operator);
        fill(&mut self.team, &saved.team);
        fill(&mut self.start, &saved.start);
        for (k, v) in &saved.tags {
            self.tags.entry(k.clone()).or_insert_with(|| v.clone());
        }
        self
    }
}

impl From<&str> for CallMeta {
    fn from(id: &str) -> CallMeta {
        CallMeta::named(id)
    }
}

impl From<String> for CallMeta {
    fn from(id: String) -> CallMeta {
        CallMeta::named(id)
    }
}
