//! Live mode end to end with the real Whisper base model: the bundled
//! sample call replayed in real time (JSON lines), piped in as raw PCM, and
//! shown on the operator's screen driven through `tmux`.
//!
//! Needs what `scripts/setup.sh` makes (models, `tmux`, `sox`).

mod support;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use support::{events, found, model, root};

/// The tests take turns: two whisper.cpp recognisers on two cores slow each
/// other down many times over (their threads spin while they wait).
static WHISPER: Mutex<()> = Mutex::new(());

const SAMPLE: &str = "samples/call-ru.wav";

fn sufler() -> Command {
    model(sufler::settings::WHISPER_MODEL);
    let mut c = Command::new(env!("CARGO_BIN_EXE_sufler"));
    c.current_dir(root());
    c
}

fn batch() -> Output {
    sufler().args(["check", "--config", "samples/sufler.toml", "--format", "jsonl", SAMPLE]).output().unwrap()
}

fn banned_with_times(events: &[serde_json::Value]) -> Vec<(String, f64, f64, f64)> {
    events
        .iter()
        .filter(|e| e["type"] == "violation" && e["kind"] == "banned")
        .map(|e| (e["rule"].as_str().unwrap().to_string(), e["start"].as_f64().unwrap(), e["end"].as_f64().unwrap(), e["emitted_at"].as_f64().unwrap()))
        .collect()
}

#[test]
fn a_replayed_call_gets_the_flags_of_the_batch_check_each_stamped() {
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let live = sufler().args(["live", "--replay", SAMPLE, "--config", "samples/sufler.toml", "--format", "jsonl"]).output().unwrap();
    assert_eq!(live.status.code(), Some(1), "{}", String::from_utf8_lossy(&live.stderr));
    let (live, batch) = (events(&live), events(&batch()));
    let (l, b) = (found(&live, SAMPLE), found(&batch, SAMPLE));
    // Live recognition hears growing clips and commits words early: it may
    // miss what the batch heard, but not by more than one phrase in this
    // call, and it flags nothing the batch did not.
    let (l, b) = (&l["banned"], &b["banned"]);
    assert!(l.iter().all(|r| b.contains(r)), "live {l:?}, batch {b:?}");
    assert!(l.len() + 1 >= b.len() && b.len() >= 4, "live {l:?}, batch {b:?}");
    // Nothing is flagged before it was said, and the clock is audio time:
    // the last event leaves after the call's last word.
    for (rule, start, _, emitted) in banned_with_times(&live) {
        assert!(emitted >= start, "{rule} flagged at {emitted} before it began at {start}");
    }
    let summary = live.last().unwrap();
    assert_eq!(summary["type"], "call_summary");
    assert!(live.iter().filter_map(|e| e["emitted_at"].as_f64()).all(|t| t < summary["duration"].as_f64().unwrap() + 30.0));
}

