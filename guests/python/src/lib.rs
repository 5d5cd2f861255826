//! `python`: cemcp's Python interpreter component, on pydantic's monty (a Python
//! subset in pure Rust). It is granted nothing; the only way out is
//! `cemcp:host/dispatch`, which the host checks like a program's imports.
//!
//! What a script sees:
//! - `input`: the run's input, as Python values (dicts, lists, str, int, float,
//!   bool, None);
//! - `tools.<tool>.<function>(...)`: each granted function, called with keyword
//!   arguments named as in its WIT (`tools.kv.get(key="a")`) or positionally in
//!   WIT order (`tools.kv.get("a")`). `ok` returns the value; `err` raises
//!   `RuntimeError` whose message starts with `tool.function` and carries the
//!   tool's own words; arguments that do not fit raise `TypeError`.
//! - the output is the value of the script's last expression (as in a notebook
//!   cell; `None` when the last statement is not an expression), which must be
//!   JSON: dicts with string keys, lists, tuples, str, int, float, bool, None.
//! - `print` is collected apart from the output, bounded.
//!
//! No imports beyond the modules monty itself defines, no `eval`/`exec`, no files,
//! no environment, no network: monty has none of them unless the host provides
//! them, and this component provides none (its OS calls are refused).

use std::borrow::Cow;

use monty::{MontyRun, RunProgress};
use monty_types::{
    CompileOptions, DictPairs, ExcType, ExtFunctionResult, MontyClassInstance, MontyClassType, MontyException,
    MontyObject, MontyUuid, NameLookupResult, PrintWriter, PrintWriterCallback, ResourceTracker,
};
use script_support::Printed;
use serde_json::{Map, Value};

use crate::cemcp::host::dispatch::{self, CallError};

wit_bindgen::generate!({ path: "../../wit/host", world: "interpreter" });

struct Python;

impl Guest for Python {
    /// monty keeps no engine state between runs: a script is parsed and compiled when
    /// it runs, and there is nothing to prepare ahead.
    fn wizer_initialize() {}

    fn run_script(source: String, input: String, max_print: u32) -> Result<ScriptOutput, ScriptError> {
        let mut printed = Printed::new(max_print);
        let outcome = run(source, &input, &mut Sink(&mut printed));
        let printed = printed.finish();
        match outcome {
            Ok(output) => Ok(ScriptOutput { output, printed }),
            Err(message) => Err(ScriptError { message, printed }),
        }
    }
}

fn run(source: String, input: &str, printed: &mut Sink<'_>) -> Result<String, String> {
    let input: Value = serde_json::from_str(input).map_err(|e| format!("the input is not JSON: {e}"))?;
    let names = vec!["input".to_owned(), "tools".to_owned()];
    let runner = MontyRun::new(source, "script.py", names, CompileOptions::default()).map_err(|e| describe(&e))?;
    let (tools, names) = tools_object();
    let inputs = vec![to_python(input), tools];
    let mut progress = runner
        .start(inputs, ResourceTracker::default(), PrintWriter::Callback(&mut *printed))
        .map_err(|e| describe(&e))?;
    loop {
        progress = match progress {
            RunProgress::Complete(value) => {
                return to_json(&value)
                    .map(|json| json.to_string())
                    .map_err(|what| format!("the script's output is not JSON: its last expression is {what}"));
            }
            RunProgress::FunctionCall(call) => {
                let result = match call.object_id.and_then(|id| names.owner(id)) {
                    // A method that is not one of the tool's granted functions.
                    Some(tool) => ExtFunctionResult::Error(refusal(tool, &call.function_name)),
                    None => dispatch_call(&call.function_name, &call.args, &call.kwargs),
                };
                call.resume(result, PrintWriter::Callback(&mut *printed)).map_err(|e| describe(&e))?
            }
            RunProgress::NameLookup(lookup) => {
                let result = match lookup.object_id().and_then(|id| names.owner(id)) {
                    // `tools.x` or `tools.t.x` that is not granted: the host says why.
                    Some(tool) => NameLookupResult::Error(refusal(tool, &lookup.name)),
                    None => NameLookupResult::Undefined,
                };
                lookup.resume(result, PrintWriter::Callback(&mut *printed)).map_err(|e| describe(&e))?
            }
            RunProgress::OsCall(call) => {
                let refused = MontyException::new(
                    ExcType::PermissionError,
                    Some("scripts have no access to the operating system; use the granted tools".to_owned()),
                );
                call.resume(ExtFunctionResult::Error(refused), PrintWriter::Callback(&mut *printed))
                    .map_err(|e| describe(&e))?
            }
            RunProgress::ResolveFutures(_) => {
                return Err("the script awaits something that will never complete".to_owned());
            }
        };
    }
}

