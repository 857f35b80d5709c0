//! The QA report, opened in a real browser (headless Chromium): the
//! generated calls (the recorded test calls, heard by the base model, and
//! the varied set's transcripts) checked with metadata from a call
//! recorder's export, several operators over several days.
//!
//! Needs what `scripts/setup.sh` makes: the models, `target/test-calls/`,
//! `chromium`.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::browser::Browser;
use support::{events, model, need, root};

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sufler-report-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn sufler(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sufler")).args(args).current_dir(root()).output().expect("sufler runs")
}

/// A call recorder's export for the calls of `files`: four operators in
/// two teams over three days.
fn export(files: &[PathBuf], to: &Path) {
    let operators = [("Анна", "Б1"), ("Пётр", "Б1"), ("Мария", "Б2"), ("Иван", "Б2")];
    let mut csv = String::from("file,operator,team,date,time,queue\n");
    for (i, f) in files.iter().enumerate() {
        let (operator, team) = operators[i % 4];
        let name = f.strip_prefix(root()).unwrap_or(f).display().to_string();
        csv.push_str(&format!("{name},{operator},{team},2026-11-{},{:02}:{:02},{}\n", 28 + i % 3, 9 + i % 8, i % 60, ["продажи", "возвраты"][i % 2]));
    }
    std::fs::write(to, csv).unwrap();
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == ext)).collect();
    all.sort();
    all
}

/// The results' calls as the JSON lines tell them: summary and standing flags.
struct Truth {
    summaries: Vec<Value>,
    flags: BTreeMap<String, usize>,
}

fn truth(records: &[Value]) -> Truth {
    let mut flags: BTreeMap<String, usize> = BTreeMap::new();
    for r in records {
        let call = r["call"].as_str().unwrap_or("").to_string();
        match r["type"].as_str() {
            Some("violation" | "alert") => *flags.entry(call).or_default() += 1,
            Some("withdrawn") => *flags.entry(call).or_default() -= 1,
            _ => {}
        }
    }
    Truth { summaries: records.iter().filter(|r| r["type"] == "call_summary").cloned().collect(), flags }
}

