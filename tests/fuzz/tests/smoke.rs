//! A short smoke of each fuzz target on stable, as CI runs it (`cargo test
//! --workspace`, or `cargo test -p cemcp-fuzz --test smoke`): each target's body runs
//! over its seed corpus and regression inputs (`tests/fuzz/corpus/<target>/`, plus
//! the shipped manifests and the real programs) and over inputs from a generator with
//! a fixed seed, so a failure reproduces. A finding panics inside the body and fails
//! the test, naming the input. The `mcp` and `program` smokes need the guest
//! components (`just guests`); `cargo test --workspace` builds them first.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::{Path, PathBuf};

/// A small, fixed-seed generator (xorshift64*): the same inputs on every run.
struct Inputs(u64);

impl Inputs {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Bytes of a length up to `max`, whose first byte is below 9 (a generator's
    /// recipe) when `recipe` holds.
    fn bytes(&mut self, max: u64, recipe: bool) -> Vec<u8> {
        let len = self.next() % max + 1;
        let mut bytes: Vec<u8> = (0..len).map(|_| self.next().to_le_bytes()[0]).collect();
        if recipe && let Some(first) = bytes.first_mut() {
            *first %= 9;
        }
        bytes
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every file in `dirs` (relative to the workspace root) whose name ends in one of
/// `extensions` (all files for an empty list), in name order.
fn files(dirs: &[&str], extensions: &[&str]) -> Vec<(PathBuf, Vec<u8>)> {
    let mut found = Vec::new();
    for dir in dirs {
        let Ok(entries) = std::fs::read_dir(root().join(dir)) else { continue };
        for entry in entries {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if path.is_file() && (extensions.is_empty() || extensions.iter().any(|e| name.ends_with(e))) {
                found.push((path.clone(), std::fs::read(&path).unwrap()));
            }
        }
    }
    found.sort();
    found
}

/// Runs `target` on each seed, then on `count` generated inputs of up to `max` bytes
/// (half of them recipes); says which input failed.
fn smoke(target: fn(&[u8]), seeds: &[(PathBuf, Vec<u8>)], count: usize, max: u64, seed: u64) {
    for (path, bytes) in seeds {
        eprintln!("seed {}", path.display());
        target(bytes);
    }
    let mut inputs = Inputs(seed);
    for i in 0..count {
        let bytes = inputs.bytes(max, i % 2 == 0);
        let run = std::panic::catch_unwind(|| target(&bytes));
        if let Err(panic) = run {
            panic!("generated input {i} (seed {seed}) failed: {:?}\ninput: {bytes:?}", panic.downcast_ref::<String>());
        }
    }
}

#[test]
fn manifest_targets_seeds_and_generated_manifests() {
    let mut seeds = files(&["capabilities", "tests/cases"], &[".toml"]);
    assert!(seeds.len() >= 20, "the shipped manifests and cases are seeds: {}", seeds.len());
    seeds.extend(files(&["tests/fuzz/corpus/manifest"], &[]));
    smoke(cemcp_fuzz::manifest, &seeds, 4000, 400, 1);
}

#[test]
fn wit_json_targets_seeds_and_generated_types() {
    let mut inputs = Inputs(2);
    let built = (0..200).filter(|_| cemcp_fuzz::wit_json::builds(&inputs.bytes(64, false))).count();
    assert!(built >= 190, "the type generator should make valid WIT nearly always: {built} of 200 built");
    let accepted = (0..500).filter(|_| cemcp_fuzz::wit_json::accepted(&inputs.bytes(400, false)) == Some(true)).count();
    assert!(accepted >= 100, "the JSON generator should often fit the type: {accepted} of 500 accepted");
    smoke(cemcp_fuzz::wit_json, &files(&["tests/fuzz/corpus/wit_json"], &[]), 3000, 400, 3);
}

#[test]
fn mcp_target_seeds_and_generated_sessions() {
    smoke(cemcp_fuzz::mcp, &files(&["tests/fuzz/corpus/mcp"], &[]), 150, 300, 4);
}

#[test]
fn program_target_seeds_and_generated_components() {
    let mut seeds = files(&["target/guests/wasm32-wasip2/release"], &["report.wasm", "probe.wasm"]);
    assert_eq!(seeds.len(), 2, "the real programs are seeds; build the guests first (`just guests`)");
    seeds.extend(files(&["tests/fuzz/corpus/program"], &[]));
    let mut inputs = Inputs(5);
    let made =
        (0..100).filter(|_| cemcp_fuzz::program::offered(&[&[0][..], &inputs.bytes(2000, false)].concat()).is_some());
    let made = made.count();
    assert!(made >= 80, "the program generator should wrap most modules into components: {made} of 100");
    smoke(cemcp_fuzz::program, &seeds, 300, 2000, 6);
}
