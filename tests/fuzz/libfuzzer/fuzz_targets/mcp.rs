//! libFuzzer target `mcp`: see `cemcp_fuzz::mcp` for what it feeds and checks.
//! Run: `cargo +nightly fuzz run --fuzz-dir tests/fuzz/libfuzzer -s none mcp`.
#![no_main]

// The runtime (and, for mcp, the interpreters) is built before fuzzing starts, not
// inside the first input's time limit.
libfuzzer_sys::fuzz_target!(init: { cemcp_fuzz::mcp::bed(); }, |data: &[u8]| cemcp_fuzz::mcp(data));
