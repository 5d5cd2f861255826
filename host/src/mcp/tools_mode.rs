//! Context-coupled mode: each granted tool function as one MCP tool.
//!
//! Names are `<mcp-prefix><function>` (the prefix is `<tool>_` unless the manifest
//! sets another), limited to what the strictest clients accept
//! (`^[a-zA-Z0-9_-]{1,64}$`) and unique; descriptions are the WIT doc comments; input
//! schemas are objects with one property per parameter, described, defaulted and
//! narrowed as the docs say (`wit_json::Param`); output schemas wrap the function's
//! `ok` type as `{"result": ...}` (MCP's structured content is an object). A function
//! returning `list<content-block>` (wit/mcp/content.wit) answers with those MCP
//! content blocks instead.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};
use rmcp::service::RequestContext;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;
use wasmtime::component::{Type, Val};

use super::approve::ElicitingApprover;
use super::call::{Source, inline, invalid_arguments, mark, refused, structured, tool_error};
use crate::failure::describe_tool_failure;
use crate::gate::{CallPolicy, Labels, Policy, RunGuard};
use crate::profile::Profile;
use crate::sandbox::limits::CancelToken;
use crate::tool::Tool;
use crate::wit_json::{self, Param, closed_object, json_compatible, one_property, outcome, schema_for};

/// One tool function offered as an MCP tool.
#[derive(Clone)]
pub struct McpTool {
    /// The MCP tool name.
    pub name: String,
    /// The description shown to models: the WIT docs, marked as coming from the tool.
    pub description: String,
    /// JSON Schema of the arguments object (shared with every `tools/list` answer).
    pub input_schema: Arc<Map<String, Value>>,
    /// JSON Schema of the structured result, if the function returns one.
    pub output_schema: Option<Arc<Map<String, Value>>>,
    /// The tool component.
    pub tool: Arc<Tool>,
    /// Position of the interface in `tool.interfaces`.
    pub interface: usize,
    /// Position of the function in the interface.
    pub func: usize,
    /// Its parameters as JSON callers see them.
    pub params: Vec<Param>,
    /// Whether it returns MCP content blocks (decided once, from its type).
    pub returns_content: bool,
    /// What the profile's gates decided about it, for each call.
    pub(crate) gate: CallPolicy,
    /// The profile's gates, approvals and audit log.
    pub(crate) policy: Arc<Policy>,
}

/// MCP's limit on tool names, and the characters allowed.
const MAX_NAME: usize = 64;

/// Every JSON-callable function of the tools `profile` grants, as MCP tools.
/// Functions using types with no JSON form (resources, streams) are left out and
/// logged.
pub fn mcp_tools(profile: &Profile) -> Vec<McpTool> {
    let mut taken = BTreeSet::new();
    let mut tools = Vec::new();
    for function in profile.functions() {
        let (tool, func) = (function.tool, function.func);
        let params = &function.docs.params;
        let results: Vec<Type> = func.ty.results().collect();
        if let Some(unsupported) = params.iter().map(|p| &p.ty).chain(&results).find_map(|t| json_compatible(t).err()) {
            tracing::info!(tool = %tool.name, function = %func.name, "not offered over MCP: it uses a {unsupported}");
            continue;
        }
        let content = returns_content(&results);
        tools.push(McpTool {
            name: unique_name(&format!("{}{}", tool.mcp_prefix, wit_json::json_name(&func.name)), &mut taken),
            description: describe(&tool.name, &function.interface.name, &func.name, &function.docs.description),
            input_schema: input_schema(params),
            output_schema: if content { None } else { output_schema(&results) },
            returns_content: content,
            tool: Arc::clone(tool),
            interface: function.interface_index,
            func: function.func_index,
            params: params.clone(),
            gate: CallPolicy::new(profile, &function),
            policy: Arc::clone(&profile.policy),
        });
    }
    tools
}

