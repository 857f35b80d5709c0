//! `sufler report`: saved results (the JSON lines of `check`) into one
//! HTML page for QA, and CSV files for spreadsheets.

use std::collections::HashMap;
use std::path::PathBuf;

use rayon::prelude::*;

use crate::error::Result;
use crate::files;
use crate::qa::export;
use crate::qa::page::{self, CallData, PageData};
use crate::qa::results::Results;
use crate::qa::stats::Stats;

/// What to report on, and where.
pub struct Report {
    /// Results files (`-`: stdin).
    pub results: Vec<PathBuf>,
    /// The HTML page.
    pub out: PathBuf,
    /// A folder for `calls.csv` and `operators.csv`.
    pub csv: Option<PathBuf>,
    /// The recordings put into the page instead of referred to.
    pub embed_audio: bool,
}

/// What a report came to.
#[derive(Debug)]
pub struct Written {
    pub calls: usize,
    pub operators: usize,
    /// Lines of the results that could not be read (file:line: why).
    pub skipped: Vec<String>,
    /// Results folders whose batch lacks calls or has some twice.
    pub incomplete: Vec<String>,
}

pub fn run(report: &Report) -> Result<Written> {
    let results = Results::read(&report.results)?;
    let stats = Stats::of(&results.calls);
    if let Some(dir) = &report.csv {
        export::write(dir, &results.calls, &stats)?;
    }
    let page_dir = report.out.parent().filter(|p| !p.as_os_str().is_empty()).map_or_else(|| PathBuf::from("."), PathBuf::from);
    // (Made now: recordings are found relative to it.)
    std::fs::create_dir_all(&page_dir).map_err(|e| sufler_core::Error::io(&page_dir, e))?;
    let calls: Vec<CallData<'_>> =
        results.calls.par_iter().map(|call| CallData { call, audio: page::audio(&call.call, &page_dir, report.embed_audio) }).collect();
    // The labels' language: the one most calls were checked in.
    let mut langs: HashMap<&str, usize> = HashMap::new();
    for c in &results.calls {
        *langs.entry(c.lang().unwrap_or("ru")).or_default() += 1;
    }
    let lang = langs.into_iter().max_by(|a, b| a.1.cmp(&b.1).then_with(|| b.0.cmp(a.0))).map_or("ru", |(l, _)| l);
    let data = PageData { lang, stats: &stats, calls };
    // The page holds the calls' words: its owner's alone, like their transcripts.
    files::write_whole(
        &report.out,
        |e| sufler_core::Error::io(&report.out, e),
        |out| page::write(out, &data).map_err(|e| sufler_core::Error::io(&report.out, e)),
    )?;
    Ok(Written { calls: results.calls.len(), operators: stats.operators.len(), skipped: results.skipped, incomplete: results.incomplete })
}
