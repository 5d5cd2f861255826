//! JSON ↔ component values, checked against the WIT type (mapping in the module docs).

use std::fmt;

use serde_json::{Map, Value};
use wasmtime::component::{Type, Val};

use super::{content, describe, int_range, nullable};

/// JSON that does not fit the WIT type: where, what was expected, what was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    /// Where, e.g. `items[2].name` (empty for the value itself).
    pub path: String,
    /// What the type needs there, e.g. "an integer from 0 to 255".
    pub expected: String,
    /// What was there, e.g. `"abc"` or `an object`.
    pub found: String,
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.path.is_empty() { String::new() } else { format!("`{}`: ", self.path) };
        write!(f, "{at}expected {}, found {}", self.expected, self.found)
    }
}

impl std::error::Error for JsonError {}

/// A WIT name (a record field, a parameter) as JSON and scripts spell it:
/// kebab-case becomes snake_case (`max-hits` -> `max_hits`), as Python and JavaScript
/// identifiers must be, and as the MCP servers cemcp hosts name theirs.
pub fn json_name(name: &str) -> String {
    name.replace('-', "_")
}

/// Converts `json` to a value of `ty`.
///
/// # Errors
///
/// A [`JsonError`] for the first part of `json` that does not fit `ty`.
pub fn from_json(json: &Value, ty: &Type) -> Result<Val, JsonError> {
    Converter { path: Vec::new() }.value(json, ty)
}

/// Converts a value of `ty` to JSON. Values come from wasmtime, which lifted them with
/// this type; should one not match, it is converted as well as its shape allows.
pub fn to_json(val: &Val, ty: &Type) -> Value {
    match (val, ty) {
        (Val::Bool(b), _) => Value::Bool(*b),
        (Val::S8(n), _) => (*n).into(),
        (Val::U8(n), _) => (*n).into(),
        (Val::S16(n), _) => (*n).into(),
        (Val::U16(n), _) => (*n).into(),
        (Val::S32(n), _) => (*n).into(),
        (Val::U32(n), _) => (*n).into(),
        (Val::S64(n), _) => (*n).into(),
        (Val::U64(n), _) => (*n).into(),
        (Val::Float32(n), _) => float(f64::from(*n)),
        (Val::Float64(n), _) => float(*n),
        (Val::Char(c), _) => Value::String(c.to_string()),
        (Val::String(s), _) => Value::String(s.clone()),
        (Val::Enum(name), _) => Value::String(name.clone()),
        (Val::Flags(names), _) => Value::Array(names.iter().cloned().map(Value::String).collect()),
        (Val::List(items) | Val::FixedLengthList(items), _) => {
            let item = match ty {
                Type::List(list) => Some(list.ty()),
                Type::FixedLengthList(list) => Some(list.ty()),
                _ => None,
            };
            Value::Array(items.iter().map(|v| typed(v, item.as_ref())).collect())
        }
        (Val::Map(entries), _) => {
            let (key, value) = match ty {
                Type::Map(map) => (Some(map.key()), Some(map.value())),
                _ => (None, None),
            };
            let pair = |(k, v): &(Val, Val)| Value::Array(vec![typed(k, key.as_ref()), typed(v, value.as_ref())]);
            Value::Array(entries.iter().map(pair).collect())
        }
        (Val::Tuple(items), _) => {
            let types: Vec<Type> = match ty {
                Type::Tuple(tuple) => tuple.types().collect(),
                _ => Vec::new(),
            };
            Value::Array(items.iter().enumerate().map(|(i, v)| typed(v, types.get(i))).collect())
        }
        (Val::Record(fields), _) => {
            let types: Vec<(String, Type)> = match ty {
                Type::Record(record) => record.fields().map(|f| (f.name.to_owned(), f.ty)).collect(),
                _ => Vec::new(),
            };
            let field_type = |name: &str| types.iter().find(|(n, _)| n == name).map(|(_, t)| t);
            Value::Object(fields.iter().map(|(name, v)| (json_name(name), typed(v, field_type(name)))).collect())
        }
        (Val::Variant(name, payload), _) => {
            if content::is_content_block(ty)
                && let Some(block) = content::to_json(val)
            {
                return block;
            }
            let case_type = match ty {
                Type::Variant(variant) => variant.cases().find(|c| c.name == name).and_then(|c| c.ty),
                _ => None,
            };
            let mut object = Map::new();
            object.insert("tag".into(), Value::String(name.clone()));
            if let Some(payload) = payload {
                object.insert("value".into(), typed(payload, case_type.as_ref()));
            }
            Value::Object(object)
        }
        (Val::Option(None), _) => Value::Null,
        (Val::Option(Some(inner)), _) => {
            let inner_type = match ty {
                Type::Option(option) => Some(option.ty()),
                _ => None,
            };
            let json = typed(inner, inner_type.as_ref());
            if inner_type.as_ref().is_some_and(nullable) { single("some", json) } else { json }
        }
        (Val::Result(result), _) => {
            let (ok, err) = match ty {
                Type::Result(r) => (r.ok(), r.err()),
                _ => (None, None),
            };
            match result {
                Ok(payload) => single("ok", payload.as_deref().map_or(Value::Null, |v| typed(v, ok.as_ref()))),
                Err(payload) => single("err", payload.as_deref().map_or(Value::Null, |v| typed(v, err.as_ref()))),
            }
        }
        _ => Value::Null,
    }
}

