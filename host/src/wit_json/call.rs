//! A function call as JSON: the arguments going in, the outcome coming out. The one
//! convention MCP tools mode and scripts share.
//!
//! - Arguments are an object keyed by parameter names, or an array in parameter
//!   order. A parameter of type `option<T>` may be left out (it is `none`); every
//!   other parameter is required, and unknown names are refused.
//! - A function returning `result<T, E>` gives its `ok` value as the outcome's
//!   value, and its `err` value as the outcome's error (a string as is, anything else
//!   as JSON text); any other function gives its value.

use serde_json::{Map, Value};
use wasmtime::component::{Type, Val};

use super::{Param, from_json, to_json};

/// The arguments of a call to a function with parameters `params`, as values in
/// parameter order.
///
/// # Errors
///
/// A message naming the argument and what was wrong: missing, unknown, of the wrong
/// type (with the path inside it and the type expected), or against its rules.
pub fn arguments(params: &[Param], arguments: Value) -> Result<Vec<Val>, String> {
    match arguments {
        Value::Object(object) => by_name(params, object),
        Value::Array(items) => in_order(params, items),
        Value::Null if params.iter().all(|p| !p.required()) => in_order(params, Vec::new()),
        other => Err(format!("the arguments must be an object keyed by parameter name, not {}", kind(&other))),
    }
}

fn by_name(params: &[Param], mut object: Map<String, Value>) -> Result<Vec<Val>, String> {
    let vals = params.iter().map(|param| convert(param, object.remove(&param.name))).collect::<Result<Vec<_>, _>>()?;
    match object.keys().next() {
        Some(extra) => {
            let names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
            Err(format!("unknown argument `{extra}` (arguments: {})", names.join(", ")))
        }
        None => Ok(vals),
    }
}

fn in_order(params: &[Param], items: Vec<Value>) -> Result<Vec<Val>, String> {
    if items.len() > params.len() {
        return Err(format!("{} arguments given; the function takes {}", items.len(), params.len()));
    }
    let mut items = items.into_iter();
    params.iter().map(|param| convert(param, items.next())).collect()
}

/// One argument: given, defaulted, or `none` for a left-out `option`.
fn convert(param: &Param, value: Option<Value>) -> Result<Val, String> {
    let value = match (value, &param.default, &param.ty) {
        (Some(value), _, _) => value,
        (None, Some(default), _) => default.clone(),
        (None, None, Type::Option(_)) => Value::Null,
        (None, None, _) => return Err(format!("missing argument `{}`", param.name)),
    };
    param.check(&value).map_err(|e| format!("argument `{}`: {e}", param.name))?;
    from_json(&value, &param.ty).map_err(|e| {
        let path = if e.path.is_empty() { param.name.clone() } else { format!("{}.{}", param.name, e.path) };
        let path = path.replace(".[", "[");
        format!("argument `{path}`: expected {}, found {}", e.expected, e.found)
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// What a call returned, as JSON: `Ok(value)`, or `Err(text)` for a function's `err`.
pub fn outcome(vals: &[Val], types: &[Type]) -> Result<Value, String> {
    match (vals, types) {
        ([Val::Result(Err(payload))], [Type::Result(r)]) => Err(match (payload.as_deref(), r.err()) {
            (Some(Val::String(s)), _) => s.clone(),
            (Some(v), Some(t)) => to_json(v, &t).to_string(),
            _ => "the function returned an error".to_owned(),
        }),
        ([Val::Result(Ok(payload))], [Type::Result(r)]) => Ok(match (payload.as_deref(), r.ok()) {
            (Some(v), Some(t)) => to_json(v, &t),
            _ => Value::Null,
        }),
        ([val], [ty]) => Ok(to_json(val, ty)),
        _ => Ok(Value::Null),
    }
}
