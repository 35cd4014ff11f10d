//! Zhizao's marker-making engine: nest garment pieces on fabric of a fixed width in the shortest
//! length.
//!
//! 1. [`model`] is the problem (fabric width, spacing, defects; pieces with demands, rotations
//!    and mirroring) and the placement convention everything shares;
//! 2. [`read`] parses Zhizao's problem JSON and the ESICUP / jagua-rs instances;
//! 3. [`nest()`] searches for the shortest marker on the jagua-rs collision engine;
//! 4. [`check()`] validates a marker independently of the optimiser;
//! 5. [`marker`] is the versioned marker file.
//!
//! Architecture invariant: this crate knows nothing about HTTP, SQL or the CLI; the validator
//! shares only the model with the optimiser.

pub mod bench;
mod check;
pub mod conest;
pub mod cutplan;
pub mod dxf;
mod engine;
mod error;
pub mod marker;
pub mod model;
pub mod read;
pub mod write;

pub use check::{Evaluation, RELATIVE_TOLERANCE, check};
pub use engine::{NestOptions, Progress, nest};
pub use error::{Error, Result};
pub use marker::Marker;
pub use model::{Mirror, Piece, Placement, Problem, Rotations};
