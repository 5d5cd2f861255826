//! cemcp's integration tests: real guest components, built from source, run through
//! the real runtime. One binary, one module per area.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

mod cache;
mod concurrency;
mod declarations;
mod example;
mod faults;
mod imports;
mod limits;
mod load;
mod sandbox;
mod scripts;
mod storage;
mod tools;
mod traps;
mod wasi;
mod wit_json;
