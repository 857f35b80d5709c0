//! The report as one self-contained HTML file: its style and script
//! inline, the batch's data embedded as JSON, rendered a view at a time
//! in the browser. A content security policy keeps it from fetching
//! anything but the calls' own recordings.

use std::io::Write;
use std::path::{Path, PathBuf};

use base64::Engine as _;
use serde::Serialize;

use super::results::Call;
use super::stats::Stats;

const STYLE: &str = include_str!("page.css");
const SCRIPT: &str = include_str!("page.js");

/// What the page shows: the calls, the numbers, the labels' language.
#[derive(Serialize)]
pub struct PageData<'a> {
    pub lang: &'a str,
    pub stats: &'a Stats,
    pub calls: Vec<CallData<'a>>,
}

/// A call on the page: its records, and its recording's address.
#[derive(Serialize)]
pub struct CallData<'a> {
    #[serde(flatten)]
    pub call: &'a Call,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audio: Option<String>,
}

/// Writes the page.
pub fn write(out: &mut dyn Write, data: &PageData<'_>) -> std::io::Result<()> {
    // JSON inside a script element must not close it.
    let json = serde_json::to_string(data)?.replace("</", "<\\/");
    write!(
        out,
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; media-src 'self' file: data: blob:\">\n\
         <title>sufler</title>\n<style>\n{STYLE}</style></head>\n<body><header></header><main></main>\n\
         <script id=\"data\" type=\"application/json\">{json}</script>\n<script>\n{SCRIPT}</script>\n</body></html>\n"
    )
}

/// Where the page finds a call's recording: a path relative to the
/// page's folder (the call named as `check` was run from `cwd`), or the
/// recording itself when `embed` (for a page sent on its own). None for
/// calls checked from transcripts, or recordings no longer there.
pub fn audio(call: &str, page_dir: &Path, embed: bool) -> Option<String> {
    let path = Path::new(call);
    let ext = path.extension()?.to_str()?.to_ascii_lowercase();
    let mime = match ext.as_str() {
        "wav" => "audio/wav",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" | "opus" => "audio/ogg",
        "flac" => "audio/flac",
        _ => return None,
    };
    let full = std::fs::canonicalize(path).ok()?;
    if embed {
        let bytes = std::fs::read(&full).ok()?;
        return Some(format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes)));
    }
    let dir = std::fs::canonicalize(page_dir).ok()?;
    Some(url_path(&relative(&full, &dir)))
}

/// `to` from the folder `from`, both absolute.
fn relative(to: &Path, from: &Path) -> PathBuf {
    let common = to.components().zip(from.components()).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in from.components().skip(common) {
        rel.push("..");
    }
    rel.extend(to.components().skip(common));
    rel
}

/// A relative path as a URL path: the characters a URL gives a meaning
/// to are escaped.
fn url_path(p: &Path) -> String {
    let s = p.to_string_lossy().replace('\\', "/");
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '#' => out.push_str("%23"),
            '?' => out.push_str("%3F"),
            ' ' => out.push_str("%20"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recordings_are_found_from_the_pages_folder() {
        let table = [
            ("/calls/2026-11-30/a.wav", "/reports", "../calls/2026-11-30/a.wav"),
            ("/calls/a b#1.wav", "/calls", "a%20b%231.wav"),
            ("/calls/day/a.wav", "/calls/week/report", "../../day/a.wav"),
        ];
        for (to, from, want) in table {
            assert_eq!(url_path(&relative(Path::new(to), Path::new(from))), want);
        }
    }
}
