//! All integration tests of `zhizao-schedule`, linked into one test binary.

mod brute_force;
mod common;
mod extensions;
mod format;
mod readers;
mod reschedule;
mod solver;
