//! `native_mcp DIR [TOOLS.json]`: the reference MCP server of the benchmarks
//! (`tests/benches/mcp.rs`), built on the same SDK as cemcp (rmcp) and spoken to over
//! stdio.
//!
//! It serves the same two functions as cemcp's `kv` tool, natively: `kv_get` and
//! `kv_put` on one file per key in `DIR` (keys of `[A-Za-z0-9_-]` only; the rest are
//! refused, which the benchmarks never send), with the same result shape as cemcp's
//! tools mode (the value as text and as `{"result": ...}`). What it does not do is
//! what cemcp adds: a sandbox, a fresh instance per call, limits, gates.
//! So the difference between the two is the price of those.
//!
//! With `TOOLS.json` (a JSON array of MCP tools, as a `tools/list` answer holds them)
//! it lists those too, read at start, without being able to call them: the reference
//! for what listing as many tools as cemcp does costs a server and its client.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context as _;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, InitializeResult,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler, ServiceExt as _};
use serde_json::{Map, Value, json};

#[derive(Clone)]
struct Kv {
    dir: Arc<PathBuf>,
    /// Listed too, never called.
    more: Arc<Vec<Tool>>,
}

impl Kv {
    fn path(&self, arguments: &Map<String, Value>) -> Result<PathBuf, String> {
        let key = arguments.get("key").and_then(Value::as_str).ok_or("`key` (a string) is required")?;
        let plain = !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !plain {
            return Err(format!("key `{key}`: only [A-Za-z0-9_-] here"));
        }
        Ok(self.dir.join(key))
    }

    fn call(&self, name: &str, arguments: &Map<String, Value>) -> Result<Value, String> {
        let path = self.path(arguments)?;
        match name {
            "kv_get" => match std::fs::read_to_string(&path) {
                Ok(value) => Ok(Value::String(value)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Value::Null),
                Err(e) => Err(format!("cannot read {}: {e}", path.display())),
            },
            "kv_put" => {
                let value = arguments.get("value").and_then(Value::as_str).ok_or("`value` (a string) is required")?;
                let temp = path.with_extension("tmp");
                std::fs::write(&temp, value)
                    .and_then(|()| std::fs::rename(&temp, &path))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                Ok(Value::Null)
            }
            _ => Err(format!("no tool named `{name}`")),
        }
    }
}

fn tool(name: &str, description: &str, properties: &Value) -> Tool {
    let schema = json!({ "type": "object", "properties": properties, "additionalProperties": false });
    Tool::new(name.to_owned(), description.to_owned(), Arc::new(schema.as_object().cloned().unwrap_or_default()))
}

impl ServerHandler for Kv {
    fn get_info(&self) -> InitializeResult {
        let mut capabilities = ServerCapabilities::default();
        capabilities.tools = Some(Default::default());
        InitializeResult::new(capabilities).with_server_info(Implementation::new("native-kv", "1"))
    }

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let key = json!({ "key": { "type": "string" } });
        let pair = json!({ "key": { "type": "string" }, "value": { "type": "string" } });
        let mut tools = vec![
            tool("kv_get", "The value stored under a key, or null.", &key),
            tool("kv_put", "Stores a value under a key.", &pair),
        ];
        tools.extend(self.more.iter().cloned());
        Ok(ListToolsResult::with_all_items(tools))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let arguments = request.arguments.unwrap_or_default();
        let result = match self.call(&request.name, &arguments) {
            Ok(value) => {
                let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
                let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
                result.structured_content = Some(json!({ "result": value }));
                result
            }
            Err(message) => CallToolResult::error(vec![ContentBlock::text(message)]),
        };
        Ok(result.into())
    }
}

/// A multi-threaded runtime, as cemcp serve runs and as rmcp's examples are written.
#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args_os().skip(1);
    let dir = args.next().map(PathBuf::from).context("usage: native_mcp DIR [TOOLS.json]")?;
    anyhow::ensure!(dir.is_dir(), "{} is not a directory", dir.display());
    let more = match args.next().map(PathBuf::from) {
        Some(path) => {
            let text = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            serde_json::from_slice(&text).with_context(|| format!("{} is not a JSON array of tools", path.display()))?
        }
        None => Vec::new(),
    };
    let server = Kv { dir: Arc::new(dir), more: Arc::new(more) }.serve(rmcp::transport::stdio()).await?;
    server.waiting().await?;
    Ok(())
}
