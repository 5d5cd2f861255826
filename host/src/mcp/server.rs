//! The MCP server: granted tools (context-coupled mode) and program execution
//! (code mode), on the official Rust SDK.
//!
//! WebAssembly runs on tokio's blocking threads (runs are synchronous, see
//! [`crate::run`]); a client's cancellation cancels the run's [`CancelToken`], which
//! stops it within one epoch tick.

use std::future::Future;
use std::sync::Arc;

use base64::Engine as _;
use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock, Implementation, InitializeResult,
    ListToolsResult, PaginatedRequestParams, ProgressNotificationParam, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};
use serde_json::{Map, Value, json};
use wasmtime::component::{Type, Val};

use super::code;
use super::tools::{McpTool, mcp_tools};
use crate::failure::describe_tool_failure;
use crate::limits::CancelToken;
use crate::runtime::Runtime;
use crate::wit_json::{from_json, to_json};
use tokio_util::sync::CancellationToken;

/// Which MCP tools the server offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Expose {
    /// Each granted tool function is one MCP tool.
    Tools,
    /// `search_tools` and `run_program`: the model writes programs.
    Code,
    /// Both.
    Both,
}

/// Most characters of a tool's error text passed to the model.
const MAX_ERROR_TEXT: usize = 2000;

/// The server for one manifest and profile. Cheap to clone.
#[derive(Clone)]
pub struct CemcpServer {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    runtime: Arc<Runtime>,
    profile: String,
    expose: Expose,
    tools: Vec<McpTool>,
    /// Cancelled when the client is gone (stdin closed) or the server stops: every
    /// run in flight is cancelled with it.
    closing: CancellationToken,
}

impl CemcpServer {
    /// A server offering `expose` from `runtime`, under `profile` (its grants and limits
    /// apply to programs; its tools are the ones offered).
    ///
    /// # Errors
    ///
    /// When the profile does not exist.
    pub fn new(runtime: Arc<Runtime>, profile: Option<&str>, expose: Expose) -> anyhow::Result<Self> {
        let profile = runtime.manifest().profile(profile)?.name.clone();
        let tools = if expose == Expose::Code { Vec::new() } else { mcp_tools(&runtime, &profile) };
        let closing = CancellationToken::new();
        Ok(Self { inner: Arc::new(Inner { runtime, profile, expose, tools, closing }) })
    }

    /// The same server, whose runs are all cancelled when `closing` is.
    #[must_use]
    pub fn cancelled_by(self, closing: CancellationToken) -> Self {
        let Inner { runtime, profile, expose, tools, .. } = Arc::unwrap_or_clone(self.inner);
        Self { inner: Arc::new(Inner { runtime, profile, expose, tools, closing }) }
    }

    /// The token that stops every run of this server.
    pub(super) fn closing(&self) -> &CancellationToken {
        &self.inner.closing
    }

    fn listed(&self) -> Vec<Tool> {
        let mut listed: Vec<Tool> = self
            .inner
            .tools
            .iter()
            .map(|t| {
                let mut tool = Tool::new(t.name.clone(), t.description.clone(), t.input_schema.clone());
                tool.output_schema = t.output_schema.clone().map(Arc::new);
                tool
            })
            .collect();
        if self.inner.expose != Expose::Tools {
            let programs: Vec<&str> = self.inner.runtime.registered_programs().collect();
            listed.extend(code::tools(&programs));
        }
        listed
    }

    async fn call_tool_function(
        &self,
        tool: &McpTool,
        arguments: Map<String, Value>,
        context: &RequestContext<RoleServer>,
    ) -> CallToolResult {
        let Some(func) = tool.tool.func(tool.interface, tool.func) else {
            return error_result("(internal) the function is missing");
        };
        let params = match arguments_to_vals(&func.ty.params().collect::<Vec<_>>(), arguments) {
            Ok(params) => params,
            Err(message) => return error_result(&format!("invalid arguments for `{}`: {message}", tool.name)),
        };
        let cancel = CancelToken::new();
        let (component, interface, index) = (Arc::clone(&tool.tool), tool.interface, tool.func);
        let call = {
            let cancel = cancel.clone();
            move || {
                let func = component.func(interface, index).ok_or_else(|| wasmtime::format_err!("missing"))?;
                component.call_once(func, &params, &cancel)
            }
        };
        let outcome = blocking(call, &cancel, context, self.closing()).await;
        let results: Vec<Type> = func.ty.results().collect();
        match outcome {
            Ok(Ok(vals)) => tool_result(&vals, &results),
            Ok(Err(error)) => {
                let message = describe_tool_failure(&tool.tool, Some(&func.name), &error);
                tracing::warn!(tool = %tool.tool.name, function = %func.name, "{message}");
                error_result(&message)
            }
            Err(cancelled) => error_result(&cancelled),
        }
    }
}

