//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A text or JSON instance file is malformed at a given line.
    #[error("line {line}: {message}")]
    Parse {
        /// 1-based line number in the input.
        line: usize,
        /// What was expected and what was found.
        message: String,
    },
    /// The instance is well formed but violates a model invariant.
    #[error("invalid instance: {0}")]
    InvalidInstance(String),
    /// A schedule file could not be read as the versioned schedule format.
    #[error("invalid schedule file: {0}")]
    InvalidScheduleFile(String),
    /// A schedule breaks a constraint of its instance (see [`crate::validate()`]).
    #[error("schedule violates the instance: {0}")]
    Violation(#[from] crate::validate::Violation),
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying I/O error.
        error: std::io::Error,
    },
    /// An error inside a named file (wraps parse and instance errors with the path).
    #[error("{path}: {error}")]
    InFile {
        /// The file involved.
        path: PathBuf,
        /// What went wrong in it.
        error: Box<Error>,
    },
    /// The benchmark runner could not run (missing bounds table, empty set, ...).
    #[error("benchmark: {0}")]
    Bench(String),
    /// A rescheduling event does not fit the instance.
    #[error("invalid rescheduling event: {0}")]
    InvalidEvent(String),
}

impl zhizao_core::Classified for Error {
    fn kind(&self) -> zhizao_core::ErrorKind {
        use zhizao_core::ErrorKind;
        match self {
            Error::Parse { .. }
            | Error::InvalidInstance(_)
            | Error::InvalidScheduleFile(_)
            | Error::Violation(_)
            | Error::Bench(_)
            | Error::InvalidEvent(_) => ErrorKind::InvalidInput,
            Error::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotFound
            }
            Error::Io { .. } => ErrorKind::Unavailable,
            Error::InFile { error, .. } => error.kind(),
        }
    }
}

/// The crate's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn parse(line: usize, message: impl Into<String>) -> Self {
        Error::Parse {
            line,
            message: message.into(),
        }
    }

    pub(crate) fn in_file(path: impl Into<PathBuf>, source: Error) -> Self {
        Error::InFile {
            path: path.into(),
            error: Box::new(source),
        }
    }
}
