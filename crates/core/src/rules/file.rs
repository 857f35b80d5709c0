//! The TOML schema of a rule file, as trainers write it. Spans are kept on
//! every string a later check may need to point at.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::{Kind, Order, Position, Severity, SpeakerScope};
use crate::text::Lang;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleFile {
    /// The language the file's phrases are written in; a rule set has one.
    #[serde(default)]
    pub lang: Option<Spanned<Lang>>,
    /// Values of template variables used only when checking this file's
    /// examples, so examples do not depend on a deployment's settings.
    #[serde(default)]
    pub example_vars: BTreeMap<String, String>,
    #[serde(default)]
    pub rule: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRule {
    pub id: Spanned<String>,
    pub category: String,
    pub kind: Kind,
    #[serde(default)]
    pub speaker: SpeakerScope,
    #[serde(default)]
    pub severity: Severity,
    #[serde(default)]
    pub weight: f64,
    pub message: String,
    #[serde(default)]
    pub suggest: Option<String>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub exact: Vec<Spanned<String>>,
    #[serde(default)]
    pub regex: Vec<Spanned<String>>,
    #[serde(default)]
    pub element: Vec<RawElement>,
    /// The most words let in between two words of a phrase.
    #[serde(default)]
    pub gap: Option<Spanned<i64>>,
    #[serde(default)]
    pub order: Order,
    /// Whether phrases are also heard by how they sound.
    #[serde(default)]
    pub fuzzy: Option<bool>,
    #[serde(default)]
    pub except: Vec<Spanned<String>>,
    #[serde(default)]
    pub unless_near: Option<RawNear>,
    #[serde(default)]
    pub position: Position,
    #[serde(default)]
    pub first_s: Option<Spanned<f64>>,
    #[serde(default)]
    pub last_s: Option<Spanned<f64>>,
    /// A rule whose flag sets this one off: required only from then on.
    #[serde(default)]
    pub after: Option<Spanned<String>>,
    /// Seconds after the trigger within which a triggered rule is met.
    #[serde(default)]
    pub within_s: Option<Spanned<f64>>,
    /// The call metric a `metric` rule bounds, and its bounds.
    #[serde(default)]
    pub metric: Option<Spanned<String>>,
    #[serde(default)]
    pub min: Option<f64>,
    #[serde(default)]
    pub max: Option<f64>,
    #[serde(default)]
    pub tests: RawTests,
}

/// One part of a required rule. Its phrase fields repeat the rule's:
/// serde cannot flatten a shared struct into a table that denies unknown
/// fields, and telling trainers about misspelt fields matters more.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawElement {
    pub id: Spanned<String>,
    #[serde(default)]
    pub phrases: Vec<Spanned<String>>,
    #[serde(default)]
    pub exact: Vec<Spanned<String>>,
    #[serde(default)]
    pub regex: Vec<Spanned<String>>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub suggest: Option<String>,
    #[serde(default)]
    pub severity: Option<Severity>,
    #[serde(default)]
    pub weight: Option<f64>,
    #[serde(default)]
    pub gap: Option<Spanned<i64>>,
    #[serde(default)]
    pub tests: RawTests,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawNear {
    pub words: usize,
    pub phrases: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTests {
    #[serde(default)]
    pub hit: Vec<Spanned<String>>,
    #[serde(default)]
    pub miss: Vec<Spanned<String>>,
}
