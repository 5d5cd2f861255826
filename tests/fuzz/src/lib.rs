//! cemcp's fuzz targets: the bodies of the four coverage-guided fuzzers and the
//! generators that turn fuzz bytes into their inputs.
//!
//! - [`manifest()`]: manifest text parsed, validated and resolved;
//! - [`wit_json()`]: JSON converted to values of arbitrary WIT types and back;
//! - [`mcp()`]: a real MCP server session fed arbitrary client bytes;
//! - [`program()`]: arbitrary components offered and run as programs.
//!
//! Each body panics only on a finding (a host panic, or an invariant its module
//! states). libFuzzer drives them from `tests/fuzz/libfuzzer` (nightly):
//!
//! ```text
//! cargo +nightly fuzz run --fuzz-dir tests/fuzz/libfuzzer -s none <target> -- -max_total_time=60
//! ```
//!
//! (`just fuzz <target>` adds the seed corpora), and `tests/smoke.rs` runs each over
//! its seeds and a few thousand generated inputs on stable as part of
//! `cargo test --workspace`. The `mcp` and `program` targets need the guest
//! components in `target/guests/wasm32-wasip2/release/` (`just guests`).
#![expect(clippy::panic, reason = "a fuzz target reports a finding by panicking, which libFuzzer records")]

pub mod component;
pub mod json;
pub mod manifest;
pub mod manifest_gen;
pub mod mcp;
pub mod mcp_input;
pub mod program;
pub mod wit_json;
pub mod wit_type;

use std::path::{Path, PathBuf};

use cemcp::Manifest;

pub use manifest::manifest;
pub use mcp::mcp;
pub use program::program;
pub use wit_json::wit_json;

/// The workspace root (this crate is `tests/fuzz`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Where the guest components are built.
///
/// # Errors
///
/// When they are not there, saying how to build them.
pub fn guests_dir() -> anyhow::Result<PathBuf> {
    let dir = workspace_root().join("target/guests/wasm32-wasip2/release");
    if dir.join("files.wasm").is_file() {
        Ok(std::path::absolute(dir)?)
    } else {
        anyhow::bail!(
            "no guest components in {}: build them first (`just guests`, or `cargo test -p cemcp-tests`)",
            dir.display()
        )
    }
}

/// The manifest `template` of the target `name`, its `{GUESTS}` and `{DATA}` filled
/// in: the data directory is `target/fuzz-data/<name>`, holding `docs/` with `docs`
/// (file name, content) written in it.
///
/// # Errors
///
/// When the guests are not built, the files cannot be written, or the manifest is
/// refused.
pub fn target_manifest(name: &str, template: &str, docs: &[(&str, &str)]) -> anyhow::Result<Manifest> {
    let guests = guests_dir()?;
    let data = workspace_root().join("target/fuzz-data").join(name);
    std::fs::create_dir_all(data.join("docs"))?;
    for (file, content) in docs {
        std::fs::write(data.join("docs").join(file), content)?;
    }
    let text =
        template.replace("{GUESTS}", &guests.display().to_string()).replace("{DATA}", &data.display().to_string());
    Ok(Manifest::parse(&text, &PathBuf::from(format!("fuzz-{name}.toml")), &data)?)
}
