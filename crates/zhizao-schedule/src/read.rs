//! Instance readers: FJSP `.fjs`, JSSP "n m / machine time" text, and the JSON model.
//!
//! Every reader takes raw bytes and never panics: malformed input yields
//! [`Error::Parse`] naming the 1-based line and what was expected there, or
//! [`Error::InvalidInstance`] when the content is well formed but
//! breaks a model invariant.

mod json;
mod text;

use std::path::Path;

pub use json::instance_to_json;

use crate::{Error, Instance, Result};

/// Input file formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Flexible job shop `.fjs` (Brandimarte, Hurink, Dauzère-Pérès): 1-based machines.
    Fjs,
    /// Job shop in the OR-Library pair format (Taillard, Lawrence, Fisher–Thompson): 0-based.
    Jssp,
    /// The documented JSON model (`schema/instance.schema.json`), with every extension.
    Json,
}

impl Format {
    /// Guesses the format from a file extension: `.fjs`, `.json`, anything else JSSP.
    pub fn from_path(path: &Path) -> Format {
        match path.extension().and_then(|extension| extension.to_str()) {
            Some("fjs") => Format::Fjs,
            Some("json") => Format::Json,
            _ => Format::Jssp,
        }
    }

    /// Parses a format name as used on the command line (`fjs`, `jssp`, `json`).
    pub fn from_name(name: &str) -> Option<Format> {
        match name {
            "fjs" => Some(Format::Fjs),
            "jssp" => Some(Format::Jssp),
            "json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// Parses an instance from bytes; `name` becomes the instance name unless the input names itself.
pub fn parse(bytes: &[u8], format: Format, name: &str) -> Result<Instance> {
    match format {
        Format::Fjs => text::parse_fjs(bytes, name),
        Format::Jssp => text::parse_jssp(bytes, name),
        Format::Json => json::parse_json(bytes, name),
    }
}

/// Reads an instance file; the format is guessed from the extension unless given.
///
/// Errors carry the path.
pub fn read_file(path: &Path, format: Option<Format>) -> Result<Instance> {
    let bytes = std::fs::read(path).map_err(|error| Error::Io {
        path: path.to_path_buf(),
        error,
    })?;
    let format = format.unwrap_or_else(|| Format::from_path(path));
    let name = path
        .file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("instance");
    parse(&bytes, format, name).map_err(|error| Error::in_file(path, error))
}