#[test]
fn raw_pcm_on_standard_input_is_checked_like_the_file() {
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let pcm = Command::new("sox").args([SAMPLE, "-t", "raw", "-e", "signed", "-b", "16", "-L", "-"]).current_dir(root()).output().unwrap();
    assert!(pcm.status.success(), "sox: {}", String::from_utf8_lossy(&pcm.stderr));
    let mut child = sufler()
        .args(["live", "--stdin", "--rate", "8000", "--channels", "2", "--config", "samples/sufler.toml", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // Paced like a phone line at four times its speed: 100 ms every 25 ms.
    let writer = std::thread::spawn(move || {
        for chunk in pcm.stdout.chunks(8000 * 2 * 2 / 10) {
            stdin.write_all(chunk).unwrap();
            std::thread::sleep(Duration::from_millis(25));
        }
    });
    writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    let (live, batch) = (events(&out), events(&batch()));
    let (l, b) = (&found(&live, "stdin")["banned"], &found(&batch, SAMPLE)["banned"]);
    assert!(l.iter().all(|r| b.contains(r)) && l.len() + 1 >= b.len(), "live {l:?}, batch {b:?}");
}

/// A terminal, by tmux: the screen as text, keys sent to it.
struct Tmux {
    session: String,
}

impl Tmux {
    fn start(command: &str) -> Tmux {
        let session = format!("sufler-test-{}", std::process::id());
        let root = root();
        let ok = Command::new("tmux")
            .args(["new-session", "-d", "-s", &session, "-x", "140", "-y", "40", "-c", root.to_str().unwrap(), command])
            .env("LANG", "C.UTF-8")
            .env("LC_ALL", "C.UTF-8")
            .status()
            .expect("tmux runs (scripts/setup.sh installs it)");
        assert!(ok.success());
        Tmux { session }
    }

    fn screen(&self) -> String {
        let out = Command::new("tmux").args(["capture-pane", "-p", "-t", &self.session]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn keys(&self, keys: &str) {
        assert!(Command::new("tmux").args(["send-keys", "-t", &self.session, keys]).status().unwrap().success());
    }

    fn alive(&self) -> bool {
        Command::new("tmux").args(["has-session", "-t", &self.session]).stderr(Stdio::null()).status().unwrap().success()
    }

    /// Waits (up to two minutes) until the screen shows all of `what`.
    fn wait_for(&self, what: &[&str]) -> String {
        let start = Instant::now();
        loop {
            let screen = self.screen();
            if what.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            assert!(start.elapsed() < Duration::from_secs(120), "never showed {what:?}; the screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(300));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux").args(["kill-session", "-t", &self.session]).stderr(Stdio::null()).status();
    }
}

#[test]
fn the_operator_screen_ticks_the_checklist_and_shows_alerts_with_suggestions() {
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let bin = env!("CARGO_BIN_EXE_sufler");
    let tmux = Tmux::start(&format!("{bin} live --replay {SAMPLE} --config samples/sufler.toml"));
    // An alert with what to say instead; a step still waiting.
    let screen = tmux.wait_for(&["Скажите: «"]);
    assert!(screen.contains("[ ] "), "{screen}");
    let alert = screen.lines().find(|l| l.contains("» ")).map(|l| l.split('│').filter(|p| p.contains("» ")).collect::<String>()).unwrap();
    // `n` starts a new call: alerts and checklist start afresh.
    tmux.keys("n");
    let screen = tmux.wait_for(&["call-ru.wav#2"]);
    assert!(!screen.contains(alert.trim()), "{alert} still shown:\n{screen}");
    // The call ends: what was heard of the script is ticked, the rest red.
    let screen = tmux.wait_for(&["call ended", "[x] ", "[!] "]);
    assert!(screen.contains("operator"), "the transcript pane shows the operator's words:\n{screen}");
    tmux.keys("q");
    let start = Instant::now();
    while tmux.alive() {
        assert!(start.elapsed() < Duration::from_secs(10), "q did not quit:\n{}", tmux.screen());
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn two_live_calls_in_one_process_share_one_model() {
    use std::sync::Arc;
    use sufler::cmd::live::{self, Live, Output, Source};
    use sufler::report::{Format, Style, sink};
    use sufler::settings::Rules;

    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let settings = Rules::resolve(None, None, &[], Some(&root().join("samples/sufler.toml"))).unwrap();
    let hearing = sufler::cli::AsrOpts::default_hearing(&settings, 1);
    let rules = Arc::new(settings.load().unwrap().0);
    let model = Arc::new(sufler_hear::asr::Model::load(hearing.options(rules.lang)).unwrap());
    let sample = root().join(SAMPLE);
    let call =
        |name: &str| Live { source: Source::Replay { path: sample.clone(), speed: 2.0 }, channels: Default::default(), call: name.to_string(), redact: true };
    let (a, b) = (call("a"), call("b"));
    let (mut out_a, mut out_b) = (Vec::new(), Vec::new());
    std::thread::scope(|s| {
        for (live, out) in [(&a, &mut out_a), (&b, &mut out_b)] {
            let (rules, model) = (rules.clone(), &model);
            s.spawn(move || {
                let output = Output::Sink(sink(Style { format: Format::Jsonl, ..Style::default() }, Box::new(out)));
                live::run(live, rules, model, output, std::future::pending()).unwrap()
            });
        }
    });
    assert_eq!(Arc::strong_count(&model), 1, "the sessions let the model go");
    let batch = found(&events(&batch()), SAMPLE);
    for (name, out) in [("a", out_a), ("b", out_b)] {
        let lines: Vec<serde_json::Value> = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        let summary = lines.iter().find(|e| e["type"] == "call_summary").unwrap_or_else(|| panic!("call {name} has no summary"));
        assert_eq!(summary["call"], name);
        // Each call heard on its own: what it flags is the batch's, and
        // most of it (the two share two cores with each other).
        let l = &found(&lines, name)["banned"];
        let b = &batch["banned"];
        assert!(l.iter().all(|r| b.contains(r)) && l.len() >= 2, "call {name}: live {l:?}, batch {b:?}");
    }
}

#[test]
fn sigint_during_live_ends_the_call_with_its_summary() {
    let _turn = WHISPER.lock().unwrap_or_else(|e| e.into_inner());
    let pcm = Command::new("sox").args([SAMPLE, "-t", "raw", "-e", "signed", "-b", "16", "-L", "-"]).current_dir(root()).output().unwrap();
    let mut child = sufler()
        .args(["live", "--stdin", "--rate", "8000", "--channels", "2", "--config", "samples/sufler.toml", "--format", "jsonl"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The first 12 s of the call (its greeting), then the line stays open.
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(&pcm.stdout[..8000 * 2 * 2 * 12]).unwrap();
    std::thread::sleep(Duration::from_secs(3));
    let interrupted = Instant::now();
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let out = child.wait_with_output().unwrap();
    let waited = interrupted.elapsed();
    drop(stdin);
    assert!(waited < Duration::from_secs(60), "took {waited:?} to end");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    let events = events(&out);
    let summary = events.last().expect("events");
    assert_eq!(summary["type"], "call_summary", "{events:?}");
    // What was heard before the interruption counts: the greeting's steps.
    assert!(summary["met"].as_array().unwrap().iter().any(|m| m.as_str().unwrap().starts_with("greeting.")), "{summary}");
    assert!(summary["duration"].as_f64().unwrap() >= 10.0, "{summary}");
}
