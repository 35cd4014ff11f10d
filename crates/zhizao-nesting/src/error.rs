//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong in this crate.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// An input file is malformed at a given place (a JSON path, a DXF line).
    #[error("{place}: {message}")]
    Parse {
        /// Where in the input: `line 12`, `items[3].shape`, `entity POLYLINE at line 120`.
        place: String,
        /// What was expected and what was found.
        message: String,
    },
    /// A piece cannot be nested as given; nothing was nested.
    #[error("piece {piece}: {reason}")]
    InvalidPiece {
        /// The piece's id.
        piece: String,
        /// Why it cannot be nested.
        reason: String,
    },
    /// The problem as a whole is not well formed (no pieces, a bad width, a bad defect zone).
    #[error("invalid problem: {0}")]
    InvalidProblem(String),
    /// A marker file could not be read as the versioned marker format, or does not belong to
    /// the problem.
    #[error("invalid marker: {0}")]
    InvalidMarker(String),
    /// The benchmark runner could not run (no records table, an empty set, ...).
    #[error("benchmark: {0}")]
    Bench(String),
    /// A file could not be read or written.
    #[error("{path}: {error}")]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The underlying I/O error.
        error: std::io::Error,
    },
    /// An error inside a named file (wraps parse and model errors with the path).
    #[error("{path}: {error}")]
    InFile {
        /// The file involved.
        path: PathBuf,
        /// What went wrong in it.
        error: Box<Error>,
    },
    /// The collision engine refused a shape the model accepted (a bug or a degenerate shape).
    #[error("collision engine: {0}")]
    Engine(String),
}

impl zhizao_core::Classified for Error {
    fn kind(&self) -> zhizao_core::ErrorKind {
        use zhizao_core::ErrorKind;
        match self {
            Error::Parse { .. }
            | Error::InvalidPiece { .. }
            | Error::InvalidProblem(_)
            | Error::InvalidMarker(_)
            | Error::Bench(_) => ErrorKind::InvalidInput,
            Error::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound => {
                ErrorKind::NotFound
            }
            Error::Io { .. } => ErrorKind::Unavailable,
            Error::InFile { error, .. } => error.kind(),
            Error::Engine(_) => ErrorKind::Internal,
        }
    }
}

/// The crate's result alias.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn parse(place: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Parse {
            place: place.into(),
            message: message.into(),
        }
    }

    pub(crate) fn piece(piece: &str, reason: impl Into<String>) -> Self {
        Error::InvalidPiece {
            piece: piece.to_owned(),
            reason: reason.into(),
        }
    }

    pub(crate) fn in_file(path: impl Into<PathBuf>, source: Error) -> Self {
        Error::InFile {
            path: path.into(),
            error: Box::new(source),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, error: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            error,
        }
    }
}
