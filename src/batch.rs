//! A batch of calls as the command line names them: folders are walked for
//! the files in them (a recorder's store of thousands of calls in dated
//! folders is one argument, not a glob past the shell's limit), and each
//! call's saved transcript gets a name no other call of the batch has.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use sufler_core::Error as CoreError;

use crate::error::Result;

/// Name endings taken as recordings when a folder is walked (what the
/// audio reader decodes).
pub const AUDIO: &[&str] = &["wav", "wave", "mp3", "ogg", "oga", "flac", "m4a", "aac", "aif", "aiff", "caf"];

/// Name endings taken as transcripts when a folder is walked.
pub const TRANSCRIPTS: &[&str] = &["json", "txt"];

/// The files `args` name, in order: a file (or anything not a folder) as
/// given; a folder as the files below it whose names end in one of
/// `extensions` (in any case), each folder's entries in name order,
/// hidden ones and links to folders left out. A folder that cannot be
/// read, or that holds no such file, is an error in its place; the rest
/// of the batch is still there.
pub fn files(args: &[PathBuf], extensions: &[&str]) -> Vec<Result<PathBuf>> {
    let mut found = Vec::new();
    for arg in args {
        if !arg.is_dir() {
            found.push(Ok(arg.clone()));
            continue;
        }
        let before = found.len();
        walk(arg, extensions, &mut found);
        if found.len() == before {
            let endings = extensions.iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(", ");
            found.push(Err(CoreError::Input { path: arg.clone(), message: format!("no files in this folder end in {endings}") }.into()));
        }
    }
    found
}

fn walk(dir: &Path, extensions: &[&str], found: &mut Vec<Result<PathBuf>>) {
    let entries = match fs::read_dir(dir).and_then(|entries| entries.collect::<std::io::Result<Vec<_>>>()) {
        Ok(entries) => entries,
        Err(e) => return found.push(Err(CoreError::io(dir, e).into())),
    };
    let mut entries: Vec<_> = entries.into_iter().filter(|e| !e.file_name().to_string_lossy().starts_with('.')).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        // A link to a folder could lead back up the tree: not followed.
        if entry.file_type().is_ok_and(|t| t.is_dir()) {
            walk(&path, extensions, found);
        } else if path.extension().is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x))) {
            // A link that leads nowhere (or round in a loop) is an error in its place.
            match fs::metadata(&path) {
                Ok(m) if m.is_file() => found.push(Ok(path)),
                Ok(_) => {}
                Err(e) => found.push(Err(CoreError::io(&path, e).into())),
            }
        }
    }
}

/// Where each recording's transcript is saved, relative to the folder of
/// transcripts: its path below `root` (else the folder all the recordings
/// share), with
/// `.json` for its extension (`calls/a/1.wav`, `calls/b/1.wav` give
/// `a/1.json`, `b/1.json`). Recordings that would still share a name
/// (`1.wav` and `1.mp3`) keep their extension before it (`1.wav.json`).
pub fn transcript_names(recordings: &[PathBuf], root: Option<&Path>) -> Vec<PathBuf> {
    let absolute: Vec<PathBuf> = recordings.iter().map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone())).collect();
    let shared = root.map(|r| std::path::absolute(r).unwrap_or_else(|_| r.to_path_buf())).unwrap_or_else(|| common_root(&absolute));
    let below: Vec<&Path> = absolute.iter().map(|p| p.strip_prefix(&shared).unwrap_or(p)).collect();
    let kept = |p: &Path| {
        let mut name = p.as_os_str().to_owned();
        name.push(".json");
        PathBuf::from(name)
    };
    let short: Vec<PathBuf> = below.iter().map(|p| p.with_extension("json")).collect();
    // Distinct recordings per short name (a file named twice is one).
    let mut sources: HashMap<&Path, HashSet<&Path>> = HashMap::new();
    for (name, p) in short.iter().zip(&below) {
        sources.entry(name).or_default().insert(p);
    }
    let names: Vec<PathBuf> = short.iter().zip(&below).map(|(name, p)| if sources[name.as_path()].len() > 1 { kept(p) } else { name.clone() }).collect();
    // Names kept whole could meet a short one (`1.wav.mp3` and `1.wav`,
    // `1.mp3`); all kept whole are distinct.
    let mut seen: HashMap<&Path, &Path> = HashMap::new();
    if names.iter().zip(&below).all(|(n, p)| *seen.entry(n).or_insert(p) == *p) { names } else { below.iter().map(|p| kept(p)).collect() }
}

