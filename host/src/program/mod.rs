//! Agent programs: components that export `run` and import tool interfaces.
//!
//! Three layers, each using only the ones before it:
//!
//! - `forward`: the program Store's data and how an import reaches its tool;
//! - `link`: a program checked against its profile and linked to the tools, each
//!   import generically or, for common signatures, on the typed path (`typed`);
//! - `run`: one run of a linked program, its output, statistics and errors.
//!
//! A script runs in an interpreter component, which is linked like a program
//! (`interpreter`) but reaches tools through `cemcp:host/dispatch` (`dispatch`)
//! instead of importing their interfaces.

mod dispatch;
mod forward;
mod interpreter;
mod link;
mod preinit;
mod recent;
mod run;
mod trace;
mod typed;

pub(crate) use self::interpreter::link as link_interpreter;
pub use self::link::{Program, ProgramError, RUN_SIGNATURE};
pub(crate) use self::preinit::snapshot as pre_initialize;
pub use self::recent::RecentPrograms;
pub use self::run::{RunError, RunOptions, RunOutput, RunStats};
pub(crate) use self::run::{run, run_script};
pub use self::trace::TracedCall;
