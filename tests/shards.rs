//! A batch split over a cluster's workers, run here as three processes
//! with the variables the schedulers set: each takes its share, writes each
//! call's results by the call's name, and the merged shares equal one run.
//!
//! Needs what `scripts/setup.sh` makes: the models, `target/test-calls/`.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use support::{model, need, root};

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sufler-shards-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `sufler` with only the given scheduler variables set.
fn sufler(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_sufler"));
    cmd.args(args).current_dir(root());
    for var in ["JOB_COMPLETION_INDEX", "JOB_COMPLETIONS", "SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().copied());
    let out = cmd.output().expect("sufler runs");
    assert!(matches!(out.status.code(), Some(0 | 1)), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Each call's lines, by call.
fn by_call(jsonl: &str) -> BTreeMap<String, Vec<String>> {
    let mut calls: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in jsonl.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        calls.entry(v["call"].as_str().unwrap().to_string()).or_default().push(line.to_string());
    }
    calls
}

/// Which share listed each call.
fn shares(results: &Path) -> BTreeMap<String, u64> {
    let mut owner = BTreeMap::new();
    for entry in std::fs::read_dir(results.join(".shards")).unwrap() {
        let list: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap()).unwrap();
        for call in list["calls"].as_array().unwrap() {
            assert!(owner.insert(call.as_str().unwrap().to_string(), list["shard"].as_u64().unwrap()).is_none(), "{call} in two shares");
        }
    }
    owner
}

/// The three schedulers' ways of naming share I of 3.
fn scheduler(i: usize) -> Vec<(&'static str, String)> {
    match i {
        0 => vec![("JOB_COMPLETION_INDEX", "0".into()), ("JOB_COMPLETIONS", "3".into())],
        1 => vec![("SLURM_ARRAY_TASK_ID", "1".into()), ("SLURM_ARRAY_TASK_COUNT", "3".into())],
        _ => vec![("SLURM_ARRAY_TASK_ID", "3".into()), ("SLURM_ARRAY_TASK_MIN", "1".into()), ("SLURM_ARRAY_TASK_MAX", "3".into())],
    }
}

#[test]
fn three_shares_merged_are_one_run() {
    model(sufler::settings::WHISPER_MODEL);
    need(&root().join("target/test-calls/labels.json"));
    let dir = tempdir("batch");
    let store = dir.join("store");
    // A day's store: some recordings, some typed calls.
    std::fs::create_dir_all(store.join("audio")).unwrap();
    for name in ["01-model.wav", "02-banned.wav", "04-conflict.wav", "08-rude-operator.wav"] {
        std::fs::copy(root().join("target/test-calls/clean").join(name), store.join("audio").join(name)).unwrap();
    }
    let made = Command::new("python3").arg(root().join("scripts/varied_calls.py")).arg(dir.join("varied")).arg("--text-only").output().unwrap();
    assert!(made.status.success());
    std::fs::create_dir_all(store.join("text")).unwrap();
    for entry in std::fs::read_dir(dir.join("varied/text/ru")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "txt") {
            std::fs::copy(&path, store.join("text").join(path.file_name().unwrap())).unwrap();
        }
    }
    let s = |p: &Path| p.display().to_string();
    let args = |results: &Path| {
        [
            "check",
            "--config",
            "samples/sufler.toml",
            "--format",
            "jsonl",
            "--root",
            &s(&store),
            "--results",
            &s(results),
            &s(&store.join("audio")),
            "--transcript",
            &s(&store.join("text")),
        ]
        .map(str::to_string)
        .to_vec()
    };
    let run = |args: &[String], env: &[(&str, String)]| {
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        sufler(&args.iter().map(String::as_str).collect::<Vec<_>>(), &env)
    };

    // One run, and three shares into one results folder.
    let single = run(&args(&dir.join("single")), &[]);
    let single = by_call(&String::from_utf8(single.stdout).unwrap());
    assert_eq!(single.len(), 4 + 30);
    let mut from_shares = BTreeMap::new();
    for i in 0..3 {
        let out = run(&args(&dir.join("shared")), &scheduler(i));
        let calls = by_call(&String::from_utf8(out.stdout).unwrap());
        assert!(!calls.is_empty() && calls.len() < single.len(), "share {i}: {} calls", calls.len());
        from_shares.extend(calls);
    }
    assert_eq!(from_shares, single, "the shares' own output");

    // Merged from the results files: the same, call by call, in the batch's order.
    let merged = Command::new(env!("CARGO_BIN_EXE_sufler")).args(["merge", &s(&dir.join("shared"))]).output().unwrap();
    assert_eq!(merged.status.code(), Some(0), "{}", String::from_utf8_lossy(&merged.stderr));
    assert_eq!(String::from_utf8_lossy(&merged.stderr), "34 calls from 3 shares (shares: 0-of-3, 1-of-3, 2-of-3): 0 missing, 0 doubled\n");
    let merged = String::from_utf8(merged.stdout).unwrap();
    assert_eq!(by_call(&merged), single);
    let single_file = Command::new(env!("CARGO_BIN_EXE_sufler")).args(["merge", &s(&dir.join("single"))]).output().unwrap();
    assert_eq!(String::from_utf8(single_file.stdout).unwrap(), merged, "the same bytes as one run's results files");

    // A share that did not run: its calls are missing, and named.
    let owner = shares(&dir.join("shared"));
    std::fs::rename(dir.join("shared/.shards/1-of-3.json"), dir.join("one-list.json")).unwrap();
    let gone: Vec<&String> = owner.iter().filter(|(_, s)| **s == 1).map(|(c, _)| c).collect();
    for call in &gone {
        std::fs::remove_file(dir.join("shared").join(format!("{call}.jsonl"))).unwrap();
    }
    let partial = Command::new(env!("CARGO_BIN_EXE_sufler")).args(["merge", &s(&dir.join("shared"))]).output().unwrap();
    assert_eq!(partial.status.code(), Some(2));
    let told = String::from_utf8(partial.stderr).unwrap();
    assert!(told.starts_with(&format!("{} calls from 2 shares (shares: 0-of-3, 2-of-3): {} missing, 0 doubled\n", 34 - gone.len(), gone.len())), "{told}");
    assert!(gone.iter().all(|c| told.contains(&format!("missing: {c}\n"))), "{told}");

    // A new call in the store moves no other between shares.
    std::fs::write(store.join("text/zz-new.txt"), "operator: Здравствуйте\n").unwrap();
    let texts = |results: &Path| {
        ["check", "--format", "jsonl", "--root", &s(&store), "--results", &s(results), "--transcript", &s(&store.join("text"))].map(str::to_string).to_vec()
    };
    for i in 0..3 {
        run(&texts(&dir.join("after")), &scheduler(i));
    }
    let after = shares(&dir.join("after"));
    assert_eq!(after.len(), 31);
    for (call, share) in owner.iter().filter(|(c, _)| c.starts_with("text/")) {
        assert_eq!(after[call], *share, "{call} moved");
    }
}
