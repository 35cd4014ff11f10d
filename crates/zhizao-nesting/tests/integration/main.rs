//! All integration tests of `zhizao-nesting`, linked into one test binary.

mod bad_input;
mod common;
mod conest;
mod cutplan;
mod dxf;
mod fuzz;
mod nesting;
mod readers;
mod validator;
mod writers;
