//! libFuzzer target `wit_json`: see `cemcp_fuzz::wit_json` for what it feeds and checks.
//! Run: `cargo +nightly fuzz run --fuzz-dir tests/fuzz/libfuzzer -s none wit_json`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| cemcp_fuzz::wit_json(data));
