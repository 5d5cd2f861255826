//! Context-coupled mode: each granted tool function as one MCP tool.
//!
//! Names are `<tool>_<function>`, limited to what the strictest clients accept
//! (`^[a-zA-Z0-9_-]{1,64}$`) and unique; descriptions are the WIT doc comments; input
//! schemas are objects with one property per WIT parameter; output schemas wrap the
//! function's `ok` type as `{"result": ...}` (MCP's structured content is an object).

use std::collections::BTreeSet;
use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::model::CallToolResult;
use rmcp::service::RequestContext;
use serde_json::{Map, Value, json};
use tokio_util::sync::CancellationToken;
use wasmtime::component::{Type, Val};

use super::call::{blocking, invalid_arguments, structured, tool_error};
use crate::failure::describe_tool_failure;
use crate::profile::Profile;
use crate::sandbox::limits::CancelToken;
use crate::tool::Tool;
use crate::wit_json::{self, json_compatible, outcome, schema_for};

/// One tool function offered as an MCP tool.
#[derive(Clone)]
pub struct McpTool {
    /// The MCP tool name.
    pub name: String,
    /// The description shown to models: the WIT docs, marked as coming from the tool.
    pub description: String,
    /// JSON Schema of the arguments object.
    pub input_schema: Map<String, Value>,
    /// JSON Schema of the structured result, if the function returns one.
    pub output_schema: Option<Map<String, Value>>,
    /// The tool component.
    pub tool: Arc<Tool>,
    /// Position of the interface in `tool.interfaces`.
    pub interface: usize,
    /// Position of the function in the interface.
    pub func: usize,
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
        let params: Vec<(String, Type)> = func.ty.params().map(|(n, t)| (wit_json::json_name(n), t)).collect();
        let results: Vec<Type> = func.ty.results().collect();
        if let Some(unsupported) = params.iter().map(|(_, t)| t).chain(&results).find_map(|t| json_compatible(t).err())
        {
            tracing::info!(tool = %tool.name, function = %func.name, "not offered over MCP: it uses a {unsupported}");
            continue;
        }
        tools.push(McpTool {
            name: unique_name(&wit_json::json_name(&format!("{}_{}", tool.name, func.name)), &mut taken),
            description: describe(&tool.name, &function.interface.name, &func.name, &function.docs.docs),
            input_schema: input_schema(&params),
            output_schema: output_schema(&results),
            tool: Arc::clone(tool),
            interface: function.interface_index,
            func: function.func_index,
        });
    }
    tools
}

/// Calls a tool function for an MCP client: arguments checked against the WIT types,
/// a fresh instance with the tool's own limits, the result as structured content.
pub(super) async fn call(
    tool: &McpTool,
    arguments: Map<String, Value>,
    context: &RequestContext<RoleServer>,
    closing: &CancellationToken,
) -> CallToolResult {
    let Some(func) = tool.tool.func(tool.interface, tool.func) else {
        return tool_error("(internal) the function is missing");
    };
    let params = match wit_json::arguments(&func.ty.params().collect::<Vec<_>>(), Value::Object(arguments)) {
        Ok(params) => params,
        Err(message) => return invalid_arguments(&format!("`{}`: {message}", tool.name)),
    };
    let cancel = CancelToken::new();
    let (component, interface, index) = (Arc::clone(&tool.tool), tool.interface, tool.func);
    let work = {
        let cancel = cancel.clone();
        move || {
            let func = component.func(interface, index).ok_or_else(|| wasmtime::format_err!("missing"))?;
            component.call_once(func, &params, &cancel)
        }
    };
    let results: Vec<Type> = func.ty.results().collect();
    match blocking(work, &cancel, context, closing).await {
        Ok(Ok(vals)) => tool_result(&vals, &results),
        Ok(Err(error)) => {
            let message = describe_tool_failure(&tool.tool, Some(&func.name), &error);
            tracing::warn!(tool = %tool.tool.name, function = %func.name, "{message}");
            tool_error(&message)
        }
        Err(cancelled) => tool_error(&cancelled),
    }
}

/// A tool function's results as an MCP result: `ok` as structured content and text,
/// `err` as an error result.
fn tool_result(vals: &[Val], types: &[Type]) -> CallToolResult {
    match outcome(vals, types) {
        Ok(value) => structured("result", value),
        Err(text) => tool_error(&text),
    }
}

/// The description a model reads. The docs are the tool author's words, not the
/// host's, and the text says so.
fn describe(tool: &str, interface: &str, func: &str, docs: &str) -> String {
    let docs = if docs.is_empty() { "(no description)" } else { docs };
    format!("{docs}\n\n[function `{func}` of `{interface}`, from tool component `{tool}`]")
}

fn input_schema(params: &[(String, Type)]) -> Map<String, Value> {
    let properties: Map<String, Value> = params.iter().map(|(name, ty)| (name.clone(), schema_for(ty))).collect();
    // `option` parameters may be left out (they are `none`).
    let required: Vec<&str> =
        params.iter().filter(|(_, ty)| !matches!(ty, Type::Option(_))).map(|(name, _)| name.as_str()).collect();
    let schema = json!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    });
    schema.as_object().cloned().unwrap_or_default()
}

/// `{"result": <ok type>}` for `result<T, E>` (the `err` case becomes an MCP error),
/// `{"result": <type>}` for any other single result, nothing for no result.
fn output_schema(results: &[Type]) -> Option<Map<String, Value>> {
    let result = match results {
        [Type::Result(r)] => r.ok().map_or_else(|| json!({ "type": "null" }), |t| schema_for(&t)),
        [ty] => schema_for(ty),
        _ => return None,
    };
    let schema = json!({
        "type": "object",
        "properties": { "result": result },
        "required": ["result"],
        "additionalProperties": false,
    });
    schema.as_object().cloned()
}

/// `name` made valid for MCP and distinct from every name in `taken`.
fn unique_name(name: &str, taken: &mut BTreeSet<String>) -> String {
    let clean: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' || c == '-' { c } else { '_' }).collect();
    let mut candidate: String = clean.chars().take(MAX_NAME).collect();
    let mut n = 2;
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
