//! libFuzzer target `program`: see `cemcp_fuzz::program` for what it feeds and checks.
//! Run: `cargo +nightly fuzz run --fuzz-dir tests/fuzz/libfuzzer -s none program`.
#![no_main]

// The runtime (and, for mcp, the interpreters) is built before fuzzing starts, not
// inside the first input's time limit.
libfuzzer_sys::fuzz_target!(init: { cemcp_fuzz::program::runtime(); }, |data: &[u8]| cemcp_fuzz::program(data));
