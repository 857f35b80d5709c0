//! A day's store of CALLS short transcripts (default 10,000: the varied
//! set's 30 Russian calls, copied under 40 operators' folders) re-scored
//! in one run, then in SHARES shares one after another (each would be a
//! worker of its own), and the shares merged: the time of each, and that
//! the merged results equal the single run's.
//!
//! cargo bench --bench shards [-- CALLS SHARES]

use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use sufler::cmd::check::{self, Check};
use sufler::cmd::merge;
use sufler::report::{Format, Style, sink};
use sufler::settings::{self, Rules};
use sufler::shard::Shard;

fn main() {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let calls = args.first().copied().unwrap_or(10_000);
    let shares = args.get(1).copied().unwrap_or(4);
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("target/bench-shards");
    let _ = std::fs::remove_dir_all(&dir);
    let varied = dir.join("varied");
    assert!(Command::new("python3").arg(root.join("scripts/varied_calls.py")).arg(&varied).arg("--text-only").status().unwrap().success());
    let mut texts: Vec<PathBuf> =
        std::fs::read_dir(varied.join("text/ru")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "txt")).collect();
    texts.sort();
    let store = dir.join("store/2026-12-01");
    for i in 0..calls {
        let to = store.join(format!("operator-{:02}/call-{i:05}.txt", i % 40));
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(&texts[i % texts.len()], to).unwrap();
    }
    println!("{calls} transcripts in {}", store.display());

    let settings = Rules::resolve(None, None, &[("company".into(), "Ромашка".into()), ("operator_name".into(), "Анна".into())], None).unwrap();
    let (rules, _) = settings.load().unwrap();
    let check = |shard: Option<Shard>, results: PathBuf| Check {
        scorecard: settings::scorecard(None, &settings, &rules, None).unwrap(),
        shard,
        root: Some(store.clone()),
        results: Some(results),
        ..Check::transcripts(vec![store.clone()])
    };
    let run = |c: Check| {
        let started = Instant::now();
        let mut out = sink(Style { format: Format::Jsonl, ..Style::default() }, Box::new(std::io::sink()));
        let tally = check::run(&c, &rules, &mut *out).unwrap();
        (tally.calls, started.elapsed().as_secs_f64())
    };
    let (n, single) = run(check(None, dir.join("single")));
    println!("one run: {n} calls in {single:.2} s");
    let mut total = 0.0;
    for i in 0..shares {
        let (n, took) = run(check(Some(Shard { index: i, count: shares }), dir.join("shares")));
        total += took;
        println!("share {i}/{shares}: {n} calls in {took:.2} s");
    }
    println!("shares, one after another: {total:.2} s (the longest is a cluster's wall time)");
    let started = Instant::now();
    let mut merged = Vec::new();
    let outputs = merge::run(&[dir.join("shares")], &mut merged).unwrap();
    println!(
        "merge: {} calls, {} missing, {} doubled, {:.1} MB in {:.2} s",
        outputs.files.len(),
        outputs.missing.len(),
        outputs.doubled.len(),
        merged.len() as f64 / 1e6,
        started.elapsed().as_secs_f64()
    );
    let mut single_merged = Vec::new();
    merge::run(&[dir.join("single")], &mut single_merged).unwrap();
    println!("merged shares equal the single run's results: {}", merged == single_merged);
}
