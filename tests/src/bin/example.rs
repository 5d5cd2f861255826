//! Runs the shipped example: the `report` program under `capabilities/example.toml`,
//! through the same code as `cemcp run`. Building this binary builds every guest
//! component from source (see `build.rs`).
//!
//! Extra arguments replace the default input JSON, e.g.
//! `cargo run -p cemcp-tests --bin example -- '{"pattern": "sandbox"}'`.

use std::process::ExitCode;

use cemcp_tests::{artifacts, workspace_root};

fn main() -> ExitCode {
    let input = std::env::args().nth(1).unwrap_or_else(|| r#"{"pattern": "wasm"}"#.to_owned());
    let manifest = workspace_root().join("capabilities").join("example.toml");
    let args = [
        "cemcp".to_owned(),
        "run".to_owned(),
        artifacts::REPORT_COMPONENT.to_owned(),
        "--manifest".to_owned(),
        manifest.display().to_string(),
        "--input".to_owned(),
        input,
        "--stats".to_owned(),
    ];
    eprintln!("$ {}", args.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" "));
    cemcp::cli::main(args)
}

fn shell_quote(arg: &str) -> String {
    if arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=".contains(c)) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}
