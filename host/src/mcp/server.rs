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
    CallToolRequestParams, CallToolResponse, CallToolResult, CompleteRequestMethod, CompleteRequestParams,
    CompleteResult, Implementation, InitializeResult, ListPromptsRequestMethod, ListPromptsResult,
    ListResourceTemplatesRequestMethod, ListResourceTemplatesResult, ListResourcesRequestMethod, ListResourcesResult,
    ListToolsResult, PaginatedRequestParams, ServerCapabilities, Tool,
};
use rmcp::service::RequestContext;
use rmcp::{ErrorData as McpError, RoleServer, ServerHandler};

use super::Shutdown;
use super::code_mode;
use super::stage::{Loaded, Progress, Stage, Starting};
use super::tools_mode;
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
    expose: Expose,
    /// How far it has started (loaded at once for [`CemcpServer::new`]).
    progress: Progress,
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
        let progress = Progress::loaded(Loaded::new(runtime, profile, expose)?);
        Ok(Self { inner: Arc::new(Inner { expose, progress, shutdown: Shutdown::new() }) })
    }

    /// A server offering `expose` before its runtime has loaded: it answers
    /// `tools/list` with the kept list (the list the same manifest, components,
    /// profile and build of cemcp gave before; its transport writes it, see
    /// [`super::warm`]), and its calls wait until `Starting` says the tools have
    /// loaded.
    pub(crate) fn starting(expose: Expose) -> (Self, Starting) {
        let (progress, starting) = Starting::new(expose);
        (Self { inner: Arc::new(Inner { expose, progress, shutdown: Shutdown::new() }) }, starting)
    }

    /// The same server, stopped by `shutdown`: it refuses new calls once that is
    /// stopping, cancels its calls in flight when that is closing, and counts them
    /// there meanwhile.
    #[must_use]
    pub fn stopped_by(self, shutdown: Shutdown) -> Self {
        let Inner { expose, progress, .. } = Arc::unwrap_or_clone(self.inner);
        Self { inner: Arc::new(Inner { expose, progress, shutdown }) }
    }

    /// The runtime, once it has loaded.
    pub(crate) fn runtime(&self) -> Option<Arc<Runtime>> {
        self.inner.progress.loaded_now().map(|loaded| Arc::clone(&loaded.runtime))
    }

    /// Lets a server started warm load its tools now (the session has ended).
    pub(crate) fn load_now(&self) {
        self.inner.progress.go();
    }

    /// How far the server has started, once it has something to answer with (a call
    /// waits for `Loaded` or `Failed`, a list for any); the tools may load from now.
    /// `None` when the call was cancelled or the server is closing first.
    async fn reached(&self, context: &RequestContext<RoleServer>, loaded: bool) -> Option<Stage> {
        self.inner.progress.go();
        let mut stage = self.inner.progress.stage.clone();
        let ready = |stage: &Stage| match stage {
            Stage::Listed => !loaded,
            Stage::Loaded(_) | Stage::Failed(_) => true,
        };
        tokio::select! {
            reached = stage.wait_for(ready) => reached.ok().map(|s| s.clone()),
            () = context.ct.cancelled() => None,
            () = self.inner.shutdown.closing().cancelled() => None,
        }
    }

    /// The loaded runtime, waiting for it while it loads; else the call's answer.
    async fn loaded(&self, context: &RequestContext<RoleServer>) -> Result<Arc<Loaded>, CallToolResult> {
        if let Some(loaded) = self.inner.progress.loaded_now() {
            return Ok(loaded);
        }
        match self.reached(context, true).await {
            Some(Stage::Loaded(loaded)) => Ok(loaded),
            Some(Stage::Failed(why)) => Err(super::call::tool_error(&format!("the server cannot serve: {why}"))),
            _ => Err(super::call::busy(
                "the call was cancelled, or the server closed, before its tools loaded; nothing ran",
            )),
        }
    }

    /// What `tools/list` answers once the server is loaded.
    pub(crate) fn listed(&self) -> Vec<Tool> {
        self.inner.progress.loaded_now().map_or_else(Vec::new, |loaded| self.listed_from(&loaded))
    }

    fn listed_from(&self, loaded: &Loaded) -> Vec<Tool> {
        let mut listed: Vec<Tool> = loaded
            .tools
            .iter()
            .map(|t| {
                let mut tool = Tool::new(t.name.clone(), t.description.clone(), Arc::clone(&t.input_schema));
                tool.output_schema.clone_from(&t.output_schema);
                tool
            })
            .collect();
        if self.inner.expose != Expose::Tools {
            let programs: Vec<&str> = loaded.runtime.registered_programs().collect();
            let languages: Vec<&str> = loaded.runtime.languages().map(|l| l.name()).collect();
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

    async fn list_tools(
        &self,
        _request: Option<PaginatedRequestParams>,
        context: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, McpError> {
        let listed = match self.reached(&context, false).await {
            Some(Stage::Listed) => return Ok(super::warm::kept_answer()),
            Some(Stage::Loaded(loaded)) => self.listed_from(&loaded),
            Some(Stage::Failed(why)) => {
                return Err(McpError::internal_error(format!("the server cannot serve: {why}"), None));
            }
            None => return Err(McpError::internal_error("the server is closing", None)),
        };
        Ok(ListToolsResult::with_all_items(listed))
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
        let loaded = if accepted.is_none() {
            Err(super::call::busy(super::shutdown::STOPPING))
        } else {
            self.loaded(&context).await
        };
        let serving = loaded.as_ref().ok().map(Arc::clone);
        let result = match loaded {
            Err(answer) => answer,
            Ok(loaded) => {
                if let Some(tool) = loaded.tools.iter().find(|t| t.name == request.name) {
                    tools_mode::call(tool, arguments, &context, closing).await
                } else if inner.expose != Expose::Tools && code_mode::is_code_tool(&request.name) {
                    let runtime = Arc::clone(&loaded.runtime);
                    code_mode::call(&request.name, runtime, &loaded.profile, arguments, &context, closing).await
                } else {
                    return Err(McpError::invalid_params(format!("no tool named `{}`", request.name), None));
                }
            }
        };
        let client = context.peer.peer_info().map(|info| info.client_info.name.clone()).unwrap_or_default();
        tracing::info!(
            client = %client,
            tool = %request.name,
            profile = %serving.as_ref().map_or("", |l| l.profile.name.as_str()),
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
