//! Agent programs: components that export `run` and import tool interfaces.
//!
//! Three layers, each using only the ones before it:
//!
//! - `forward`: the program Store's data and how an import reaches its tool;
//! - `link`: a program checked against its profile and linked to the tools;
//! - `run`: one run of a linked program, its output, statistics and errors.

mod forward;
mod link;
mod run;

pub use self::link::{Program, ProgramError, RUN_SIGNATURE};
pub(crate) use self::run::run;
pub use self::run::{RunError, RunOutput, RunStats};
