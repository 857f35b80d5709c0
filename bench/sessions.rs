//! Memory of live calls side by side: `N` sessions (each with its own
//! Whisper state and voice detector, each having heard an utterance) on
//! one shared model, in this process. Two calls in two processes are
//! counted as twice what `sessions 1` prints.
//!
//! cargo bench --bench sessions -- 2

use std::sync::Arc;

use sufler::settings;
use sufler_core::call::Speaker;
use sufler_core::text::Lang;
use sufler_hear::asr::{Model, Options};
use sufler_hear::audio;

/// Resident memory and its peak, in MB (`/proc/self/status`).
fn memory() -> (f64, f64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status.lines().find(|l| l.starts_with(name)).and_then(|l| l.split_whitespace().nth(1)).and_then(|kb| kb.parse::<f64>().ok()).unwrap_or(0.0) / 1024.0
    };
    (field("VmRSS:"), field("VmHWM:"))
}

fn main() {
    let n: usize = std::env::args().skip(1).find(|a| !a.starts_with('-')).and_then(|a| a.parse().ok()).unwrap_or(2);
    let model = Arc::new(
        Model::load(Options {
            model: settings::model(None, settings::WHISPER_MODEL),
            vad_model: settings::model(None, settings::VAD_MODEL),
            lang: Lang::Ru,
            threads: 2,
            vad_threshold: 0.2,
            vocabulary: Vec::new(),
        })
        .expect("the model loads (scripts/setup.sh)"),
    );
    let loaded = memory();
    let call = audio::load(std::path::Path::new("samples/call-ru.wav"), Default::default(), |s| s == Speaker::Operator).expect("the sample");
    let clip = &call.operator[..16_000 * 4];
    let mut sessions = Vec::new();
    for _ in 0..n {
        let mut session = model.session().expect("a session");
        session.utterance(clip, 0.0, true).expect("heard");
        sessions.push(session);
    }
    let (rss, peak) = memory();
    println!(
        "{n} session(s) on one model: model loaded {:.0} MB; with the sessions {rss:.0} MB (peak {peak:.0} MB), {:.0} MB a session",
        loaded.0,
        (rss - loaded.0) / n as f64
    );
}
