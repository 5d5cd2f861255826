//! A run's tool-call trace: each call a program or script made, with its arguments
//! as JSON and the size of what came back, in order. `cemcp run --trace FILE`
//! writes it as JSON Lines; replaying a trace call by call is how a tool-by-tool
//! agent would have done the same work (the study benchmark does that).
//!
//! Tracing costs a JSON conversion per call, so it is off unless asked for.

use std::time::Duration;

use serde::Serialize;
use serde_json::{Map, Value};
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{Type, Val};

use crate::tool::Tool;
use crate::wit_json::{self, to_json};

/// One tool call of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TracedCall {
    /// The tool's name in the manifest.
    pub tool: String,
    /// The function's name as JSON callers write it (snake_case).
    pub function: String,
    /// The arguments, keyed by their JSON names.
    pub arguments: Value,
    /// Whether it returned a value (not an `err`, trap or limit).
    pub ok: bool,
    /// Bytes of the result as a client would read it: the text of a string result,
    /// the JSON of any other, or the error message.
    pub result_bytes: usize,
    /// How long the call took, in microseconds (instantiation included).
    pub micros: u64,
}

impl TracedCall {
    /// The record of a call to `func` of `tool` with `params` that returned `results`.
    /// `arguments`, when the caller has them as JSON already (a script), are used as
    /// given; otherwise they are converted, named as the tool's docs name them.
    pub(super) fn new(
        tool: &Tool,
        func_name: &str,
        ty: &ComponentFunc,
        params: &[Val],
        arguments: Option<Value>,
        results: &[Val],
        took: Duration,
    ) -> Self {
        let arguments = arguments.unwrap_or_else(|| named_arguments(tool, func_name, ty, params));
        let types: Vec<Type> = ty.results().collect();
        let (ok, result_bytes) = match wit_json::outcome(results, &types) {
            Ok(Value::String(text)) => (true, text.len()),
            Ok(value) => (true, value.to_string().len()),
            Err(message) => (false, message.len()),
        };
        Self {
            tool: tool.name.clone(),
            function: wit_json::json_name(func_name),
            arguments,
            ok,
            result_bytes,
            micros: u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
        }
    }
}

/// `params` as a JSON object keyed by the parameters' JSON names.
fn named_arguments(tool: &Tool, func_name: &str, ty: &ComponentFunc, params: &[Val]) -> Value {
    let names: Vec<String> = match tool.function_docs(func_name) {
        Some(docs) => docs.params.iter().map(|p| p.name.clone()).collect(),
        None => ty.params().map(|(name, _)| wit_json::json_name(name)).collect(),
    };
    let object: Map<String, Value> =
        names.into_iter().zip(ty.params().zip(params)).map(|(name, ((_, t), v))| (name, to_json(v, &t))).collect();
    Value::Object(object)
}