/// A Python exception as the agent reads it: the traceback (with line numbers) and
/// the error.
fn describe(error: &MontyException) -> String {
    error.to_string()
}

/// The `tools` object: one attribute per granted tool, holding one external
/// function per granted function, named `tool.function` (dashes in names become
/// underscores in attributes: `tools.my_tool.get_item`); and the names behind the
/// objects, to explain a missing attribute.
fn tools_object() -> (MontyObject, Names) {
    let mut tools: Vec<(String, Vec<String>)> = Vec::new();
    for name in dispatch::functions() {
        let Some((tool, function)) = name.split_once('.') else { continue };
        match tools.iter_mut().find(|(t, _)| t == tool) {
            Some((_, functions)) => functions.push(function.to_owned()),
            None => tools.push((tool.to_owned(), vec![function.to_owned()])),
        }
    }
    let attrs = tools.iter().enumerate().map(|(i, (tool, functions))| {
        let methods = functions.iter().map(|function| {
            let callable = MontyObject::Function { name: format!("{tool}.{function}"), docstring: None };
            (MontyObject::String(function.replace('-', "_")), callable)
        });
        (MontyObject::String(tool.replace('-', "_")), instance(&format!("tool {tool}"), i + 1, methods.collect()))
    });
    let object = instance("tools", 0, attrs.collect());
    (object, Names { tools: tools.into_iter().map(|(tool, _)| tool).collect() })
}

/// The tools behind the host objects of [`tools_object`].
struct Names {
    tools: Vec<String>,
}

impl Names {
    /// For an attribute missing on `tools` or on one tool's object: the tool
    /// (empty for `tools` itself) the lookup was on.
    fn owner(&self, id: MontyUuid) -> Option<&str> {
        (0..=self.tools.len()).find(|i| instance_id(*i) == id).map(|i| match i {
            0 => "",
            i => self.tools.get(i - 1).map_or("", String::as_str),
        })
    }
}

/// The host's words for an attribute that is not a granted tool or function.
fn refusal(tool: &str, attribute: &str) -> MontyException {
    let (tool, function) = if tool.is_empty() { (attribute, "") } else { (tool, attribute) };
    let message = match dispatch::call(tool, function, "{}") {
        Err(CallError::Refused(message) | CallError::Tool(message)) => message,
        Ok(_) => format!("`{attribute}` is not available here"),
    };
    MontyException::new(ExcType::AttributeError, Some(message))
}

fn instance_id(index: usize) -> MontyUuid {
    let byte = u8::try_from(index).unwrap_or(u8::MAX);
    let mut id = [byte; 16];
    id[0] = 0xff;
    MontyUuid::from_bytes(id)
}

/// A host object whose attributes are sent eagerly (the `index`th of
/// [`tools_object`]).
fn instance(class: &str, index: usize, attrs: Vec<(MontyObject, MontyObject)>) -> MontyObject {
    let class_id = MontyUuid::from_bytes([u8::try_from(index).unwrap_or(u8::MAX); 16]);
    MontyObject::ClassInstance(Box::new(MontyClassInstance {
        class_type: MontyClassType {
            name: class.to_owned(),
            id: class_id,
            host_defined: true,
            is_dataclass: false,
            attrs: DictPairs::from(Vec::new()),
        },
        instance_id: instance_id(index),
        attrs: DictPairs::from(attrs),
    }))
}

/// Calls `tool.function` through the host with the script's arguments.
fn dispatch_call(name: &str, args: &[MontyObject], kwargs: &[(MontyObject, MontyObject)]) -> ExtFunctionResult {
    let Some((tool, function)) = name.split_once('.') else {
        return ExtFunctionResult::NotFound(name.to_owned());
    };
    let arguments = match arguments_json(args, kwargs) {
        Ok(arguments) => arguments,
        Err(message) => return raise(ExcType::TypeError, format!("{name}: {message}")),
    };
    match dispatch::call(tool, function, &arguments.to_string()) {
        Ok(result) => match serde_json::from_str(&result) {
            Ok(value) => ExtFunctionResult::Return(to_python(value)),
            Err(e) => raise(ExcType::RuntimeError, format!("{name}: the host returned invalid JSON: {e}")),
        },
        Err(CallError::Tool(message)) => raise(ExcType::RuntimeError, format!("{name} failed: {message}")),
        Err(CallError::Refused(message)) => raise(ExcType::TypeError, format!("{name}: {message}")),
    }
}

