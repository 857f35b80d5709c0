//! Files that hold a call's words (transcripts, results, silenced copies,
//! reports): written whole or not at all, readable by their owner alone.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// Writes `path` through `write`, into a temporary file beside it that is
/// renamed over it once written (a write cut short leaves no half a file,
/// and a failure leaves nothing); its folder is made first. `io` names an
/// error of the file itself.
pub fn write_whole<E>(path: &Path, io: impl Fn(std::io::Error) -> E, write: impl FnOnce(&mut BufWriter<File>) -> Result<(), E>) -> Result<(), E> {
    let mut partial = path.as_os_str().to_owned();
    partial.push(".partial");
    let partial = PathBuf::from(partial);
    let written = (|| {
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(&io)?;
        }
        let mut out = BufWriter::new(private(&partial).map_err(&io)?);
        write(&mut out)?;
        // Flushed, not synced: what a stopped process left is never half a
        // file; a machine that loses power may lose the last few.
        out.into_inner().map_err(|e| io(e.into_error()))?;
        std::fs::rename(&partial, path).map_err(&io)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&partial);
    }
    written
}

/// A new file only its owner may read: a call's words are personal data.
fn private(path: &Path) -> std::io::Result<File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// `bytes` written whole (see [`write_whole`]).
pub fn write_bytes(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    write_whole(path, |e| e, |out| out.write_all(bytes))
}
