//! Model files: converting published Whisper and Silero VAD weights into
//! the ggml files whisper.cpp loads, and finding them on disk.

pub mod ct2;
pub mod ggml;
pub mod mel;
pub mod silero;
pub mod whisper;

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// Official whisper.cpp models: name, file, SHA-1 (as whisper.cpp's
/// `models/README.md` lists them).
pub const OFFICIAL: &[(&str, &str, &str)] = &[
    ("tiny", "ggml-tiny.bin", "bd577a113a864445d4c299885e0cb97d4ba92b5f"),
    ("base", "ggml-base.bin", "465707469ff3a37a2b9b8d8f89f2f99de7299dac"),
    ("small", "ggml-small.bin", "55356645c2b361a969dfd0ef2c5a50d530afd8d5"),
    ("medium", "ggml-medium.bin", "fd9727b6e1217c2f614f9b698455c4ffd82463b4"),
    ("large-v3-turbo", "ggml-large-v3-turbo.bin", "4af2b29d7ec73d781377bfd1758ca957a807e941"),
];

const HOST: &str = "https://huggingface.co/ggerganov/whisper.cpp/resolve/main";

/// Downloads an official model into `dir` and checks its SHA-1.
pub fn fetch(name: &str, dir: &Path) -> Result<PathBuf> {
    let Some(&(_, file, sha1)) = OFFICIAL.iter().find(|(n, _, _)| *n == name) else {
        let names: Vec<&str> = OFFICIAL.iter().map(|(n, _, _)| *n).collect();
        return Err(Error::Fetch(format!("unknown model `{name}` (known: {})", names.join(", "))));
    };
    let url = format!("{HOST}/{file}");
    let fail = |m: String| Error::Fetch(format!("{url}: {m}. Without access to it, use `sufler models import` (see models/README.md)"));
    let response = ureq::get(&url).call().map_err(|e| fail(e.to_string()))?;
    let mut body = Vec::new();
    std::io::Read::read_to_end(&mut response.into_body().into_reader(), &mut body).map_err(|e| fail(e.to_string()))?;
    let got = sha1_smol::Sha1::from(&body).digest().to_string();
    if got != sha1 {
        return Err(fail(format!("checksum {got} does not match {sha1}")));
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let path = dir.join(file);
    std::fs::write(&path, body).map_err(|e| Error::io(&path, e))?;
    Ok(path)
}

/// Converts a faster-whisper (CTranslate2) model folder into the ggml file
/// `out`, written whole or not at all.
pub fn import_whisper(dir: &Path, weights: whisper::Weights, out: &Path) -> Result<whisper::Summary> {
    let bad = |message: String| Error::Model { path: dir.to_path_buf(), message };
    write_whole(out, |file| whisper::convert(dir, weights, file).map_err(bad))
}

/// Converts Silero VAD's `silero_vad_16k.safetensors` into the ggml file
/// `out`; gives the number of tensors.
pub fn import_vad(file: &Path, out: &Path) -> Result<usize> {
    let bytes = std::fs::read(file).map_err(|e| Error::io(file, e))?;
    write_whole(out, |w| silero::convert(&bytes, w).map_err(|message| Error::Model { path: file.to_path_buf(), message }))
}

/// Writes `out` through a `.partial` file renamed when `write` succeeds:
/// a conversion that fails leaves no model file to be loaded.
fn write_whole<T>(out: &Path, write: impl FnOnce(&mut std::fs::File) -> Result<T>) -> Result<T> {
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let mut partial = out.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let mut file = std::fs::File::create(&partial).map_err(|e| Error::io(&partial, e))?;
    let result = write(&mut file);
    match result {
        Ok(value) => std::fs::rename(&partial, out).map(|()| value).map_err(|e| Error::io(out, e)),
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            Err(e)
        }
    }
}
