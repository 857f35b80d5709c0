//! What can go wrong in hearing a call: the user's input (a recording that
//! does not decode, a model file missing or of the wrong kind) apart from
//! faults of the machinery (Whisper or the voice detector failing on audio
//! it was given), which are not the user's to fix.

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A recording that cannot be used, and why.
    #[error("{}: {message}", path.display())]
    Recording { path: PathBuf, message: String },
    /// A model file that is missing or cannot be loaded.
    #[error("{}: {message}", path.display())]
    Model { path: PathBuf, message: String },
    /// A model asked for that does not exist or cannot be got.
    #[error("{0}")]
    Fetch(String),
    /// Whisper or the voice detector failed on audio it was given.
    #[error("{what} failed: {message}")]
    Fault { what: &'static str, message: String },
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn whisper(message: impl Into<String>) -> Error {
        Error::Fault { what: "Whisper", message: message.into() }
    }

    pub(crate) fn vad(message: impl Into<String>) -> Error {
        Error::Fault { what: "voice activity detection", message: message.into() }
    }

    /// The file the error is about, when it is about one file.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io { path, .. } | Error::Recording { path, .. } | Error::Model { path, .. } => Some(path),
            Error::Fetch(_) | Error::Fault { .. } => None,
        }
    }

    /// Whether the user's input is at fault (rather than the machinery).
    pub fn is_input(&self) -> bool {
        !matches!(self, Error::Fault { .. })
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
