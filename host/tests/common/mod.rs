//! Shared by the host's integration tests: the `cemcp` binary, run as the tests run it.
#![allow(dead_code, reason = "each test binary uses part of this module")]

pub mod raw;

use std::process::Command;

use cemcp_tests::TestBed;
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::ChildStderr;

/// The `cemcp` binary under test.
pub const CEMCP: &str = env!("CARGO_BIN_EXE_cemcp");

/// `program` (the cemcp binary unless a test wraps it) run in the bed, with the shared
/// compiled-component cache and nothing inherited that would change its behaviour.
pub fn command(bed: &TestBed, program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .env("CEMCP_CACHE_DIR", cemcp_tests::workspace_root().join("target/test-cache"))
        .env_remove("CEMCP_MANIFEST")
        .env_remove("RUST_LOG")
        .current_dir(bed.path());
    command
}

/// Starts `cemcp` in the bed with `args` (a `serve` command line), its log at info
/// level on a piped stderr, stdin and stdout piped, killed when dropped.
pub fn spawn_serve(bed: &TestBed, args: &[&str]) -> (tokio::process::Child, Lines<BufReader<ChildStderr>>) {
    let mut child = tokio::process::Command::from(command(bed, CEMCP))
        .args(args)
        .env("RUST_LOG", "info")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("cemcp serve starts");
    let stderr = child.stderr.take().expect("stderr is piped");
    (child, BufReader::new(stderr).lines())
}

/// A tool result's text items, one per line, as a client shows them.
pub fn text(result: &rmcp::model::CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
}

/// `params` asking the server for progress notifications (MCP `progressToken`).
pub fn asking_progress(mut params: rmcp::model::CallToolRequestParams) -> rmcp::model::CallToolRequestParams {
    let mut meta = rmcp::model::RequestMetaObject::default();
    meta.set_progress_token(rmcp::model::ProgressToken(rmcp::model::NumberOrString::String("run-1".into())));
    params.meta = Some(meta);
    params
}
