//! The MCP server: what agents connect to (`cemcp serve`).

mod code;
mod http;
mod server;
mod tools;

pub use http::{new_token, serve_http};
pub use server::{CemcpServer, Expose};
pub use tools::{McpTool, mcp_tools};

use std::sync::Arc;

use rmcp::ServiceExt as _;

use crate::runtime::Runtime;

/// Serves MCP over stdin/stdout until the client disconnects.
///
/// # Errors
///
/// When the profile does not exist or the transport fails.
pub async fn serve_stdio(runtime: Arc<Runtime>, profile: Option<&str>, expose: Expose) -> anyhow::Result<()> {
    let server = CemcpServer::new(runtime, profile, expose)?;
    let running = server.serve(rmcp::transport::stdio()).await?;
    running.waiting().await?;
    Ok(())
}
