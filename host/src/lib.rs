//! cemcp: a code-execution MCP host on wasmtime.
//!
//! Tools are WebAssembly components with WIT interfaces; an agent program is a
//! component that imports those interfaces and exports `run` (world
//! `cemcp:host/program`). The host links the program's imports to the tools, each in
//! its own Store with its own capability-scoped WASI, and enforces the limits and
//! grants of an admin's [`Manifest`].
//!
//! ```no_run
//! # fn main() -> anyhow::Result<()> {
//! use cemcp::{CancelToken, ComponentCache, Manifest, Runtime};
//!
//! let manifest = Manifest::load("capabilities/example.toml".as_ref())?;
//! let runtime = Runtime::new(manifest, ComponentCache::disabled())?;
//! let program = runtime.load_program(&std::fs::read("report.wasm")?, None)?;
//! let output = runtime.run(&program, r#"{"pattern": "wasm"}"#, &CancelToken::new())?;
//! println!("{}", output.output);
//! # Ok(())
//! # }
//! ```

pub mod admission;
pub mod audit;
mod background;
pub mod cache;
pub mod cli;
pub mod engine;
mod failure;
pub mod gate;
mod loading;
pub mod manifest;
pub mod mcp;
pub mod profile;
pub mod program;
pub mod runtime;
pub mod sandbox;
pub mod tool;
mod values;
pub mod wit_json;

pub use cache::{CacheOutcome, ComponentCache};
pub use manifest::{Manifest, ManifestError};
pub use program::{Program, ProgramError};
pub use program::{RunError, RunOptions, RunOutput, RunStats, TracedCall};
pub use runtime::Runtime;
pub use sandbox::limits::{CancelToken, LimitExceeded, RunHalt};

/// The cores this process may use, asked once: `available_parallelism` reads the
/// cgroup's files on every call, and a start asked it several times.
pub(crate) fn cores() -> usize {
    static CORES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *CORES.get_or_init(|| std::thread::available_parallelism().map_or(1, std::num::NonZero::get))
}
