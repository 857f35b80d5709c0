//! Load on `sufler serve`: K generated calls streamed at once in real
//! time over AudioSocket (a connection per leg), for each K, with the base
//! model on this machine's cores. For each K: the banned-phrase flags'
//! latency (from the end of the phrase, as `check` times it, to when the
//! flag left the pipeline) at p50/p95/max, the worst recognition lag seen
//! on `/metrics`, whether p95 stays within 2 s, and the server's peak
//! resident memory.
//!
//! `cargo bench --bench serve` (K = 1..6), or `-- 2 4 8` for others. Run
//! alone: whisper.cpp's threads spin, and other work skews the figures.

#[path = "../tests/support/pbx.rs"]
mod pbx;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use pbx::{Server, TOKEN, audiosocket_call, stereo, uuid_text};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Banned-phrase violations, as (call file's stem, rule, start, end, emitted_at).
fn banned(events: &[Value], call: &str) -> Vec<(String, String, f64, f64, Option<f64>)> {
    events
        .iter()
        .filter(|e| e["type"] == "violation" && e["kind"] == "banned")
        .map(|e| {
            (call.to_string(), e["rule"].as_str().unwrap().to_string(), e["start"].as_f64().unwrap(), e["end"].as_f64().unwrap(), e["emitted_at"].as_f64())
        })
        .collect()
}

fn pct(xs: &[f64], p: f64) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs[((p / 100.0 * (xs.len() - 1) as f64).round() as usize).min(xs.len() - 1)]
}

fn main() {
    let ks: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let ks = if ks.is_empty() { (1..=6).collect() } else { ks };
    let dir = root().join("target/test-calls/phone");
    let mut calls: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run scripts/setup.sh)", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "wav"))
        .collect();
    calls.sort();
    // Where `check` times each phrase's end.
    let out = Command::new(env!("CARGO_BIN_EXE_sufler"))
        .current_dir(root())
        .args(["check", "--config", "samples/sufler.toml", "--format", "jsonl"])
        .args(&calls)
        .output()
        .unwrap();
    let checked: Vec<Value> = String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let mut reference: HashMap<(String, String), Vec<(f64, f64)>> = HashMap::new();
    for c in &calls {
        let name = c.display().to_string();
        let stem = c.file_stem().unwrap().to_string_lossy().to_string();
        let of: Vec<Value> = checked.iter().filter(|e| e["call"].as_str() == Some(name.as_str())).cloned().collect();
        for (_, rule, start, end, _) in banned(&of, &stem) {
            reference.entry((stem.clone(), rule)).or_default().push((start, end));
        }
    }
    println!(
        "{} cores; calls of {} s on average",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        calls.iter().map(|c| stereo(c).0.len() as f64 / 8000.0).sum::<f64>() / calls.len() as f64
    );
    println!(
        "{:>3} {:>6} {:>8} {:>8} {:>8} {:>9} {:>8} {:>7} {:>12}",
        "K", "flags", "p50 s", "p95 s", "max s", "worst lag", "dropped", "p95≤2s", "peak memory"
    );
    for k in ks {
        let mut server = Server::start(&format!("bench-{k}"), &["--max-calls", &k.to_string()]);
        let mut latencies = Vec::new();
        let mut worst_lag: f64 = 0.0;
        // Rounds of K calls at once until every call was streamed once.
        for round in 0..calls.len().div_ceil(k) {
            let streams: Vec<(String, String, std::thread::JoinHandle<()>)> = (0..k)
                .map(|i| {
                    let n = round * k + i;
                    let path = &calls[n % calls.len()];
                    let (op, client) = stereo(path);
                    let mut uuid = [0u8; 16];
                    uuid[..8].copy_from_slice(&(n as u64 + 1).to_be_bytes());
                    let t = audiosocket_call(server.operator, server.client, uuid, (op, client));
                    (uuid_text(&uuid), path.file_stem().unwrap().to_string_lossy().to_string(), t)
                })
                .collect();
            let started = Instant::now();
            while streams.iter().any(|(_, _, t)| !t.is_finished()) && started.elapsed() < Duration::from_secs(600) {
                std::thread::sleep(Duration::from_millis(500));
                let (_, metrics) = server.get(&format!("/metrics?token={TOKEN}"));
                if let Some(v) = metrics.lines().find_map(|l| l.strip_prefix("sufler_lag_worst_seconds ")) {
                    worst_lag = worst_lag.max(v.parse().unwrap_or(0.0));
                }
            }
            for (id, stem, t) in streams {
                t.join().unwrap();
                let events = server.results_of(&id);
                for (stem, rule, start, end, emitted) in banned(&events, &stem) {
                    let near = reference
                        .get(&(stem.clone(), rule.clone()))
                        .and_then(|r| r.iter().filter(|(s, _)| (s - start).abs() < 2.0).min_by(|a, b| (a.0 - start).abs().total_cmp(&(b.0 - start).abs())));
                    let end = near.map_or(end, |(_, e)| *e);
                    latencies.push((emitted.expect("served flags are stamped") - end, stem, rule));
                }
            }
        }
        let (_, metrics) = server.get(&format!("/metrics?token={TOKEN}"));
        let dropped = metrics.lines().find_map(|l| l.strip_prefix("sufler_audio_dropped_total ")).unwrap_or("?").to_string();
        // The server's peak resident memory (Linux).
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap_or_default();
        let peak = status.lines().find_map(|l| l.strip_prefix("VmHWM:")).map_or("?".to_string(), |v| v.trim().to_string());
        assert!(server.terminate().success());
        latencies.sort_by(|a, b| a.0.total_cmp(&b.0));
        let slowest: Vec<String> = latencies.iter().rev().take(3).map(|(l, stem, rule)| format!("{stem} {rule} {l:.2} s")).collect();
        let latencies: Vec<f64> = latencies.into_iter().map(|(l, _, _)| l).collect();
        let p95 = pct(&latencies, 95.0);
        println!(
            "{k:>3} {:>6} {:>8.2} {:>8.2} {:>8.2} {:>9.2} {:>8} {:>7} {:>12}",
            latencies.len(),
            pct(&latencies, 50.0),
            p95,
            latencies.last().copied().unwrap_or(f64::NAN),
            worst_lag,
            dropped,
            if p95 <= 2.0 { "yes" } else { "no" },
            peak
        );
        println!("      slowest: {}", slowest.join(", "));
    }
}
