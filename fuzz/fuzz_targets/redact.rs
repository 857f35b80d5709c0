//! Redaction: any words, in either language; and what it leaves holds no
//! card number written in digit words (no run of such words, 13 to 19
//! digits in all, that passes the Luhn check).
#![no_main]

use libfuzzer_sys::fuzz_target;
use sufler_core::redact;
use sufler_core::text::Lang;
use sufler_core::transcript::TimedWord;

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            if i % 2 == 1 { if d > 4 { d * 2 - 9 } else { d * 2 } } else { d }
        })
        .sum();
    sum % 10 == 0
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for lang in [Lang::Ru, Lang::Cs] {
        let mut words: Vec<TimedWord> = text
            .split_whitespace()
            .enumerate()
            .map(|(i, w)| TimedWord { start: i as f64, end: i as f64 + 0.5, text: w.into(), confidence: None, guessed: i % 3 == 0 })
            .collect();
        let before = words.len();
        redact::words(lang, &mut words);
        assert!(words.len() <= before);
        // Runs of words made of digits alone, as Whisper writes a card's groups.
        let digit_words: Vec<Option<&str>> =
            words.iter().map(|w| Some(w.text.as_ref()).filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))).collect();
        for start in 0..digit_words.len() {
            let mut run = Vec::new();
            for w in digit_words[start..].iter().map_while(|w| *w) {
                run.extend_from_slice(w.as_bytes());
                if run.len() > 19 {
                    break;
                }
                assert!(
                    !((13..=19).contains(&run.len()) && luhn(&run)),
                    "a card number left: {text:?} -> {:?}",
                    words.iter().map(|w| w.text.as_ref()).collect::<Vec<_>>()
                );
            }
        }
    }
});