#[test]
fn the_report_of_the_generated_calls_in_a_browser() {
    model(sufler::settings::WHISPER_MODEL);
    need(&root().join("target/test-calls/labels.json"));
    let dir = tempdir("generated");
    let varied = dir.join("varied");
    let made = Command::new("python3").arg(root().join("scripts/varied_calls.py")).arg(&varied).arg("--text-only").output().unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let audio: Vec<PathBuf> = ["clean", "phone"].iter().flat_map(|d| files(&root().join("target/test-calls").join(d), "wav")).collect();
    let texts = files(&varied.join("text/ru"), "txt");
    export(&[audio.clone(), texts.clone()].concat(), &dir.join("export.csv"));

    // Checked as QA would: the recordings, then the transcripts, into one file.
    let results = dir.join("results.jsonl");
    let mut lines = String::new();
    let common = ["check", "--config", "samples/sufler.toml", "--format", "jsonl", "--meta-file"];
    let run = |extra: Vec<String>| {
        let mut args: Vec<String> = common.iter().map(|s| s.to_string()).collect();
        args.push(dir.join("export.csv").display().to_string());
        args.extend(extra);
        let out = sufler(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert!(matches!(out.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&out.stderr));
        out
    };
    let heard = run(vec!["target/test-calls/clean".into(), "target/test-calls/phone".into()]);
    let read = run(std::iter::once("--transcript".to_string()).chain(texts.iter().map(|t| t.display().to_string())).collect());
    for out in [&heard, &read] {
        lines.push_str(&String::from_utf8_lossy(&out.stdout));
    }
    // A results file made by hand to put markup into the page: it must show as text.
    let crafted = [
        // An utterance heard in a failed decoding among others.
        r#"{"type":"transcript","call":"<b>crafted</b>.wav","operator":"<img src=x onerror=alert(1)>","utterances":[{"speaker":"operator","start":0.1,"end":0.4,"text":"Добрый день"},{"speaker":"operator","start":0.5,"end":2.0,"text":"Это так всем не было, я так не могу","guessed":true},{"speaker":"client","start":2.5,"end":3.0,"text":"Алло"}]}"#,
        r#"{"type":"violation","call":"<b>crafted</b>.wav","operator":"<img src=x onerror=alert(1)>","rule":"ne-znayu","category":"banned","speaker":"operator","start":"1\" onmouseover=\"alert(2)","end":2.0,"text":"<img src=y>","kind":"banned","severity":"error","weight":5.0,"message":"<script>alert(3)</script>","suggest":""}"#,
        r#"{"type":"call_summary","call":"<b>crafted</b>.wav","operator":"<img src=x onerror=alert(1)>","lang":"ru","scored":true,"score":95.0,"violations":"<img src=z>","alerts":0,"duration":10.0,"operator_words":3,"client_words":0,"met":[],"missing":[]}"#,
    ];
    for line in crafted {
        lines.push_str(line);
        lines.push('\n');
    }
    std::fs::write(&results, &lines).unwrap();
    let crafted: Vec<Value> = crafted.iter().map(|l| serde_json::from_str(l).unwrap()).collect();
    let records: Vec<Value> = [events(&heard), events(&read), crafted].concat();
    let truth = truth(&records);
    assert_eq!(truth.summaries.len(), audio.len() + texts.len() + 1);

    let page = dir.join("report.html");
    let out = sufler(&["report", results.to_str().unwrap(), "-o", page.to_str().unwrap(), "--csv", dir.join("csv").to_str().unwrap()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    // The summary's numbers are the results'.
    // A call's score is its scorecard's, else the rules' weights' (a call checked with no card).
    let scores: Vec<f64> = truth.summaries.iter().filter_map(|s| s["scorecard"]["score"].as_f64().or(s["score"].as_f64())).collect();
    let verdicts: Vec<bool> = truth.summaries.iter().filter_map(|s| s["scorecard"]["passed"].as_bool()).collect();
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    let pass_rate = verdicts.iter().filter(|p| **p).count() as f64 / verdicts.len() as f64;
    let violations = records.iter().filter(|r| r["type"] == "violation").count();
    let mut browser = Browser::launch(&dir.join("profile"));
    let url = format!("file://{}", page.display());
    browser.open(&url);
    let stat = |b: &mut Browser, key: &str| b.eval(&format!("document.querySelector('[data-stat={key}]').textContent")).as_str().unwrap().to_string();
    assert_eq!(stat(&mut browser, "calls"), truth.summaries.len().to_string());
    // The page rounds in JavaScript, the test in Rust: a mean on a .x5 boundary may go either way.
    let shown: f64 = stat(&mut browser, "mean_score").parse().unwrap();
    assert!((shown - mean).abs() <= 0.05 + 1e-9, "mean score shown {shown}, results' {mean}");
    assert_eq!(stat(&mut browser, "pass_rate"), format!("{} %", (pass_rate * 100.0).round()));
    assert_eq!(stat(&mut browser, "violations"), violations.to_string());
    // Every operator, with their calls.
    let operators = browser.eval("[...document.querySelectorAll('table.groups')].pop().querySelectorAll('tr').length - 1");
    assert_eq!(operators, 5);
    let markup = |b: &mut Browser| b.eval("document.querySelectorAll('main img, main script, [onmouseover], [onerror]').length");
    assert_eq!(markup(&mut browser), 0, "markup from the results");
    let summary_png = browser.screenshot();

    // Every call: each flag on its timeline and in its transcript.
    let calls = truth.summaries.len();
    for i in 0..calls {
        browser.eval(&format!("location.hash = '#/call/{i}'; new Promise(r => setTimeout(r, 0))"));
        let call = browser.eval("document.querySelector('main p.meta').textContent");
        let call = call.as_str().unwrap();
        let want = truth.flags.get(call).copied().unwrap_or(0);
        let on = |b: &mut Browser, part: &str| {
            b.eval(&format!("[...new Set([...document.querySelectorAll('{part} [data-flag]')].map(e => e.dataset.flag))].length"))
        };
        assert_eq!(on(&mut browser, ".timeline"), want, "{call}: timeline");
        assert_eq!(on(&mut browser, ".transcript"), want, "{call}: transcript");
        assert_eq!(browser.eval("document.querySelectorAll('.transcript [data-flag]').length"), want, "{call}: each flag once in the transcript");
        assert_eq!(markup(&mut browser), 0, "{call}: markup from the results");
    }

    // Words heard in a failed decoding are shown apart, saying why.
    let crafted = truth.summaries.iter().position(|s| s["call"] == "<b>crafted</b>.wav").unwrap();
    browser.eval(&format!("location.hash = '#/call/{crafted}'; new Promise(r => setTimeout(r, 0))"));
    let guessed = browser.eval("[...document.querySelectorAll('.transcript .guessed')].map(e => [e.textContent, e.title])");
    assert_eq!(guessed, serde_json::json!([["Это так всем не было, я так не могу", "расслышано ненадёжно: запрещённые фразы оператора здесь не отмечаются"]]));

    // A click on a flag plays the recording from where it was said.
    let with_audio = truth.summaries.iter().position(|s| s["call"].as_str().unwrap().ends_with("02-banned.wav")).unwrap();
    browser.eval(&format!("location.hash = '#/call/{with_audio}'; new Promise(r => setTimeout(r, 0))"));
    let ready = browser.eval("new Promise(r => { const a = document.querySelector('audio'); if (a.readyState >= 1) r(a.duration); else { a.addEventListener('loadedmetadata', () => r(a.duration)); a.addEventListener('error', () => r(-1)); } })");
    assert!(ready.as_f64().unwrap() > 20.0, "the recording plays: {ready}");
    let flags = browser.eval("[...document.querySelectorAll('.timeline .flag')].map(f => Number(f.dataset.start))");
    for (k, start) in flags.as_array().unwrap().iter().enumerate() {
        let at = browser.eval(&format!(
            "document.querySelectorAll('.timeline .flag')[{k}].dispatchEvent(new MouseEvent('click', {{bubbles: true}})); document.querySelector('audio').currentTime"
        ));
        assert!((at.as_f64().unwrap() - start.as_f64().unwrap()).abs() < 0.01, "flag {k}: audio at {at}, flag at {start}");
    }
    let call_png = browser.screenshot();

    // Nothing was asked of anywhere but the disk.
    assert!(!browser.requests.is_empty());
    let away: Vec<&String> = browser.requests.iter().filter(|u| !u.starts_with("file://") && !u.starts_with("data:")).collect();
    assert!(away.is_empty(), "{away:?}");

    // For the record (and the notes).
    std::fs::write(root().join("target/report-summary.png"), summary_png).unwrap();
    std::fs::write(root().join("target/report-call.png"), call_png).unwrap();
    let csv = std::fs::read_to_string(dir.join("csv/calls.csv")).unwrap();
    assert_eq!(csv.lines().count(), calls + 1);
}
