//! `sufler rules test` and `sufler rules lint`: a trainer's rule files
//! checked, every problem with its place.

use sufler_core::Diagnostic;
use sufler_core::rules;
use sufler_core::text::Lang;

use crate::error::Result;
use crate::settings::Rules;

/// What the rules' examples came to.
pub struct Tested {
    pub files: usize,
    pub rules: usize,
    pub examples: usize,
    pub failures: Vec<Diagnostic>,
}

/// Runs every inline example, and every check of loading.
pub fn test(rules: &Rules) -> Result<Tested> {
    let (_, report) = rules.test()?;
    Ok(Tested { files: report.files, rules: report.rules, examples: report.examples, failures: report.failures })
}

/// Errors (as `test` finds them) and warnings of likely mistakes.
pub fn lint(settings: &Rules) -> Result<(Vec<Diagnostic>, Vec<Diagnostic>)> {
    let (sources, report) = settings.test()?;
    let warnings = rules::lint(&sources, report.lang.or(settings.lang).unwrap_or(Lang::Ru));
    Ok((report.failures, warnings))
}
