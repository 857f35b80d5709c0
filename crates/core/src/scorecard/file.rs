//! The TOML schema of a scorecard, as QA leads and trainers write it.
//! Spans are kept on every value a later check may point at.

use serde::Deserialize;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CardFile {
    pub name: String,
    pub version: String,
    /// The score (0 to 100) at or above which a call passes.
    #[serde(default)]
    pub pass: Option<Spanned<f64>>,
    #[serde(default)]
    pub section: Vec<RawSection>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSection {
    pub id: Spanned<String>,
    pub title: String,
    pub weight: Spanned<f64>,
    #[serde(default)]
    pub item: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawItem {
    pub id: Spanned<String>,
    pub title: String,
    pub points: Spanned<f64>,
    #[serde(default)]
    pub rule: Option<Spanned<String>>,
    #[serde(default)]
    pub element: Option<Spanned<String>>,
    #[serde(default)]
    pub metric: Option<Spanned<String>>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub critical: Option<super::Critical>,
    /// A rule whose flag makes the item apply; without it, not applicable.
    #[serde(default)]
    pub when: Option<Spanned<String>>,
}
