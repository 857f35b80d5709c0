//! A share of a batch, for a cluster's workers: `check --shard I/N` (or
//! what a scheduler tells: a Kubernetes Indexed Job's
//! `JOB_COMPLETION_INDEX`, a Slurm array's `SLURM_ARRAY_TASK_*`) keeps
//! the calls whose path below the batch's root hashes to `I` of `N`. Each
//! call's share is its own: adding a file to the store moves no other.
//!
//! The shares' outputs ([`Outputs`]): each call's results in a file named
//! by the call, and each share's list of the batch's calls and its own,
//! gathered back by `sufler merge` and `sufler report`, which tell the
//! calls missing or doubled.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One share of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// `I/N`, counted from 0.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || Error::Usage(format!("--shard `{text}`: write it as I/N, the share I (from 0) of N, e.g. 0/4"));
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (i.trim().parse().map_err(|_| bad())?, n.trim().parse().map_err(|_| bad())?);
        Shard::new(index, count, "--shard")
    }

    fn new(index: usize, count: usize, from: &str) -> Result<Shard> {
        if count == 0 || index >= count {
            return Err(Error::Usage(format!("{from}: share {index} of {count} does not exist (shares are 0 to N-1, N at least 1)")));
        }
        Ok(Shard { index, count })
    }

    /// The share a scheduler gave this process, if any: a Kubernetes
    /// Indexed Job's `JOB_COMPLETION_INDEX` with `JOB_COMPLETIONS` (set it
    /// to the Job's `completions`: Kubernetes does not pass the count), or
    /// a Slurm array's `SLURM_ARRAY_TASK_ID` with `SLURM_ARRAY_TASK_COUNT`
    /// (else `SLURM_ARRAY_TASK_MIN`/`MAX`, for arrays such as `--array=1-8`).
    pub fn from_env(var: impl Fn(&str) -> Option<String>) -> Result<Option<Shard>> {
        let num = |name: &str| -> Result<Option<usize>> {
            match var(name).filter(|v| !v.is_empty()) {
                None => Ok(None),
                Some(v) => v.trim().parse().map(Some).map_err(|_| Error::Usage(format!("{name}={v}: not a whole number"))),
            }
        };
        if let Some(index) = num("JOB_COMPLETION_INDEX")? {
            let count = num("JOB_COMPLETIONS")?.ok_or_else(|| {
                Error::Usage("JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not: set it to the Job's completions (deploy/k8s/job.yaml does)".into())
            })?;
            return Shard::new(index, count, "JOB_COMPLETION_INDEX/JOB_COMPLETIONS").map(Some);
        }
        if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
            let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
            let count = match (num("SLURM_ARRAY_TASK_COUNT")?, num("SLURM_ARRAY_TASK_MAX")?) {
                (Some(count), _) => count,
                (None, Some(max)) if max >= min => max - min + 1,
                _ => return Err(Error::Usage("SLURM_ARRAY_TASK_ID is set but neither SLURM_ARRAY_TASK_COUNT nor SLURM_ARRAY_TASK_MAX is".into())),
            };
            let index = id.checked_sub(min).ok_or_else(|| Error::Usage(format!("SLURM_ARRAY_TASK_ID={id} is below SLURM_ARRAY_TASK_MIN={min}")))?;
            return Shard::new(index, count, "SLURM_ARRAY_TASK_ID").map(Some);
        }
        Ok(None)
    }

    /// Whether the call named `name` (its path below the batch's root) is
    /// this share's.
    pub fn owns(&self, name: &str) -> bool {
        (spread(fnv1a(name.as_bytes())) % self.count as u64) as usize == self.index
    }
}

/// FNV-1a, 64 bits: fixed forever (a share must not move with a new
/// release or platform).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3))
}

