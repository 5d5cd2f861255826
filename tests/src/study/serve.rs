//! `cemcp serve` over stdio, driven by the official Rust SDK's client (rmcp), as an
//! MCP client drives it (the server is the `study` binary running as `cemcp`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use rmcp::model::{CallToolRequestParams, CallToolResult, Tool};
use rmcp::service::RunningService;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Map, Value};
use tokio::process::{Child, ChildStdin, ChildStdout};

use crate::workspace_root;

/// The program that serves MCP: a binary of this crate (`study`, `example`, `stress`),
/// which links the cemcp library and runs as `cemcp` when its first argument is
/// `cemcp` (`study cemcp serve ...`). So the benchmarks need no second binary built,
/// and always run the cemcp they were built with.
#[derive(Debug, Clone)]
pub struct Cemcp(PathBuf);

impl Cemcp {
    /// The `study` binary at `path` (tests: `env!("CARGO_BIN_EXE_study")`).
    pub fn study_binary(path: impl Into<PathBuf>) -> Self {
        Self(path.into())
    }

    /// The running executable, which must be one of those binaries.
    ///
    /// # Errors
    ///
    /// When its path cannot be found.
    pub fn this_binary() -> anyhow::Result<Self> {
        Ok(Self(std::env::current_exe().context("the running executable's path")?))
    }

    /// Its path.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

/// A running `cemcp serve` and the client connected to it.
pub struct Served {
    client: RunningService<RoleClient, ()>,
    child: Child,
}

impl Served {
    /// Starts `cemcp serve -m manifest --expose expose` (stdio; its log discarded) with
    /// the tests' compiled-component cache, and connects.
    ///
    /// # Errors
    ///
    /// When it does not start or the MCP handshake fails.
    pub async fn start(cemcp: &Cemcp, manifest: &Path, expose: &str) -> anyhow::Result<Self> {
        let (child, stdio) = spawn(cemcp, manifest, expose, &[])?;
        let client = ().serve(stdio).await.map_err(|e| anyhow!("MCP handshake with cemcp serve: {e}"))?;
        Ok(Self { client, child })
    }

    /// Connects to any MCP server started as `child` with its stdin and stdout piped
    /// (the benchmarks' native reference server).
    ///
    /// # Errors
    ///
    /// When its stdio is not piped or the MCP handshake fails.
    pub async fn attach(mut child: Child) -> anyhow::Result<Self> {
        let (Some(stdout), Some(stdin)) = (child.stdout.take(), child.stdin.take()) else {
            bail!("the server's stdio is not piped")
        };
        let client = ().serve((stdout, stdin)).await.map_err(|e| anyhow!("MCP handshake: {e}"))?;
        Ok(Self { client, child })
    }

    /// `tools/list`, every page.
    ///
    /// # Errors
    ///
    /// When the request fails.
    pub async fn tools(&self) -> anyhow::Result<Vec<Tool>> {
        self.client.list_all_tools().await.map_err(|e| anyhow!("tools/list: {e}"))
    }

    /// Calls `name` with `arguments`; the result and the round trip's time, as the
    /// client measures it (request written to response read).
    ///
    /// # Errors
    ///
    /// When the request fails (a tool's error is a result, not an error).
    pub async fn call(&self, name: &str, arguments: &Value) -> anyhow::Result<(CallToolResult, Duration)> {
        let arguments: Map<String, Value> = arguments.as_object().cloned().unwrap_or_default();
        let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments);
        let started = Instant::now();
        let result = self.client.call_tool(params).await.map_err(|e| anyhow!("tools/call {name}: {e}"))?;
        Ok((result, started.elapsed()))
    }

    /// Closes the connection and waits for the server to exit.
    pub async fn stop(self) {
        let Self { client, mut child } = self;
        let _ = client.cancel().await;
        if tokio::time::timeout(Duration::from_secs(5), child.wait()).await.is_err() {
            let _ = child.kill().await;
        }
    }
}

/// Starts `cemcp serve -m manifest --expose expose` with `extra` arguments (stdio;
/// its log discarded) with the tests' compiled-component cache; the child and its
/// stdio, for a client to `serve`.
///
/// # Errors
///
/// When it does not start.
pub fn spawn(
    cemcp: &Cemcp,
    manifest: &Path,
    expose: &str,
    extra: &[&str],
) -> anyhow::Result<(Child, (ChildStdout, ChildStdin))> {
    let mut child = tokio::process::Command::new(cemcp.path())
        .args(["cemcp", "serve"])
        .arg("-m")
        .arg(manifest)
        .args(["--expose", expose])
        .args(extra)
        .env("CEMCP_CACHE_DIR", workspace_root().join("target/test-cache"))
        .env_remove("CEMCP_MANIFEST")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("starting {} cemcp serve", cemcp.path().display()))?;
    let (stdout, stdin) = (child.stdout.take(), child.stdin.take());
    let (Some(stdout), Some(stdin)) = (stdout, stdin) else { bail!("cemcp serve's stdio is not piped") };
    Ok((child, (stdout, stdin)))
}

/// A result as the benchmark's client shows it to the model: its text items, joined.
/// (Images and other non-text items add nothing.)
pub fn text_of(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.as_str())).collect()
}

/// Whether a result is an error.
pub fn is_error(result: &CallToolResult) -> bool {
    result.is_error == Some(true)
}