fn raise(kind: ExcType, message: String) -> ExtFunctionResult {
    ExtFunctionResult::Error(MontyException::new(kind, Some(message)))
}

/// The call's arguments as JSON: an object for keyword arguments, an array for
/// positional ones (mixing them is refused: say which parameter each value is for).
fn arguments_json(args: &[MontyObject], kwargs: &[(MontyObject, MontyObject)]) -> Result<Value, String> {
    if !args.is_empty() && !kwargs.is_empty() {
        return Err("pass all arguments by keyword (name=value) or all by position, not both".to_owned());
    }
    if kwargs.is_empty() {
        let values: Result<Vec<Value>, String> = args.iter().map(to_json).collect();
        return values.map(Value::Array).map_err(|what| format!("an argument is {what}, which has no JSON form"));
    }
    let mut object = Map::new();
    for (key, value) in kwargs {
        let MontyObject::String(key) = key else { return Err("keyword names must be strings".to_owned()) };
        let value = to_json(value).map_err(|what| format!("argument `{key}` is {what}, which has no JSON form"))?;
        object.insert(key.clone(), value);
    }
    Ok(Value::Object(object))
}

/// A JSON value as a Python value.
fn to_python(value: Value) -> MontyObject {
    match value {
        Value::Null => MontyObject::None,
        Value::Bool(b) => MontyObject::Bool(b),
        Value::Number(n) => match (n.as_i64(), n.as_u64(), n.as_f64()) {
            (Some(i), _, _) => MontyObject::Int(i),
            (None, Some(u), _) => MontyObject::BigInt(u.into()),
            (_, _, Some(f)) => MontyObject::Float(f),
            _ => MontyObject::None,
        },
        Value::String(s) => MontyObject::String(s),
        Value::Array(items) => MontyObject::List(items.into_iter().map(to_python).collect()),
        Value::Object(map) => MontyObject::Dict(
            map.into_iter().map(|(k, v)| (MontyObject::String(k), to_python(v))).collect::<Vec<_>>().into(),
        ),
    }
}

/// A Python value as JSON, or a description of what it is when it has no JSON form.
fn to_json(value: &MontyObject) -> Result<Value, String> {
    Ok(match value {
        MontyObject::None => Value::Null,
        MontyObject::Bool(b) => Value::Bool(*b),
        MontyObject::Int(i) => Value::from(*i),
        MontyObject::BigInt(big) => {
            let text = big.to_string();
            match (text.parse::<i64>(), text.parse::<u64>()) {
                (Ok(i), _) => Value::from(i),
                (_, Ok(u)) => Value::from(u),
                _ => return Err(format!("the integer {text}, too large for JSON")),
            }
        }
        MontyObject::Float(f) => {
            serde_json::Number::from_f64(*f).map(Value::Number).ok_or_else(|| format!("the float {f}"))?
        }
        MontyObject::String(s) => Value::String(s.clone()),
        MontyObject::List(items) | MontyObject::Tuple(items) => {
            Value::Array(items.iter().map(to_json).collect::<Result<_, _>>()?)
        }
        MontyObject::Dict(pairs) => {
            let mut object = Map::new();
            for (key, value) in pairs.clone() {
                let MontyObject::String(key) = key else {
                    return Err(format!("a dict with a non-string key ({key})"));
                };
                object.insert(key, to_json(&value)?);
            }
            Value::Object(object)
        }
        other => return Err(format!("`{other}` (a {})", kind(other))),
    })
}

fn kind(value: &MontyObject) -> &'static str {
    match value {
        MontyObject::Set(_) | MontyObject::FrozenSet(_) => "set; use a list",
        MontyObject::Bytes(_) => "bytes; decode them to str",
        MontyObject::Function { .. } => "function; call it",
        MontyObject::ClassInstance(_) => "object",
        _ => "value JSON cannot hold",
    }
}

/// Where monty's `print` writes: the bounded buffer.
struct Sink<'a>(&'a mut Printed);

impl PrintWriterCallback for Sink<'_> {
    fn stdout_write(&mut self, output: Cow<'_, str>) -> Result<(), MontyException> {
        self.0.push(&output);
        Ok(())
    }

    fn stdout_push(&mut self, end: char) -> Result<(), MontyException> {
        self.0.push(end.encode_utf8(&mut [0; 4]));
        Ok(())
    }
}

export!(Python);
