//! Zhizao's scheduling engine: a flexible job-shop solver for shared factories.
//!
//! The crate owns the whole path from an instance file to a checked schedule:
//!
//! 1. [`read`] parses FJSP `.fjs`, JSSP pair files and the JSON model into a validated
//!    [`Instance`] (jobs of ordered operations, each with eligible machines and processing times,
//!    plus release and due dates, weights, sequence-dependent set-ups, machine unavailability and
//!    frozen operations);
//! 2. [`solve()`] builds a list schedule and improves it with an iterated tabu search on the
//!    disjunctive graph, returning a [`Schedule`];
//! 3. [`validate()`] checks the schedule against the instance, independently of the solver;
//! 4. [`reschedule()`] reacts to a breakdown, a rush job or a cancellation without moving what
//!    already runs;
//! 5. [`mod@bench`] runs whole benchmark sets against best-known bounds;
//! 6. [`dispatch`] is the ATCS dispatching rule, the baseline a shop without an optimiser uses.
//!
//! ```
//! use std::time::Duration;
//! use zhizao_schedule::{Format, SolveOptions, parse, solve, validate};
//!
//! // Two jobs on two machines; the first operation of job 0 may use either machine.
//! let text = "2 2\n2 2 1 3 2 4 1 2 2\n1 1 1 5\n";
//! let instance = parse(text.as_bytes(), Format::Fjs, "tiny").unwrap();
//! let options = SolveOptions {
//!     time_limit: Duration::from_millis(100),
//!     max_iterations: Some(200),
//!     ..SolveOptions::default()
//! };
//! let outcome = solve(&instance, &options, &|_| {});
//! let evaluation = validate(&instance, &outcome.schedule).unwrap();
//! assert_eq!(evaluation.makespan, outcome.schedule.makespan);
//! ```
//!
//! Key design decision: the solver searches over machine assignments and machine sequences
//! only, and a single decoder turns them into start times (each operation as early as its job,
//! its machine, set-ups, release and unavailability allow). Every extension is therefore
//! honoured by construction, and the search never has to know about it.
//!
//! Architecture invariant: this crate knows nothing about HTTP, SQL or the CLI; the validator
//! shares only the instance model with the solver.

pub mod bench;
pub mod dispatch;
mod error;
pub mod model;
pub mod read;
mod reschedule;
mod rng;
pub mod schedule;
mod solve;
pub mod validate;

pub use error::{Error, Result};
pub use model::{Instance, InstanceParts, Time};
pub use read::{Format, parse, read_file};
pub use reschedule::{Event, Rescheduled, reschedule};
pub use schedule::{Objective, Schedule, ScheduledOperation};
pub use solve::{Progress, SolveOptions, SolveOutcome, solve};
pub use validate::{Evaluation, Violation, validate};
