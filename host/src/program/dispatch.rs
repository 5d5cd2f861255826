//! `cemcp:host/dispatch`: how a script's interpreter calls tools.
//!
//! The table is built when the interpreter is linked for a profile: every granted
//! function whose types have a JSON form, by `tool.function`. A call is checked
//! against it (an ungranted tool or function is refused, naming the profile),
//! its JSON arguments are converted as MCP tools mode converts them, and it goes
//! through the same forwarding as a program's import: counted against the run's
//! call limit, run in the tool's own Store with the tool's own grants and limits.

use std::collections::HashMap;

use wasmtime::component::Val;
use wasmtime::component::types::ComponentFunc;

use super::forward::{RunState, ToolTarget};
use super::interpreter::cemcp::host::dispatch::{self, CallError};
use crate::profile::Profile;
use crate::wit_json::{self, Param};

/// The functions a script may call, by tool and function name.
pub(crate) struct Dispatch {
    profile: String,
    entries: HashMap<(String, String), Entry>,
    /// `tool.function`, in the profile's order.
    names: Vec<String>,
    /// The granted tools' names, for messages.
    tools: Vec<String>,
}

struct Entry {
    target: ToolTarget,
    ty: ComponentFunc,
    params: Vec<Param>,
}

impl Dispatch {
    /// The table for `profile`; `add` gives each function its forwarding target
    /// and its label for statistics.
    pub(super) fn new(profile: &Profile, mut add: impl FnMut(&crate::tool::FuncView<'_>) -> ToolTarget) -> Self {
        let mut entries = HashMap::new();
        let mut names = Vec::new();
        for function in profile.functions() {
            let ty = &function.func.ty;
            let json = ty.params().all(|(_, t)| wit_json::json_compatible(&t).is_ok())
                && ty.results().all(|t| wit_json::json_compatible(&t).is_ok());
            if !json {
                continue;
            }
            let target = add(&function);
            let key = (function.tool.name.clone(), function.func.name.clone());
            names.push(format!("{}.{}", key.0, key.1));
            entries.insert(key, Entry { target, ty: ty.clone(), params: function.docs.params.clone() });
        }
        let tools = profile.tools().iter().map(|t| t.name.clone()).collect();
        Self { profile: profile.name.clone(), entries, names, tools }
    }

    /// Why `tool.function` cannot be called, with names as scripts spell them
    /// (`tools.math_mcp`, not `math-mcp`).
    fn refusal(&self, tool: &str, function: &str) -> String {
        let script_name = |name: &str| name.replace('-', "_");
        let (tool, function) = (script_name(tool), script_name(function));
        let granted: Vec<String> = self.tools.iter().map(|t| script_name(t)).collect();
        if granted.contains(&tool) {
            let functions: Vec<String> = self
                .names
                .iter()
                .filter_map(|n| n.split_once('.').filter(|(t, _)| script_name(t) == tool).map(|(_, f)| script_name(f)))
                .collect();
            format!("tool `{tool}` has no function `{function}` (functions: {})", functions.join(", "))
        } else {
            let granted = if granted.is_empty() { "none".to_owned() } else { granted.join(", ") };
            format!("tool `{tool}` is not granted to profile `{}` (granted tools: {granted})", self.profile)
        }
    }
}

impl dispatch::Host for RunState {
    fn call(
        &mut self,
        tool: String,
        function: String,
        arguments: String,
    ) -> wasmtime::Result<Result<String, CallError>> {
        let Some(table) = self.dispatch().cloned() else {
            return Ok(Err(CallError::Refused("this run has no tools to dispatch to".to_owned())));
        };
        let Some(entry) = table.entries.get(&(tool.clone(), function.clone())) else {
            return Ok(Err(CallError::Refused(table.refusal(&tool, &function))));
        };
        let arguments: serde_json::Value = match serde_json::from_str(&arguments) {
            Ok(arguments) => arguments,
            Err(e) => return Ok(Err(CallError::Refused(format!("the arguments are not JSON: {e}")))),
        };
        if self.trace.is_some() {
            self.traced_arguments = Some(arguments.clone());
        }
        let params = match wit_json::arguments(&entry.params, arguments) {
            Ok(params) => params,
            Err(message) => return Ok(Err(CallError::Refused(message))),
        };
        let mut results = vec![Val::Bool(false); entry.ty.results().len()];
        // A run-wide halt (cancel, time, call limit) stops the interpreter here.
        self.forward(&entry.target, &entry.ty, &params, &mut results)?;
        let types: Vec<_> = entry.ty.results().collect();
        Ok(wit_json::outcome(&results, &types).map(|value| value.to_string()).map_err(CallError::Tool))
    }

    fn functions(&mut self) -> wasmtime::Result<Vec<String>> {
        Ok(self.dispatch().map(|table| table.names.clone()).unwrap_or_default())
    }
}
