//! Transcripts: any text is read as JSON or plain text; one that reads is
//! redacted and checked against the bundled Russian rules. JSON is read as
//! serde_json reads it.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use sufler_core::redact;
use sufler_core::rules::{RuleSet, Vars};
use sufler_core::text::Lang;
use sufler_core::transcript::Transcript;

fn rules() -> &'static RuleSet {
    static RULES: OnceLock<RuleSet> = OnceLock::new();
    RULES.get_or_init(|| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../rules/ru");
        let vars: Vars = [("company", "Ромашка"), ("operator_name", "Анна")].map(|(k, v)| (k.to_string(), v.to_string())).into();
        RuleSet::load(&dir, Some(Lang::Ru), &vars).expect("the bundled rules load")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // Stored JSON is read by a quick reader, which must agree with serde_json.
    // (`parse` may also refuse what serde_json reads: bad times.)
    if text.trim_start().starts_with('{') {
        match (Transcript::parse(Path::new("fuzz.json"), text), serde_json::from_str::<Transcript>(text)) {
            (Ok(quick), Ok(serde)) => assert_eq!(quick, serde),
            (Ok(quick), Err(e)) => panic!("read {quick:?} where serde_json says {e}"),
            (Err(_), _) => {}
        }
    }
    match Transcript::parse(Path::new("fuzz.txt"), text) {
        Ok(mut t) => {
            redact::transcript(Lang::Ru, &mut t);
            let _ = t.check_either_way(rules(), "fuzz.txt");
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
