//! `sufler rules lint`: things that load fine but that a trainer most
//! likely did not mean.

use std::collections::HashMap;

use super::{Kind, Source, SpeakerScope, Vars, parse, pattern};
use crate::error::Diagnostic;
use crate::text::{Lang, Normalizer};

/// Warnings about rule files that parse. Files that do not parse are left
/// to `RuleSet::test`, which reports them as errors.
pub fn lint(sources: &[Source], lang: Lang) -> Vec<Diagnostic> {
    let norm = Normalizer::new(lang);
    let mut warnings = Vec::new();
    let mut phrases: HashMap<(pattern::View, String), (String, String, SpeakerScope)> = HashMap::new();
    for source in sources {
        let Ok(file) = parse(source) else { continue };
        for raw in &file.rule {
            let id = raw.id.get_ref();
            let warn = |span, message: String| source.diag(span, message).warning();
            let all_tests = std::iter::once(&raw.tests).chain(raw.element.iter().map(|e| &e.tests));
            let (hits, misses) = all_tests.fold((0, 0), |(h, m), t| (h + t.hit.len(), m + t.miss.len()));
            if hits == 0 {
                warnings.push(warn(raw.id.span(), format!("rule `{id}` has no `tests.hit` examples")));
            }
            if misses == 0 {
                warnings.push(warn(raw.id.span(), format!("rule `{id}` has no `tests.miss` examples")));
            }
            if raw.kind == Kind::Banned && raw.speaker != SpeakerScope::Client && raw.suggest.is_none() {
                warnings.push(warn(raw.id.span(), format!("rule `{id}` says what not to say but not what to say instead (add `suggest`)")));
            }
            let lists = std::iter::once((&raw.phrases, &raw.exact)).chain(raw.element.iter().map(|e| (&e.phrases, &e.exact)));
            let all = lists.flat_map(|(p, e)| p.iter().map(|p| (p, false)).chain(e.iter().map(|p| (p, true))));
            for (phrase, exact) in all {
                for var in unset_vars(phrase.get_ref(), &file.example_vars) {
                    warnings.push(warn(phrase.span(), format!("template variable `{var}` has no value in `example_vars`, so examples treat it as any word")));
                }
                let Ok(Some(lit)) = pattern::compile(
                    phrase.get_ref(),
                    pattern::Options { exact, any_order: false, fuzzy: false, any_preposition: false },
                    &file.example_vars,
                    &norm,
                ) else {
                    continue;
                };
                let here = Diagnostic::new(&source.path, &source.text, phrase.span(), "").location();
                let key = (lit.view, lit.alternatives[0].clone());
                let shared = |other: SpeakerScope| other == raw.speaker || other == SpeakerScope::Any || raw.speaker == SpeakerScope::Any;
                match phrases.get(&key) {
                    // Written twice, or two spellings of one phrase («чёрта», «черта»).
                    Some((other, at, _)) if other == id => {
                        warnings.push(warn(phrase.span(), format!("phrase {} repeats one of the same rule ({at})", phrase.get_ref())))
                    }
                    Some((other, at, scope)) if shared(*scope) => {
                        warnings.push(warn(phrase.span(), format!("phrase {} is also in rule `{other}` ({at}); both rules will flag it", phrase.get_ref())))
                    }
                    Some(_) => {}
                    None => {
                        phrases.insert(key, (id.clone(), here, raw.speaker));
                    }
                }
            }
        }
    }
    warnings
}

fn unset_vars<'a>(phrase: &'a str, vars: &Vars) -> Vec<&'a str> {
    phrase.split('{').skip(1).filter_map(|s| s.split_once('}').map(|(name, _)| name)).filter(|name| !vars.contains_key(*name)).collect()
}