/// Calls a tool function for an MCP client: arguments checked against the WIT types,
/// the call checked by the profile's gates (point 3, approvals asked of the client),
/// a fresh instance with the tool's own limits, the result screened (point 4) and
/// returned as structured content, marked as the tool's.
pub(super) async fn call(
    tool: &McpTool,
    arguments: Map<String, Value>,
    context: &RequestContext<RoleServer>,
    closing: &CancellationToken,
) -> CallToolResult {
    let none = Labels::new();
    let Some(func) = tool.tool.func(tool.interface, tool.func) else {
        return tool_error("(internal) the function is missing");
    };
    let params = match wit_json::arguments(&tool.params, Value::Object(arguments)) {
        Ok(params) => params,
        Err(message) => return invalid_arguments(&format!("`{}`: {message}", tool.name)),
    };
    let cancel = CancelToken::new();
    let approver = Arc::new(ElicitingApprover::new(context));
    let results: Vec<Type> = func.ty.results().collect();
    let work = {
        let (cancel, tool, results) = (cancel.clone(), tool.clone(), results.clone());
        move || gated_call(&tool, &params, &results, approver, &cancel)
    };
    let source = Source::Tool(&tool.tool.name);
    match inline(work, &cancel, context, closing).await {
        Ok(Ok(vals)) => mark(tool_result(&vals, &results, tool.returns_content), source, &tool.gate.labels),
        Ok(Err(Failure::Refused(message))) => mark(refused(&message), Source::Host, &none),
        Ok(Err(Failure::Tool(error))) => {
            let message = describe_tool_failure(&tool.tool, Some(&func.name), &error);
            tracing::warn!(tool = %tool.tool.name, function = %func.name, "{message}");
            mark(tool_error(&message), source, &none)
        }
        Err(cancelled) => mark(tool_error(&cancelled), Source::Host, &none),
    }
}

/// Why a tools-mode call gave no result.
enum Failure {
    /// A gate refused the call or withheld its result.
    Refused(String),
    /// The tool failed.
    Tool(wasmtime::Error),
}

/// Numbers tools-mode calls in the audit log.
static CALLS: AtomicU64 = AtomicU64::new(0);

/// The gates around one tools-mode call; runs on a blocking thread (a judge or an
/// approval may wait).
fn gated_call(
    tool: &McpTool,
    params: &[Val],
    types: &[Type],
    approver: Arc<dyn crate::gate::Approver>,
    cancel: &CancelToken,
) -> Result<Vec<Val>, Failure> {
    let id = format!("{}-tools-{}", std::process::id(), CALLS.fetch_add(1, Ordering::Relaxed));
    let mut guard = RunGuard::new(Arc::clone(&tool.policy), approver, id.clone());
    let signals = crate::sandbox::limits::RunSignals::cancel_only(cancel.clone());
    guard.admit(&tool.gate, params, &signals).map_err(|refused| Failure::Refused(refused.to_string()))?;
    let func =
        tool.tool.func(tool.interface, tool.func).ok_or_else(|| Failure::Refused("(internal) missing".into()))?;
    let vals = tool.tool.call_once(func, params, cancel).map_err(Failure::Tool)?;
    let text = match outcome(&vals, types) {
        Ok(Value::String(text)) | Err(text) => text,
        Ok(value) => value.to_string(),
    };
    let Some(denial) = tool.policy.screen(&format!("tool `{}`", tool.tool.name), &text) else { return Ok(vals) };
    let record = denial.audit_fields(json!({ "run": id, "tool": tool.tool.name, "function": tool.gate.function }));
    tool.policy.audit("result", record).map_err(|e| Failure::Refused(e.to_string()))?;
    Err(Failure::Refused(format!("the result of `{}` was withheld: {denial}", tool.name)))
}

/// A tool function's results as an MCP result: `ok` as structured content and text
/// (or as content blocks, for a function returning them), `err` as an error result.
fn tool_result(vals: &[Val], types: &[Type], returns_content: bool) -> CallToolResult {
    match (outcome(vals, types), returns_content) {
        (Ok(Value::Array(blocks)), true) => CallToolResult::success(blocks.iter().filter_map(content_block).collect()),
        (Ok(value), _) => structured("result", value),
        (Err(text), _) => tool_error(&text),
    }
}

