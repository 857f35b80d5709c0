//! Errors of the front end: the core's and the recogniser's, and the
//! sound inputs' of live mode.

use std::path::Path;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Rules, transcripts, and the files they come from.
    #[error(transparent)]
    Core(#[from] sufler_core::Error),
    /// Recordings, models, and recognition itself.
    #[error(transparent)]
    Hear(#[from] sufler_hear::Error),
    /// A sound input that cannot be found or used.
    #[error("{0}")]
    Device(String),
    /// A flag's or setting's value that cannot be used.
    #[error("{0}")]
    Usage(String),
    /// A call's transcript that could not be saved (its events stand).
    #[error("{}: cannot write the transcript: {source}", path.display())]
    Unsaved {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A batch stopped partway, for a reason every call after would share.
    #[error("{why}; stopped after {after} of {of} recordings (make room, then run the same command with --resume)")]
    Stopped { after: usize, of: usize, why: Box<Error> },
    /// Results that cannot be written out (a closed pipe, a full disk).
    #[error("cannot write the results: {0}")]
    Output(#[from] std::io::Error),
    /// The async runtime of live mode cannot start.
    #[error("cannot start the runtime: {0}")]
    Runtime(std::io::Error),
    /// A stage of live mode's pipeline panicked.
    #[error("the {0} thread failed")]
    Thread(&'static str),
}

impl Error {
    /// The file the error is about, when it is about one file.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Core(e) => e.path(),
            Error::Hear(e) => e.path(),
            Error::Unsaved { path, .. } => Some(path),
            Error::Stopped { why, .. } => why.path(),
            Error::Device(_) | Error::Usage(_) | Error::Output(_) | Error::Runtime(_) | Error::Thread(_) => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
