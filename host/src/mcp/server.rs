//! The MCP server's dispatcher: what it declares, what it lists, and which mode
//! answers a call ([`super::tools_mode`] or [`super::code_mode`]).
//!
//! WebAssembly runs on tokio's blocking threads (runs are synchronous, see
//! [`crate::program`]); a client's cancellation cancels the run's
//! [`crate::CancelToken`], which stops it within one epoch tick.
//!
//! Only tools are served: the server declares the tools capability alone, and
//! answers the methods of the others (prompts, resources, completion) as unknown.

use std::future::Future;
use std::sync::Arc;

use rmcp::model::{
    CallToolRequestParams, CallToolResponse, CompleteRequestMethod, CompleteRequestParams, CompleteResult,
    Implementation, InitializeResult, ListPromptsRequestMethod, ListPromptsResult, ListResourceTemplatesRequestMethod,
    ListResourceTemplatesResult, ListResourcesRequestMethod, ListResourcesResult, ListToolsResult,
    PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};

use super::Shutdown;
use super::code_mode;
use super::tools_mode::{self, McpTool, mcp_tools};
use crate::profile::Profile;
use crate::runtime::Runtime;

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

/// The server for one manifest and profile. Cheap to clone.
#[derive(Clone)]
pub struct CemcpServer {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    runtime: Arc<Runtime>,
    /// The serving profile, resolved once.
    profile: Arc<Profile>,
    expose: Expose,
    tools: Arc<[McpTool]>,
    /// When new calls are refused and calls in flight cancelled; which calls are in
    /// flight.
    shutdown: Shutdown,
}

impl CemcpServer {
    /// A server offering `expose` from `runtime`, under `profile` (its grants and limits
    /// apply to programs; its tools are the ones offered).
    ///
    /// # Errors
    ///
    /// When the profile does not exist.
    pub fn new(runtime: Arc<Runtime>, profile: Option<&str>, expose: Expose) -> anyhow::Result<Self> {
        let profile = Arc::clone(runtime.profile(profile)?);
        let tools = if expose == Expose::Code { Arc::default() } else { mcp_tools(&profile).into() };
        Ok(Self { inner: Arc::new(Inner { runtime, profile, expose, tools, shutdown: Shutdown::new() }) })
    }

    /// The same server, stopped by `shutdown`: it refuses new calls once that is
    /// stopping, cancels its calls in flight when that is closing, and counts them
    /// there meanwhile.
    #[must_use]
    pub fn stopped_by(self, shutdown: Shutdown) -> Self {
        let Inner { runtime, profile, expose, tools, .. } = Arc::unwrap_or_clone(self.inner);
        Self { inner: Arc::new(Inner { runtime, profile, expose, tools, shutdown }) }
    }

    fn listed(&self) -> Vec<Tool> {
        let mut listed: Vec<Tool> = self
            .inner
            .tools
            .iter()
            .map(|t| {
                let mut tool = Tool::new(t.name.clone(), t.description.clone(), Arc::clone(&t.input_schema));
                tool.output_schema.clone_from(&t.output_schema);
                tool
            })
            .collect();
        if self.inner.expose != Expose::Tools {
            let programs: Vec<&str> = self.inner.runtime.registered_programs().collect();
            let languages: Vec<&str> = self.inner.runtime.languages().map(|l| l.name()).collect();
            listed.extend(code_mode::definitions(&programs, &languages));
        }
        listed
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
        let inner = &self.inner;
        let arguments = request.arguments.unwrap_or_default();
        let started = std::time::Instant::now();
        let accepted = inner.shutdown.accept();
        let closing = inner.shutdown.closing();
        let result = if accepted.is_none() {
            super::call::busy(super::shutdown::STOPPING)
        } else if let Some(tool) = inner.tools.iter().find(|t| t.name == request.name) {
            tools_mode::call(tool, arguments, &context, closing).await
        } else if inner.expose != Expose::Tools && code_mode::is_code_tool(&request.name) {
            let runtime = Arc::clone(&inner.runtime);
            code_mode::call(&request.name, runtime, &inner.profile, arguments, &context, closing).await
        } else {
            return Err(McpError::invalid_params(format!("no tool named `{}`", request.name), None));
        };
        let client = context.peer.peer_info().map(|info| info.client_info.name.clone()).unwrap_or_default();
        tracing::info!(
            client = %client,
            tool = %request.name,
            profile = %inner.profile.name,
            duration_ms = started.elapsed().as_secs_f64() * 1000.0,
            outcome = if result.is_error == Some(true) { "error" } else { "ok" },
            "tool call"
        );
        Ok(result.into())
    }

    fn list_prompts(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListPromptsResult, McpError>> + Send + '_ {
        std::future::ready(Err(McpError::method_not_found::<ListPromptsRequestMethod>()))
    }

    fn list_resources(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourcesResult, McpError>> + Send + '_ {
        std::future::ready(Err(McpError::method_not_found::<ListResourcesRequestMethod>()))
    }

    fn list_resource_templates(
        &self,
        _request: Option<PaginatedRequestParams>,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<ListResourceTemplatesResult, McpError>> + Send + '_ {
        std::future::ready(Err(McpError::method_not_found::<ListResourceTemplatesRequestMethod>()))
    }

    fn complete(
        &self,
        _request: CompleteRequestParams,
        _context: RequestContext<RoleServer>,
    ) -> impl Future<Output = Result<CompleteResult, McpError>> + Send + '_ {
        std::future::ready(Err(McpError::method_not_found::<CompleteRequestMethod>()))
    }
}