fn typed(val: &Val, ty: Option<&Type>) -> Value {
    // Without a type (a mismatch), any type with no nesting rules will do.
    to_json(val, ty.unwrap_or(&Type::Bool))
}

fn single(key: &str, value: Value) -> Value {
    let mut object = Map::new();
    object.insert(key.to_owned(), value);
    Value::Object(object)
}

fn float(n: f64) -> Value {
    if n.is_nan() {
        Value::String("NaN".into())
    } else if n.is_infinite() {
        Value::String(if n > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else if n.fract() == 0.0 && n.abs() < MAX_EXACT_INTEGER && !(n == 0.0 && n.is_sign_negative()) {
        // Whole numbers read as JavaScript writes them, `806` rather than `806.0`
        // (but -0.0, which an integer cannot hold).
        Value::from(n as i64)
    } else {
        serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number)
    }
}

/// 2^53: below it, every whole `f64` is exactly an `i64`.
const MAX_EXACT_INTEGER: f64 = 9_007_199_254_740_992.0;

/// One step of the path to the value being converted.
enum Step {
    Index(usize),
    Field(String),
}

struct Converter {
    path: Vec<Step>,
}

impl Converter {
    fn fail(&self, ty: &Type, json: &Value) -> JsonError {
        self.error(describe(ty), found(json))
    }

    fn error(&self, expected: String, found: String) -> JsonError {
        let mut path = String::new();
        for step in &self.path {
            match step {
                Step::Index(i) => path.push_str(&format!("[{i}]")),
                Step::Field(name) if path.is_empty() => path.push_str(name),
                Step::Field(name) => path.push_str(&format!(".{name}")),
            }
        }
        JsonError { path, expected, found }
    }

    fn nested(&mut self, step: Step, json: &Value, ty: &Type) -> Result<Val, JsonError> {
        self.path.push(step);
        let val = self.value(json, ty);
        self.path.pop();
        val
    }

    fn value(&mut self, json: &Value, ty: &Type) -> Result<Val, JsonError> {
        match ty {
            Type::Bool => json.as_bool().map(Val::Bool).ok_or_else(|| self.fail(ty, json)),
            Type::S8 | Type::U8 | Type::S16 | Type::U16 | Type::S32 | Type::U32 | Type::S64 | Type::U64 => {
                self.integer(json, ty)
            }
            Type::Float32 => self.float(json, ty).map(|n| Val::Float32(n as f32)),
            Type::Float64 => self.float(json, ty).map(Val::Float64),
            Type::Char => {
                let mut chars = json.as_str().map(str::chars).ok_or_else(|| self.fail(ty, json))?;
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Ok(Val::Char(c)),
                    _ => Err(self.fail(ty, json)),
                }
            }
            Type::String => json.as_str().map(|s| Val::String(s.to_owned())).ok_or_else(|| self.fail(ty, json)),
            Type::List(list) => Ok(Val::List(self.items(json, ty, &list.ty(), None)?)),
            Type::FixedLengthList(list) => {
                let len = usize::try_from(list.len()).unwrap_or(usize::MAX);
                Ok(Val::FixedLengthList(self.items(json, ty, &list.ty(), Some(len))?))
            }
            Type::Map(map) => self.map(json, ty, &map.key(), &map.value()),
            Type::Tuple(tuple) => {
                let types: Vec<Type> = tuple.types().collect();
                let items = json.as_array().filter(|a| a.len() == types.len()).ok_or_else(|| self.fail(ty, json))?;
                let vals = items.iter().zip(&types).enumerate().map(|(i, (j, t))| self.nested(Step::Index(i), j, t));
                Ok(Val::Tuple(vals.collect::<Result<_, _>>()?))
            }
            Type::Record(record) => {
                let object = json.as_object().ok_or_else(|| self.fail(ty, json))?;
                let names: Vec<String> = record.fields().map(|f| json_name(f.name)).collect();
                if let Some(extra) = object.keys().find(|k| !names.contains(k)) {
                    return Err(self.error(format!("only the fields {}", names.join(", ")), format!("field `{extra}`")));
                }
                let mut fields = Vec::with_capacity(names.len());
                for field in record.fields() {
                    let name = json_name(field.name);
                    let value = match (object.get(&name), &field.ty) {
                        (Some(value), _) => value,
                        // An `option` field may be left out, as an `option` parameter may.
                        (None, Type::Option(_)) => &Value::Null,
                        (None, _) => {
                            return Err(
                                self.error(format!("field `{name}` ({})", describe(&field.ty)), "nothing".into())
                            );
                        }
                    };
                    fields.push((field.name.to_owned(), self.nested(Step::Field(name), value, &field.ty)?));
                }
                Ok(Val::Record(fields))
            }
            Type::Enum(names) => {
                let name =
                    json.as_str().filter(|s| names.names().any(|n| n == *s)).ok_or_else(|| self.fail(ty, json))?;
                Ok(Val::Enum(name.to_owned()))
            }
            Type::Flags(flags) => {
                let items = json.as_array().ok_or_else(|| self.fail(ty, json))?;
                let mut set = Vec::with_capacity(items.len());
                for item in items {
                    let name = item.as_str().filter(|s| flags.names().any(|n| n == *s));
                    match name {
                        Some(name) if !set.contains(&name) => set.push(name),
                        Some(name) => return Err(self.error("distinct flag names".into(), format!("\"{name}\" twice"))),
                        None => {
                            let known: Vec<&str> = flags.names().collect();
                            return Err(self.error(format!("flag names from {}", known.join(", ")), found(item)));
                        }
                    }
                }
                // Declaration order, as wasmtime lifts flags.
                Ok(Val::Flags(flags.names().filter(|n| set.contains(n)).map(str::to_owned).collect()))
            }
            Type::Variant(_) if content::is_content_block(ty) => match content::to_generic(json) {
                Some(generic) => self.value(&generic, &ty.clone()),
                None => Err(self.error(
                    "a content block {\"type\": \"text\" | \"image\" | \"audio\" | \"resource\", ...}".into(),
                    found(json),
                )),
            },
            Type::Variant(variant) => {
                let object = json.as_object().ok_or_else(|| self.fail(ty, json))?;
                let tag = object.get("tag").and_then(Value::as_str);
                let case = variant.cases().find(|c| Some(c.name) == tag).ok_or_else(|| {
                    let names: Vec<&str> = variant.cases().map(|c| c.name).collect();
                    self.error(
                        format!("\"tag\" to be one of {}", names.join(", ")),
                        found(object.get("tag").unwrap_or(&Value::Null)),
                    )
                })?;
                let allowed = if case.ty.is_some() { 2 } else { 1 };
                if object.len() > allowed || (case.ty.is_some() && !object.contains_key("value")) {
                    let shape = if case.ty.is_some() { "\"tag\" and \"value\"" } else { "only \"tag\"" };
                    return Err(self.error(format!("{shape} for case `{}`", case.name), found(json)));
                }
                let payload = match (&case.ty, object.get("value")) {
                    (Some(payload_type), Some(value)) => {
                        Some(Box::new(self.nested(Step::Field("value".into()), value, payload_type)?))
                    }
                    _ => None,
                };
                Ok(Val::Variant(case.name.to_owned(), payload))
            }
            Type::Option(option) => {
                let inner = option.ty();
                if json.is_null() {
                    return Ok(Val::Option(None));
                }
                let value = if nullable(&inner) {
                    json.as_object()
                        .filter(|o| o.len() == 1)
                        .and_then(|o| o.get("some"))
                        .ok_or_else(|| self.fail(ty, json))?
                } else {
                    json
                };
                Ok(Val::Option(Some(Box::new(self.value(value, &inner)?))))
            }
            Type::Result(result) => {
                let object = json.as_object().filter(|o| o.len() == 1).ok_or_else(|| self.fail(ty, json))?;
                let (key, payload_type, ok) = match object.keys().next().map(String::as_str) {
                    Some("ok") => ("ok", result.ok(), true),
                    Some("err") => ("err", result.err(), false),
                    _ => return Err(self.fail(ty, json)),
                };
                let value = object.get(key).unwrap_or(&Value::Null);
                let payload = match payload_type {
                    Some(t) => Some(Box::new(self.nested(Step::Field(key.into()), value, &t)?)),
                    None if value.is_null() => None,
                    None => return Err(self.error(format!("null for `{key}`"), found(value))),
                };
                Ok(Val::Result(if ok { Ok(payload) } else { Err(payload) }))
            }
            _ => Err(self.error("a type with a JSON form".into(), describe(ty))),
        }
    }

    fn integer(&self, json: &Value, ty: &Type) -> Result<Val, JsonError> {
        let (min, max) = int_range(ty).unwrap_or((0, 0));
        let number = json.as_number().ok_or_else(|| self.fail(ty, json))?;
        let n: i128 = if let Some(n) = number.as_i64() {
            n.into()
        } else if let Some(n) = number.as_u64() {
            n.into()
        } else {
            // 3.0 is an integer; 3.5 and 1e300 are not.
            match number.as_f64() {
                Some(f) if f.fract() == 0.0 && f.abs() < 1e19 => f as i128,
                _ => return Err(self.fail(ty, json)),
            }
        };
        if n < min || n > max {
            return Err(self.fail(ty, json));
        }
        let fail = || self.fail(ty, json);
        Ok(match ty {
            Type::S8 => Val::S8(i8::try_from(n).map_err(|_| fail())?),
            Type::U8 => Val::U8(u8::try_from(n).map_err(|_| fail())?),
            Type::S16 => Val::S16(i16::try_from(n).map_err(|_| fail())?),
            Type::U16 => Val::U16(u16::try_from(n).map_err(|_| fail())?),
            Type::S32 => Val::S32(i32::try_from(n).map_err(|_| fail())?),
            Type::U32 => Val::U32(u32::try_from(n).map_err(|_| fail())?),
            Type::S64 => Val::S64(i64::try_from(n).map_err(|_| fail())?),
            _ => Val::U64(u64::try_from(n).map_err(|_| fail())?),
        })
    }

    fn float(&self, json: &Value, ty: &Type) -> Result<f64, JsonError> {
        match json {
            Value::Number(n) => n.as_f64().ok_or_else(|| self.fail(ty, json)),
            Value::String(s) if s == "NaN" => Ok(f64::NAN),
            Value::String(s) if s == "Infinity" => Ok(f64::INFINITY),
            Value::String(s) if s == "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => Err(self.fail(ty, json)),
        }
    }

    fn items(&mut self, json: &Value, ty: &Type, item: &Type, len: Option<usize>) -> Result<Vec<Val>, JsonError> {
        let items = json.as_array().filter(|a| len.is_none_or(|n| a.len() == n)).ok_or_else(|| self.fail(ty, json))?;
        items.iter().enumerate().map(|(i, j)| self.nested(Step::Index(i), j, item)).collect()
    }

    fn map(&mut self, json: &Value, ty: &Type, key: &Type, value: &Type) -> Result<Val, JsonError> {
        let items = json.as_array().ok_or_else(|| self.fail(ty, json))?;
        let mut entries = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            self.path.push(Step::Index(i));
            let pair = match item.as_array().map(Vec::as_slice) {
                Some([k, v]) => {
                    self.nested(Step::Index(0), k, key).and_then(|k| Ok((k, self.nested(Step::Index(1), v, value)?)))
                }
                _ => Err(self.error("a [key, value] pair".into(), found(item))),
            };
            self.path.pop();
            entries.push(pair?);
        }
        Ok(Val::Map(entries))
    }
}

/// What a JSON value is, for messages: short values are quoted, long ones described.
fn found(json: &Value) -> String {
    match json {
        Value::Object(_) => "an object".into(),
        Value::Array(items) => format!("an array of {}", items.len()),
        Value::String(s) if s.chars().count() > 40 => format!("a string of {} characters", s.chars().count()),
        other => other.to_string(),
    }
}
