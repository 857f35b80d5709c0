//! Loading a large rule set: PHRASES phrases (default 100,000) over a
//! vocabulary of WORDS made-up Russian words (default 5,000), in rules of
//! 100 phrases each with an example apiece, as `check` loads them (compiled,
//! examples run): the time and the peak memory.
//!
//! cargo bench -p sufler-core --bench rules [-- PHRASES WORDS]

use std::path::PathBuf;
use std::time::Instant;

use sufler_core::rules::{RuleSet, Source, Vars};
use sufler_core::text::Lang;

#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A word made of syllables, deterministic in `i`.
fn word(i: usize) -> String {
    const SYLLABLES: [&str; 24] =
        ["ка", "ло", "ми", "ну", "ре", "са", "то", "ви", "да", "же", "зо", "пы", "ру", "ше", "ча", "бо", "го", "ле", "мо", "ни", "по", "ст", "ва", "ко"];
    let mut w = String::new();
    let mut n = i + 24;
    while n > 0 {
        w.push_str(SYLLABLES[n % 24]);
        n /= 24;
    }
    w.push_str(["ть", "ние", "ный", "ка"][i % 4]);
    w
}

fn peak_mb() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
}

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let phrases = args.first().copied().unwrap_or(100_000);
    let words = args.get(1).copied().unwrap_or(5_000);
    let mut text = String::new();
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for r in 0..phrases.div_ceil(100) {
        let list: Vec<String> = (0..100.min(phrases - r * 100))
            .map(|_| {
                let len = 2 + next(2);
                (0..len).map(|_| word(next(words))).collect::<Vec<_>>().join(" ")
            })
            .collect();
        text.push_str(&format!(
            "[[rule]]\nid = \"r{r}\"\ncategory = \"banned\"\nkind = \"banned\"\nmessage = \"m\"\nphrases = [{}]\ntests.hit = [\"{}\"]\n\n",
            list.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", "),
            list[0]
        ));
    }
    let source = Source { path: PathBuf::from("large.toml"), text };
    let started = Instant::now();
    let (set, unused) = RuleSet::in_use(&[source], Some(Lang::Ru), &Vars::new()).expect("loads");
    let secs = started.elapsed().as_secs_f64();
    println!(
        "{phrases} phrases over {words} words in {} rules: loaded in {secs:.2} s, peak {:.0} MB ({} examples failing)",
        set.rules.len(),
        peak_mb(),
        unused.len()
    );
}