/// The longest folder both paths are in.
fn common(a: PathBuf, b: PathBuf) -> PathBuf {
    a.components().zip(b.components()).take_while(|(x, y)| x == y).map(|(x, _)| x).collect()
}

/// The folder all of `paths` are in (as absolute paths).
pub fn common_root(paths: &[PathBuf]) -> PathBuf {
    paths
        .iter()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()))
        .map(|p| p.parent().unwrap_or(Path::new("")).to_path_buf())
        .reduce(common)
        .unwrap_or_default()
}

/// A call's name: its path below the batch's root, with `/` between
/// folders (the same on every worker of a cluster, wherever the store is
/// mounted, once the root is given).
pub fn name_below(root: &Path, path: &Path) -> String {
    let absolute = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    let path = absolute(path);
    let below = path.strip_prefix(absolute(root)).map(Path::to_path_buf).unwrap_or(path);
    below.components().filter(|c| !matches!(c, std::path::Component::RootDir)).map(|c| c.as_os_str().to_string_lossy()).collect::<Vec<_>>().join("/")
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn paths(list: &[&str]) -> Vec<PathBuf> {
        list.iter().map(PathBuf::from).collect()
    }

    #[test]
    fn each_recording_gets_a_transcript_name_of_its_own() {
        #[rustfmt::skip]
        let table: &[(&[&str], &[&str])] = &[
            (&["calls/1.wav", "calls/2.wav"], &["1.json", "2.json"]),
            (&["/srv/звонки/Иванова.mp3"], &["Иванова.json"]),
            (&["calls/2026-11-22/1.wav", "calls/2026-11-23/1.wav"], &["2026-11-22/1.json", "2026-11-23/1.json"]),
            (&["calls/1.wav", "calls/sub/2.wav"], &["1.json", "sub/2.json"]),
            (&["calls/1.wav", "calls/1.mp3", "calls/2.wav"], &["1.wav.json", "1.mp3.json", "2.json"]),
            (&["calls/1.wav", "calls/1.wav"], &["1.json", "1.json"]),
            (&["calls/1", "calls/1.wav"], &["1.json", "1.wav.json"]),
            (&["a/1.wav", "b/c/1.wav"], &["a/1.json", "b/c/1.json"]),
            (&["1.wav.mp3", "1.wav", "1.mp3"], &["1.wav.mp3.json", "1.wav.json", "1.mp3.json"]),
        ];
        for (recordings, want) in table {
            assert_eq!(super::transcript_names(&paths(recordings), None), paths(want), "{recordings:?}");
        }
    }

    #[test]
    fn folders_are_walked_for_their_recordings() {
        let root = std::env::temp_dir().join(format!("sufler-batch-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        for file in ["б/2.WAV", "б/1.wav", "а.mp3", "б/notes.txt", ".hidden/3.wav", "б/.4.wav", "в/г/5.flac"] {
            let path = root.join(file);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, b"").unwrap();
        }
        std::fs::create_dir_all(root.join("пусто")).unwrap();
        let found = |args: &[PathBuf]| -> Vec<String> {
            super::files(args, super::AUDIO)
                .into_iter()
                .map(|r| match r {
                    Ok(p) => p.strip_prefix(&root).unwrap_or(&p).display().to_string(),
                    Err(e) => format!("error: {}", e.to_string().replace(&format!("{}/", root.display()), "")),
                })
                .collect()
        };
        assert_eq!(found(std::slice::from_ref(&root)), ["а.mp3", "б/1.wav", "б/2.WAV", "в/г/5.flac"]);
        assert_eq!(
            found(&[root.join("в"), PathBuf::from("no/such.wav"), root.join("пусто")]),
            ["в/г/5.flac", "no/such.wav", "error: пусто: no files in this folder end in .wav, .wave, .mp3, .ogg, .oga, .flac, .m4a, .aac, .aif, .aiff, .caf"]
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
