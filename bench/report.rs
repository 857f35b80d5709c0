//! `sufler report` over a large batch: CALLS calls' results (default
//! 10,000; the varied set's transcripts checked once, then repeated under
//! other names, operators and days), the time to write the page and the
//! CSV files, the page's size, and how long headless Chromium takes to
//! open its summary and its last call.
//!
//! cargo bench --bench report [-- CALLS]

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use serde_json::Value;

use sufler::cmd::check::{self, Check};
use sufler::cmd::report::{self, Report};
use sufler::report::{Format, Style, sink};
use sufler::settings::Rules;

// Only the part of the test driver that opens pages is used here.
#[allow(dead_code)]
#[path = "../tests/support/browser.rs"]
mod browser;

fn main() {
    let calls: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(10_000);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-report");
    std::fs::create_dir_all(&dir).unwrap();
    let varied = dir.join("varied");
    let made = Command::new("python3").arg(root.join("scripts/varied_calls.py")).arg(&varied).arg("--text-only").status().unwrap();
    assert!(made.success());
    let texts: Vec<PathBuf> = {
        let mut t: Vec<PathBuf> =
            std::fs::read_dir(varied.join("text/ru")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
        t.sort();
        t
    };

    // The varied calls checked once, as `check --format jsonl` writes them.
    let settings = Rules::resolve(None, None, &[("company".into(), "Ромашка".into()), ("operator_name".into(), "Анна".into())], None).unwrap();
    let (rules, _) = settings.load().unwrap();
    let mut check = Check::transcripts(texts);
    check.scorecard = sufler::settings::scorecard(None, &settings, &rules, None).unwrap();
    let mut out = Vec::new();
    {
        let mut s = sink(Style { format: Format::Jsonl, ..Style::default() }, Box::new(&mut out));
        check::run(&check, &rules, &mut *s).unwrap();
    }
    let records: Vec<Value> = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<String> = records.iter().filter(|r| r["type"] == "call_summary").map(|r| r["call"].as_str().unwrap().to_string()).collect();

    // Repeated to CALLS calls: 40 operators in 8 teams over 7 days.
    let results = dir.join("results.jsonl");
    let mut text = String::new();
    for i in 0..calls {
        let id = &ids[i % ids.len()];
        for r in records.iter().filter(|r| r["call"] == id.as_str()) {
            let mut r = r.clone();
            r["call"] = Value::String(format!("calls/2026-11-{:02}/call-{i:05}.wav", 23 + i % 7));
            r["operator"] = Value::String(format!("Оператор {:02}", i % 40));
            r["team"] = Value::String(format!("Команда {}", i % 8));
            r["call_start"] = Value::String(format!("2026-11-{:02} {:02}:{:02}", 23 + i % 7, 9 + i % 9, i % 60));
            text.push_str(&serde_json::to_string(&r).unwrap());
            text.push('\n');
        }
    }
    std::fs::write(&results, &text).unwrap();
    println!("{calls} calls' results: {:.1} MB of JSON lines", text.len() as f64 / 1e6);

    let page = dir.join("report.html");
    let started = Instant::now();
    let written = report::run(&Report { results: vec![results], out: page.clone(), csv: Some(dir.join("csv")), embed_audio: false }).unwrap();
    let took = started.elapsed().as_secs_f64();
    let size = std::fs::metadata(&page).unwrap().len() as f64 / 1e6;
    println!("report: {} calls, {} operators in {took:.2} s; page {size:.1} MB", written.calls, written.operators);

    // As someone opening it would wait: until the page has loaded and
    // drawn the summary, then until a call's view is drawn.
    let mut browser = browser::Browser::launch(&dir.join("profile"));
    let started = Instant::now();
    browser.open(&format!("file://{}", page.display()));
    let shown = browser.eval("document.querySelector('[data-stat=calls]').textContent");
    println!("chromium: the summary shown in {:.2} s ({shown} calls)", started.elapsed().as_secs_f64());
    for view in [format!("call/{}", calls - 1), "calls/100".to_string(), "operator/Оператор 07".to_string()] {
        let started = Instant::now();
        browser.eval(&format!("location.hash = '#/{view}'; new Promise(r => setTimeout(r, 0))"));
        let rows = browser.eval("document.querySelectorAll('main tr, main .utt').length");
        println!("chromium: #/{view} shown in {:.3} s ({rows} rows)", started.elapsed().as_secs_f64());
    }
}
