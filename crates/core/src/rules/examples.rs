//! Inline examples (`tests.hit` / `tests.miss`): each rule is compiled on
//! its own with its file's `example_vars`, to be run with its examples
//! through the real engine by [`crate::rulebook`], so an example passes
//! exactly when the product would flag (or not flag) that sentence.

use toml::Spanned;

use super::{Compiler, Pending, RuleSet, Source, compile_rule};
use crate::error::{Diagnostic, Result};
use crate::text::{Lang, Normalizer};

/// A rule compiled alone, and its examples.
pub(crate) struct Examples<'s> {
    /// Holds the one rule.
    pub set: RuleSet,
    pub source: &'s Source,
    pub cases: Vec<Case>,
}

/// One example: a sentence that should hit (or meet) the rule, or one of
/// its elements, or should not.
pub(crate) struct Case {
    pub text: Spanned<String>,
    pub hit: bool,
    pub element: Option<usize>,
}

/// The rule of `p` compiled alone, with its examples; or what is wrong
/// with it under its file's `example_vars`.
pub(super) fn alone<'s>(p: &Pending<'s, '_>, lang: Lang) -> Result<Result<Examples<'s>, Vec<Diagnostic>>> {
    let mut compiler = Compiler::default();
    let norm = Normalizer::new(lang);
    if let Err(ds) = compile_rule(p, 0, p.example_vars, &norm, &mut compiler) {
        return Ok(Err(ds));
    }
    let mut cases = Vec::new();
    let elements = p.raw.element.iter().enumerate().map(|(i, e)| (&e.tests, Some(i)));
    for (tests, element) in std::iter::once((&p.raw.tests, None)).chain(elements) {
        cases.extend(tests.hit.iter().map(|text| Case { text: text.clone(), hit: true, element }));
        cases.extend(tests.miss.iter().map(|text| Case { text: text.clone(), hit: false, element }));
    }
    Ok(Ok(Examples { set: compiler.finish(lang, norm)?, source: p.source, cases }))
}