/// MurmurHash3's 64-bit finaliser: FNV's low bits depend only on the
/// bytes' low bits, which a share count of 2, 4 or 8 would see alone.
fn spread(mut h: u64) -> u64 {
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// A share's list of calls (`.shards/I-of-N.json` in a results folder).
#[derive(Debug, Serialize, Deserialize)]
pub struct ShareList {
    pub shard: usize,
    pub of: usize,
    pub root: String,
    /// Every call of the batch, by name below its root.
    pub batch: Vec<String>,
    /// This share's.
    pub calls: Vec<String>,
}

/// Where a results folder keeps its shares' lists.
pub const SHARES: &str = ".shards";

/// The shares' outputs found in some results folders.
#[derive(Debug, Default)]
pub struct Outputs {
    /// Each call's results file, in the batch's order (then by name).
    pub files: Vec<(String, PathBuf)>,
    /// Calls of the batch with no results (a share that did not run or
    /// did not finish).
    pub missing: Vec<String>,
    /// Calls with results in more than one place, or claimed by more than
    /// one share (shares of different runs mixed).
    pub doubled: Vec<String>,
    /// The shares found, as `I-of-N`.
    pub shares: Vec<String>,
}

impl Outputs {
    /// Gathers the results folders `dirs` (each as `check --results` wrote it).
    pub fn collect(dirs: &[PathBuf]) -> Result<Outputs> {
        let mut out = Outputs::default();
        let mut found: BTreeMap<String, Vec<PathBuf>> = BTreeMap::new();
        let mut batch: Vec<String> = Vec::new();
        let mut claimed: BTreeMap<String, usize> = BTreeMap::new();
        for dir in dirs {
            let mut files = Vec::new();
            walk(dir, &mut files).map_err(|e| sufler_core::Error::io(dir, e))?;
            for file in files {
                let name = file.strip_prefix(dir).unwrap_or(&file).to_string_lossy().replace('\\', "/");
                if let Some(share) = name.strip_prefix(&format!("{SHARES}/")) {
                    let text = std::fs::read_to_string(&file).map_err(|e| sufler_core::Error::io(&file, e))?;
                    let list: ShareList = serde_json::from_str(&text)
                        .map_err(|e| sufler_core::Error::Input { path: file.clone(), message: format!("not a share's list of calls: {e}") })?;
                    out.shares.push(share.trim_end_matches(".json").to_string());
                    for call in &list.calls {
                        *claimed.entry(call.clone()).or_default() += 1;
                    }
                    if batch.is_empty() {
                        batch = list.batch;
                    } else {
                        let known: BTreeSet<&String> = batch.iter().collect();
                        let more: Vec<String> = list.batch.into_iter().filter(|c| !known.contains(c)).collect();
                        batch.extend(more);
                    }
                } else if let Some(call) = name.strip_suffix(".jsonl") {
                    found.entry(call.to_string()).or_default().push(file);
                }
            }
        }
        out.shares.sort();
        out.doubled = found.iter().filter(|(_, f)| f.len() > 1).map(|(c, _)| c.clone()).collect();
        out.doubled.extend(claimed.iter().filter(|(c, n)| **n > 1 && found.get(*c).is_none_or(|f| f.len() <= 1)).map(|(c, _)| c.clone()));
        out.doubled.sort();
        out.missing = batch.iter().filter(|c| !found.contains_key(*c)).cloned().collect();
        // The batch's order, then what no list names.
        let order: BTreeMap<&String, usize> = batch.iter().enumerate().map(|(i, c)| (c, i)).collect();
        let mut files: Vec<(String, PathBuf)> = found.iter().map(|(c, f)| (c.clone(), f[0].clone())).collect();
        files.sort_by_key(|(c, _)| (order.get(c).copied().unwrap_or(usize::MAX), c.clone()));
        out.files = files;
        Ok(out)
    }

    /// What was found, for a person: a line, and the calls missing or
    /// doubled (a few of each).
    pub fn told(&self) -> Vec<String> {
        let mut lines = vec![format!(
            "{} calls from {} (shares: {}): {} missing, {} doubled",
            self.files.len(),
            if self.shares.len() == 1 { "1 share".to_string() } else { format!("{} shares", self.shares.len()) },
            if self.shares.is_empty() { "none listed".to_string() } else { self.shares.join(", ") },
            self.missing.len(),
            self.doubled.len()
        )];
        const SHOWN: usize = 20;
        for (what, calls) in [("missing", &self.missing), ("doubled", &self.doubled)] {
            lines.extend(calls.iter().take(SHOWN).map(|c| format!("{what}: {c}")));
            if calls.len() > SHOWN {
                lines.push(format!("{what}: ... and {} more", calls.len() - SHOWN));
            }
        }
        lines
    }

    pub fn complete(&self) -> bool {
        self.missing.is_empty() && self.doubled.is_empty()
    }
}

/// The files below a folder, each folder's in name order; `.partial`
/// files (a write cut short) left out.
fn walk(dir: &Path, files: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<_> = std::fs::read_dir(dir)?.collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let path = e.path();
        if e.file_type()?.is_dir() {
            walk(&path, files)?;
        } else if path.extension().is_none_or(|x| x != "partial") {
            files.push(path);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    }

    #[test]
    fn shares_from_the_schedulers() {
        // The variables set, and the share (index, count) or the error they give.
        type Case<'a> = (&'a [(&'a str, &'a str)], Result<Option<(usize, usize)>, &'a str>);
        let table: &[Case] = &[
            (&[], Ok(None)),
            (&[("JOB_COMPLETION_INDEX", "2"), ("JOB_COMPLETIONS", "3")], Ok(Some((2, 3)))),
            (&[("SLURM_ARRAY_TASK_ID", "1"), ("SLURM_ARRAY_TASK_COUNT", "4")], Ok(Some((1, 4)))),
            (&[("SLURM_ARRAY_TASK_ID", "5"), ("SLURM_ARRAY_TASK_MIN", "4"), ("SLURM_ARRAY_TASK_MAX", "6")], Ok(Some((1, 3)))),
            (
                &[("JOB_COMPLETION_INDEX", "0")],
                Err("JOB_COMPLETION_INDEX is set but JOB_COMPLETIONS is not: set it to the Job's completions (deploy/k8s/job.yaml does)"),
            ),
            (
                &[("JOB_COMPLETION_INDEX", "3"), ("JOB_COMPLETIONS", "3")],
                Err("JOB_COMPLETION_INDEX/JOB_COMPLETIONS: share 3 of 3 does not exist (shares are 0 to N-1, N at least 1)"),
            ),
            (&[("SLURM_ARRAY_TASK_ID", "x")], Err("SLURM_ARRAY_TASK_ID=x: not a whole number")),
        ];
        for (vars, want) in table {
            let got = Shard::from_env(env(vars)).map(|s| s.map(|s| (s.index, s.count))).map_err(|e| e.to_string());
            assert_eq!(got, want.map_err(str::to_string), "{vars:?}");
        }
    }

    #[test]
    fn every_call_is_in_one_share_and_stays_there() {
        let names: Vec<String> = (0..3000).map(|i| format!("2026-11-{:02}/звонок-{i}.wav", i % 30)).collect();
        let shards: Vec<Shard> = (0..3).map(|i| Shard { index: i, count: 3 }).collect();
        let sizes: Vec<usize> = shards.iter().map(|s| names.iter().filter(|n| s.owns(n)).count()).collect();
        assert_eq!(sizes.iter().sum::<usize>(), names.len());
        assert!(sizes.iter().all(|&n| n > 900), "{sizes:?}");
        // A fixed hash: the same share on every machine and release.
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(spread(1), 0xb456_bcfc_34c2_cb2c);
        // Shares of a power of two are as even.
        let quarters: Vec<usize> = (0..4).map(|i| names.iter().filter(|n| Shard { index: i, count: 4 }.owns(n)).count()).collect();
        assert!(quarters.iter().all(|&n| n > 650 && n < 850), "{quarters:?}");
    }

    #[test]
    fn bad_shares() {
        assert_eq!(Shard::parse("1-3").unwrap_err().to_string(), "--shard `1-3`: write it as I/N, the share I (from 0) of N, e.g. 0/4");
        assert_eq!(Shard::parse("0/0").unwrap_err().to_string(), "--shard: share 0 of 0 does not exist (shares are 0 to N-1, N at least 1)");
    }
}
