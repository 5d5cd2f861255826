//! libFuzzer target `manifest`: see `cemcp_fuzz::manifest` for what it feeds and checks.
//! Run: `cargo +nightly fuzz run --fuzz-dir tests/fuzz/libfuzzer -s none manifest`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cemcp_fuzz::manifest(data));
