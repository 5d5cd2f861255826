//! The MCP server: what agents connect to (`cemcp serve`).

//!
//! - `server`: the dispatcher (what is declared, listed, and who answers a call);
//! - `tools_mode`: each granted tool function as an MCP tool;
//! - `code_mode`: `search_tools` and `run_program`;
//! - `call`: what calls share (blocking threads, cancel, progress, error results);
//! - `shutdown`: how a server stops (drain, then cancel);
//! - `stage`: how far a server has started;
//! - `warm`: the tool list a stdio server keeps for its next start, and a start
//!   that answers with it;
//! - `stdio` and `http`: the transports.

mod approve;
mod call;
mod code_mode;
mod http;
mod server;
mod shutdown;
mod stage;
mod stdio;
mod tools_mode;
mod warm;

pub use http::{new_token, serve_http};
pub use server::{CemcpServer, Expose};
pub use shutdown::Shutdown;
pub use stdio::StdioTransport;
pub use tools_mode::{McpTool, mcp_tools};
pub(crate) use warm::{WarmFailure, WarmList, WarmStart};

use std::sync::Arc;

use rmcp::ServiceExt as _;

use crate::runtime::Runtime;

/// Largest program `run_program` accepts, decoded.
pub const MAX_PROGRAM_BYTES: usize = 32 << 20;

/// Largest JSON-RPC message accepted, over stdio (one line) and over HTTP (one
/// body): a program of [`MAX_PROGRAM_BYTES`], base64-encoded, with room to spare.
pub const MAX_REQUEST_BYTES: usize = 48 << 20;

/// Serves MCP over stdin/stdout until the client disconnects or the process is
/// asked to stop. When stdin closes, the client's runs are cancelled at once and
/// this returns; on SIGINT or SIGTERM it stops gracefully (`[server] drain`). Then
/// the tool list is kept in the runtime's cache for the next start (`mcp::warm`);
/// kept then, not at the start, so that writing it never delays this start.
///
/// # Errors
///
/// When the profile does not exist or the transport fails.
pub async fn serve_stdio(runtime: Arc<Runtime>, profile: Option<&str>, expose: Expose) -> anyhow::Result<()> {
    let shutdown = Shutdown::new();
    let server = CemcpServer::new(Arc::clone(&runtime), profile, expose)?.stopped_by(shutdown.clone());
    let (read, write) = rmcp::transport::stdio_pipes();
    let running = server.clone().serve(StdioTransport::new(read, write, shutdown.closing().clone())).await?;
    let serving = async move { running.waiting().await.map(|_| ()).map_err(anyhow::Error::from) };
    let load = || Some(runtime.admission().load());
    let served = shutdown.run(runtime.manifest().server.drain, load, serving).await;
    if let Some(warm) = WarmList::of(runtime.manifest(), runtime.cache(), profile, expose) {
        let listed = server.listed();
        let _ = tokio::task::spawn_blocking(move || warm.keep(runtime.cache(), &listed)).await;
    }
    served
}
