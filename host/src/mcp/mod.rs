//! The MCP server: what agents connect to (`cemcp serve`).

//!
//! - `server`: the dispatcher (what is declared, listed, and who answers a call);
//! - `tools_mode`: each granted tool function as an MCP tool;
//! - `code_mode`: `search_tools` and `run_program`;
//! - `call`: what calls share (blocking threads, cancel, progress, error results);
//! - `stdio` and `http`: the transports.

mod approve;
mod call;
mod code_mode;
mod http;
mod server;
mod stdio;
mod tools_mode;

pub use http::{new_token, serve_http};
pub use server::{CemcpServer, Expose};
pub use stdio::StdioTransport;
pub use tools_mode::{McpTool, mcp_tools};

use std::sync::Arc;

use rmcp::ServiceExt as _;
use tokio_util::sync::CancellationToken;

use crate::runtime::Runtime;

/// Largest program `run_program` accepts, decoded.
pub const MAX_PROGRAM_BYTES: usize = 32 << 20;

/// Largest JSON-RPC message accepted, over stdio (one line) and over HTTP (one
/// body): a program of [`MAX_PROGRAM_BYTES`], base64-encoded, with room to spare.
pub const MAX_REQUEST_BYTES: usize = 48 << 20;

/// What a call sent while the server stops is told (over stdio `[cemcp: busy]`, over
/// HTTP a 503): nothing ran.
const STOPPING: &str = "the server is stopping; nothing ran";

/// Serves MCP over stdin/stdout until the client disconnects or the process is
/// asked to stop. When stdin closes, the client's runs are cancelled at once and
/// this returns; on SIGINT or SIGTERM it stops gracefully (`[server] drain`).
///
/// # Errors
///
/// When the profile does not exist or the transport fails.
pub async fn serve_stdio(runtime: Arc<Runtime>, profile: Option<&str>, expose: Expose) -> anyhow::Result<()> {
    let (stopping, closed) = (CancellationToken::new(), CancellationToken::new());
    let server = CemcpServer::new(Arc::clone(&runtime), profile, expose)?.stopped_by(stopping.clone(), closed.clone());
    let (read, write) = rmcp::transport::stdio_pipes();
    let running = server.serve(StdioTransport::new(read, write, closed.clone())).await?;
    let serving = async move { running.waiting().await.map(|_| ()).map_err(anyhow::Error::from) };
    stop(&runtime, serving, &stopping, &closed).await
}

/// Runs `serving` until it ends, or until SIGINT or SIGTERM; then stops gracefully:
/// new calls are refused (`[cemcp: busy] the server is stopping`; over HTTP, 503),
/// runs in flight get the manifest's `[server] drain` time to finish (their answers
/// still go out), the rest are cancelled ("the server is closing"), and this
/// returns `Ok`, so that the process exits with status 0.
pub(crate) async fn stop(
    runtime: &Runtime,
    serving: impl std::future::Future<Output = anyhow::Result<()>>,
    stopping: &CancellationToken,
    closing: &CancellationToken,
) -> anyhow::Result<()> {
    let mut serving = std::pin::pin!(serving);
    let signal = tokio::select! {
        done = &mut serving => return done,
        signal = stop_signal() => signal?,
    };
    let drain = runtime.manifest().server.drain;
    let load = runtime.admission().load();
    eprintln!(
        "cemcp: {signal}: stopping; {} run(s) in flight, {} waiting, given {} to finish",
        load.running,
        load.waiting,
        humantime::format_duration(drain)
    );
    stopping.cancel();
    let finished = tokio::select! {
        done = &mut serving => return done,
        finished = tokio::time::timeout(drain, idle(runtime)) => finished.is_ok(),
    };
    if !finished {
        let load = runtime.admission().load();
        eprintln!(
            "cemcp: cancelling {} run(s) still in flight after {}",
            load.running,
            humantime::format_duration(drain)
        );
    }
    closing.cancel();
    // Cancelled runs stop within an epoch tick; let their answers go out.
    tokio::select! {
        _ = &mut serving => {}
        _ = tokio::time::timeout(std::time::Duration::from_secs(2), idle(runtime)) => {
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
    eprintln!("cemcp: stopped");
    Ok(())
}

/// Waits until no run is in flight or waiting.
async fn idle(runtime: &Runtime) {
    while runtime.admission().load() != crate::admission::Load::default() {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Waits for SIGINT or SIGTERM; its name.
async fn stop_signal() -> anyhow::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(|e| anyhow::anyhow!("cannot watch SIGTERM: {e}"))?;
        let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| anyhow::anyhow!("cannot watch SIGINT: {e}"))?;
        tokio::select! {
            _ = term.recv() => Ok("SIGTERM"),
            _ = interrupt.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(|e| anyhow::anyhow!("cannot watch Ctrl-C: {e}"))?;
        Ok("Ctrl-C")
    }
}
