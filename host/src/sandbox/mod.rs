//! The sandbox around every component: what it is granted, and what stops it.
//!
//! Each piece is one layer, applied to every Store the host creates:
//!
//! - [`grants`]: manifest grants turned into host resources and WASI contexts (the
//!   one module that opens host directories and reads host variables for guests);
//! - [`fs_guard`]: the filesystem a tool sees (only regular files and directories
//!   open; storage quotas);
//! - [`http_policy`]: the network allowlist, checked on every `wasi:http` request;
//! - [`capture`]: guest stdout and stderr, captured and bounded;
//! - [`limits`]: time, memory, fuel and cancellation, and the errors that name them;
//! - [`blocking`]: blocking WASI calls that still obey time limits and cancellation;
//! - [`store`]: a Store with all of the above set up, the one way Stores are made.

pub mod blocking;
pub mod capture;
pub mod fs_guard;
pub mod grants;
pub mod http_policy;
pub mod limits;
pub mod store;
