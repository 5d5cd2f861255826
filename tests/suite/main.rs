//! cemcp's integration tests: real guest components, built from source, run through
//! the real runtime. One binary, one module per area.

mod cache;
mod example;
mod imports;
mod limits;
mod sandbox;
mod traps;