/// Whether a function with `results` returns content blocks: its `ok` type (or its
/// type) is `list<content-block>` (see `wit/mcp/content.wit`).
fn returns_content(results: &[Type]) -> bool {
    let ok = match results {
        [Type::Result(r)] => r.ok(),
        [ty] => Some(ty.clone()),
        _ => None,
    };
    matches!(ok, Some(Type::List(list)) if wit_json::is_content_block(&list.ty()))
}

/// A content block's JSON form (see `wit_json`) as an MCP content block.
fn content_block(block: &Value) -> Option<ContentBlock> {
    let text = |key: &str| block.get(key).and_then(Value::as_str).map(str::to_owned);
    let mime = text("mime_type");
    Some(match block.get("type")?.as_str()? {
        "text" => ContentBlock::text(text("text")?),
        "image" => ContentBlock::image(text("data")?, mime?),
        "audio" => ContentBlock::audio(text("data")?, mime?),
        "resource" => {
            let uri = text("uri")?;
            let contents = match (text("text"), text("blob")) {
                (Some(text), _) => ResourceContents::TextResourceContents { uri, mime_type: mime, text, meta: None },
                (None, Some(blob)) => ResourceContents::BlobResourceContents { uri, mime_type: mime, blob, meta: None },
                (None, None) => return None,
            };
            ContentBlock::resource(contents)
        }
        _ => return None,
    })
}

/// The description a model reads. The docs are the tool author's words, not the
/// host's, and the text says so.
fn describe(tool: &str, interface: &str, func: &str, docs: &str) -> String {
    let docs = if docs.is_empty() { "(no description)" } else { docs };
    format!("{docs}\n\n[function `{func}` of `{interface}`, from tool component `{tool}`]")
}

fn input_schema(params: &[Param]) -> Arc<Map<String, Value>> {
    let properties: Map<String, Value> = params.iter().map(|p| (p.name.clone(), p.schema())).collect();
    // `option` parameters, and those with a default, may be left out.
    let required: Vec<String> = params.iter().filter(|p| p.required()).map(|p| p.name.clone()).collect();
    Arc::new(closed_object(properties, required))
}

/// `{"result": <ok type>}` for `result<T, E>` (the `err` case becomes an MCP error),
/// `{"result": <type>}` for any other single result, nothing for no result.
fn output_schema(results: &[Type]) -> Option<Arc<Map<String, Value>>> {
    let result = match results {
        [Type::Result(r)] => r.ok().map_or_else(|| json!({ "type": "null" }), |t| schema_for(&t)),
        [ty] => schema_for(ty),
        _ => return None,
    };
    Some(Arc::new(one_property("result", result)))
}

/// `name` made valid for MCP and distinct from every name in `taken`.
fn unique_name(name: &str, taken: &mut BTreeSet<String>) -> String {
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    let mut candidate: String = clean.chars().take(MAX_NAME).collect();
    let mut n = 2;
    if taken.contains(&candidate) {
        tracing::warn!(
            "two tool functions are named `{candidate}` in MCP tools mode; set `mcp-prefix` in the manifest"
        );
    }
    while taken.contains(&candidate) {
        let suffix = format!("_{n}");
        candidate = clean.chars().take(MAX_NAME - suffix.len()).chain(suffix.chars()).collect();
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_valid_and_unique() {
        let mut taken = BTreeSet::new();
        assert_eq!(unique_name("files_list", &mut taken), "files_list");
        assert_eq!(unique_name("files_list", &mut taken), "files_list_2");
        assert_eq!(unique_name("a.b c", &mut taken), "a_b_c");
        let long = "x".repeat(80);
        let first = unique_name(&long, &mut taken);
        let second = unique_name(&long, &mut taken);
        assert_eq!(first.len(), 64);
        assert_eq!(second.len(), 64);
        assert!(second.ends_with("_2"));
    }
}