impl ServerHandler for CemcpServer {
    fn get_info(&self) -> InitializeResult {
        let mut capabilities = ServerCapabilities::default();
        capabilities.tools = Some(Default::default());
        let instructions = match self.inner.expose {
            Expose::Tools => "Each tool is a sandboxed WebAssembly component function.",
            Expose::Code | Expose::Both => {
                "Write a WebAssembly component program (world cemcp:host/program) that imports the tool \
                 interfaces you need; find them with search_tools, run it with run_program. Only its \
                 output comes back."
            }
        };
        InitializeResult::new(capabilities)
            .with_server_info(Implementation::new("cemcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(instructions)
    }

    fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListToolsResult, McpError>> + Send + '_ {
        std::future::ready(Ok(ListToolsResult::with_all_items(self.listed())))
    }

    async fn call_tool(
        &self,
        request: CallToolRequestParams,
        context: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, McpError> {
        let arguments = request.arguments.unwrap_or_default();
        let started = std::time::Instant::now();
        let result = if let Some(tool) = self.inner.tools.iter().find(|t| t.name == request.name) {
            self.call_tool_function(tool, arguments, &context).await
        } else if self.inner.expose != Expose::Tools && code::is_code_tool(&request.name) {
            let runtime = Arc::clone(&self.inner.runtime);
            code::call(&request.name, runtime, &self.inner.profile, arguments, &context, self.closing()).await
        } else {
            return Err(McpError::invalid_params(format!("no tool named `{}`", request.name), None));
        };
        let client = context.peer.peer_info().map(|info| info.client_info.name.clone()).unwrap_or_default();
        tracing::info!(
            client = %client,
            tool = %request.name,
            profile = %self.inner.profile,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            outcome = if result.is_error == Some(true) { "error" } else { "ok" },
            "tool call"
        );
        Ok(result.into())
    }
}

/// Runs `work` on a blocking thread. A client's cancel, the server closing (the
/// client gone), or this future being dropped cancels `cancel`, which stops the
/// wasm within one epoch tick: no run outlives its request.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    cancel: &CancelToken,
    context: &RequestContext<RoleServer>,
    closing: &CancellationToken,
) -> Result<T, String> {
    let guard = CancelOnDrop(Some(cancel.clone()));
    let task = tokio::task::spawn_blocking(work);
    tokio::pin!(task);
    let outcome = tokio::select! {
        done = &mut task => done.map_err(|e| format!("(internal) the call failed: {e}")),
        () = context.ct.cancelled() => {
            cancel.cancel();
            // Wait for the wasm to stop, so nothing outlives the request.
            let _ = task.await;
            Err("the call was cancelled".to_owned())
        }
        () = closing.cancelled() => {
            cancel.cancel();
            let _ = task.await;
            Err("the call was cancelled: the server is closing".to_owned())
        }
    };
    guard.disarm();
    outcome
}

/// Cancels a run if the future waiting for it is dropped before it ends.
struct CancelOnDrop(Option<CancelToken>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = self.0.take() {
            cancel.cancel();
        }
    }
}

/// Sends a progress notification if the client asked for them.
pub(super) async fn progress(context: &RequestContext<RoleServer>, step: f64, total: f64, message: &str) {
    if let Some(token) = context.meta.get_progress_token() {
        let mut param = ProgressNotificationParam::new(token, step);
        param.total = Some(total);
        param.message = Some(message.to_owned());
        let _ = context.peer.notify_progress(param).await;
    }
}

/// The arguments object as component values, in parameter order.
fn arguments_to_vals(params: &[(&str, Type)], mut arguments: Map<String, Value>) -> Result<Vec<Val>, String> {
    let mut vals = Vec::with_capacity(params.len());
    for (name, ty) in params {
        let value = arguments.remove(*name).ok_or_else(|| format!("missing argument `{name}`"))?;
        vals.push(from_json(&value, ty).map_err(|e| {
            let path = if e.path.is_empty() { (*name).to_owned() } else { format!("{name}.{}", e.path) };
            let path = path.replace(".[", "[");
            format!("argument `{path}`: expected {}, found {}", e.expected, e.found)
        })?);
    }
    match arguments.keys().next() {
        Some(extra) => {
            let names: Vec<&str> = params.iter().map(|(n, _)| *n).collect();
            Err(format!("unknown argument `{extra}` (arguments: {})", names.join(", ")))
        }
        None => Ok(vals),
    }
}

/// A tool function's results as an MCP result: `ok` as structured content and text,
/// `err` as an error result.
fn tool_result(vals: &[Val], types: &[Type]) -> CallToolResult {
    match (vals, types) {
        ([Val::Result(Err(payload))], [Type::Result(r)]) => {
            let text = match (payload.as_deref(), r.err()) {
                (Some(Val::String(s)), _) => s.clone(),
                (Some(v), Some(t)) => to_json(v, &t).to_string(),
                _ => "the tool returned an error".to_owned(),
            };
            error_result(&text)
        }
        ([Val::Result(Ok(payload))], [Type::Result(r)]) => {
            let value = match (payload.as_deref(), r.ok()) {
                (Some(v), Some(t)) => to_json(v, &t),
                _ => Value::Null,
            };
            structured(value)
        }
        ([val], [ty]) => structured(to_json(val, ty)),
        _ => CallToolResult::success(vec![ContentBlock::text("done")]),
    }
}

fn structured(value: Value) -> CallToolResult {
    let mut result = CallToolResult::success(vec![ContentBlock::text(value.to_string())]);
    result.structured_content = Some(json!({ "result": value }));
    result
}

/// An error result for the model: bounded, and labelled as coming from a tool.
pub(super) fn error_result(message: &str) -> CallToolResult {
    let mut text: String = message.chars().take(MAX_ERROR_TEXT).collect();
    if message.chars().count() > MAX_ERROR_TEXT {
        text.push_str(" [truncated]");
    }
    CallToolResult::error(vec![ContentBlock::text(format!("[cemcp: tool error] {text}"))])
}

/// Decodes base64 program bytes, refusing more than `limit` bytes.
pub(super) fn decode_program(text: &str, limit: usize) -> Result<Vec<u8>, String> {
    if text.len() / 4 * 3 > limit {
        return Err(format!("the program is over the {limit}-byte limit"));
    }
    base64::engine::general_purpose::STANDARD.decode(text.trim()).map_err(|e| format!("`component` is not base64: {e}"))
}
