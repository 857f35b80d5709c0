//! Rule files: any text is parsed, compiled, its examples run and linted,
//! and whatever is wrong comes back as diagnostics, never a panic.
#![no_main]

use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use sufler_core::rules::{self, RuleSet, Source, Vars};
use sufler_core::text::Lang;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let sources = [Source { path: PathBuf::from("fuzz.toml"), text: text.to_string() }];
    let vars: Vars = [("company".to_string(), "Ромашка".to_string())].into();
    for lang in [Lang::Ru, Lang::Cs] {
        if let Ok(report) = RuleSet::test(&sources, Some(lang), &vars) {
            for d in &report.failures {
                // Rendering a diagnostic reads the source around its place.
                let _ = d.to_string();
            }
        }
        let _ = RuleSet::in_use(&sources, Some(lang), &vars);
        let _ = rules::lint(&sources, lang);
    }
});
