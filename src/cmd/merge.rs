//! `sufler merge`: the results of a batch's shares (each `check --shard
//! I/N --results DIR`) as one JSON lines stream, in the batch's order,
//! once every call is there exactly once.

use std::io::Write;
use std::path::PathBuf;

use crate::error::Result;
use crate::shard::Outputs;

/// Writes the calls' results found in `dirs` to `out`; gives back what was
/// found, missing and doubled (a doubled call is written once).
pub fn run(dirs: &[PathBuf], out: &mut dyn Write) -> Result<Outputs> {
    let outputs = Outputs::collect(dirs)?;
    for (_, file) in &outputs.files {
        let bytes = std::fs::read(file).map_err(|e| sufler_core::Error::io(file, e))?;
        out.write_all(&bytes)?;
    }
    out.flush()?;
    Ok(outputs)
}
