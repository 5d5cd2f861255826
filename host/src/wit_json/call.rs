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

use super::{from_json, json_name, to_json};

/// The arguments of a call to a function with parameters `params`, as values in
/// parameter order.
///
/// # Errors
///
/// A message naming the argument and what was wrong: missing, unknown, or of the
/// wrong type (with the path inside it and the type expected).
pub fn arguments(params: &[(&str, Type)], arguments: Value) -> Result<Vec<Val>, String> {
    match arguments {
        Value::Object(object) => by_name(params, object),
        Value::Array(items) => in_order(params, items),
        Value::Null if params.is_empty() => Ok(Vec::new()),
        other => Err(format!("the arguments must be an object keyed by parameter name, not {}", kind(&other))),
    }
}

fn by_name(params: &[(&str, Type)], mut object: Map<String, Value>) -> Result<Vec<Val>, String> {
    let mut vals = Vec::with_capacity(params.len());
    for (name, ty) in params {
        let name = json_name(name);
        let value = match (object.remove(&name), ty) {
            (Some(value), _) => value,
            (None, Type::Option(_)) => Value::Null,
            (None, _) => return Err(format!("missing argument `{name}`")),
        };
        vals.push(convert(&name, &value, ty)?);
    }
    match object.keys().next() {
        Some(extra) => {
            let names: Vec<String> = params.iter().map(|(n, _)| json_name(n)).collect();
            Err(format!("unknown argument `{extra}` (arguments: {})", names.join(", ")))
        }
        None => Ok(vals),
    }
}

fn in_order(params: &[(&str, Type)], items: Vec<Value>) -> Result<Vec<Val>, String> {
    if items.len() > params.len() {
        return Err(format!("{} arguments given; the function takes {}", items.len(), params.len()));
    }
    let mut items = items.into_iter();
    params
        .iter()
        .map(|(name, ty)| match (items.next(), ty) {
            (Some(value), _) => convert(&json_name(name), &value, ty),
            (None, Type::Option(_)) => convert(&json_name(name), &Value::Null, ty),
            (None, _) => Err(format!("missing argument `{}`", json_name(name))),
        })
        .collect()
}

fn convert(name: &str, value: &Value, ty: &Type) -> Result<Val, String> {
    from_json(value, ty).map_err(|e| {
        let path = if e.path.is_empty() { name.to_owned() } else { format!("{name}.{}", e.path) };
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
