//! The library's error type, and diagnostics that point people at the
//! exact place in a file (`file:line:col` with the offending line).

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong in the library.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// One or more problems in rule files (syntax, unknown field, duplicate
    /// id, bad pattern, failing example), each with its location.
    #[error("{}", Diagnostics(.0))]
    Rules(Vec<Diagnostic>),
    /// One or more problems in a scorecard, each with its location.
    #[error("{}", Diagnostics(.0))]
    Scorecard(Vec<Diagnostic>),
    /// A transcript file is malformed at a known place.
    #[error("{0}")]
    Transcript(Diagnostic),
    /// An input file is unusable, for a reason not tied to one place.
    #[error("{}: {message}", path.display())]
    Input { path: PathBuf, message: String },
    /// A rule set past what the matcher can hold.
    #[error("the rules are too large: {0}")]
    TooLarge(String),
}

impl Error {
    pub fn io(path: &Path, source: std::io::Error) -> Error {
        Error::Io { path: path.to_path_buf(), source }
    }

    /// The file the error is about, when it is about one file.
    pub fn path(&self) -> Option<&Path> {
        match self {
            Error::Io { path, .. } | Error::Input { path, .. } => Some(path),
            Error::Transcript(d) => Some(&d.path),
            Error::Rules(_) | Error::Scorecard(_) | Error::TooLarge(_) => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A message tied to a span of a source file, rendered like a compiler
/// error:
///
/// ```text
/// error: unknown field `wieght`
///   --> rules/ru/banned.toml:4:1
///    |
///  4 | wieght = 5
///    | ^^^^^^
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub path: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, counted in characters (not bytes).
    pub col: usize,
    pub message: String,
    /// The whole source line the span starts on.
    pub source_line: String,
    /// Width of the span on that line, in characters (at least 1).
    pub width: usize,
    /// A warning (from `rules lint`) rather than an error.
    pub warning: bool,
}

impl Diagnostic {
    /// Builds a diagnostic for the byte range `span` of `source`.
    pub fn new(path: &Path, source: &str, span: std::ops::Range<usize>, message: impl Into<String>) -> Diagnostic {
        let start = floor_char_boundary(source, span.start.min(source.len()));
        let end = floor_char_boundary(source, span.end.clamp(start, source.len()));
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..].find('\n').map_or(source.len(), |i| start + i);
        let line = source[..start].matches('\n').count() + 1;
        let col = source[line_start..start].chars().count() + 1;
        let width = source[start..end.min(line_end)].chars().count().max(1);
        Diagnostic {
            path: path.to_path_buf(),
            line,
            col,
            message: message.into(),
            source_line: source[line_start..line_end].trim_end_matches('\r').to_string(),
            width,
            warning: false,
        }
    }

    /// The same diagnostic as a warning.
    pub fn warning(mut self) -> Diagnostic {
        self.warning = true;
        self
    }

    /// A diagnostic at a 1-based line and column (as serde_json reports).
    pub fn at_line_col(path: &Path, source: &str, line: usize, col: usize, message: impl Into<String>) -> Diagnostic {
        let offset: usize = source.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum();
        let line_text = source[offset.min(source.len())..].split('\n').next().unwrap_or("");
        // serde_json counts columns in bytes; convert to a char offset.
        let byte_col = col.saturating_sub(1).min(line_text.len());
        let start = offset + floor_char_boundary(line_text, byte_col);
        Diagnostic::new(path, source, start..start, message)
    }

    /// `path:line:col`, the location alone.
    pub fn location(&self) -> String {
        format!("{}:{}:{}", self.path.display(), self.line, self.col)
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    while i > 0 && !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let gutter = self.line.to_string().len();
        let level = if self.warning { "warning" } else { "error" };
        writeln!(f, "{level}: {}", self.message)?;
        writeln!(f, "{:gutter$}--> {}", "", self.location())?;
        writeln!(f, "{:gutter$} |", "")?;
        writeln!(f, "{} | {}", self.line, self.source_line)?;
        write!(f, "{:gutter$} | {}{}", "", " ".repeat(self.col - 1), "^".repeat(self.width))
    }
}

struct Diagnostics<'a>(&'a [Diagnostic]);

impl fmt::Display for Diagnostics<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, d) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n\n")?;
            }
            d.fmt(f)?;
        }
        Ok(())
    }
}
