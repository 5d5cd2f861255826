//! Component values as JSON, and WIT types as JSON Schema (2020-12).
//!
//! The one mapping, used in both directions and by the schema:
//!
//! | WIT | JSON |
//! | --- | --- |
//! | `bool` | `true` / `false` |
//! | `s8` … `u64` | an integer, range-checked (`minimum`/`maximum` in the schema, but for 64-bit types) |
//! | `f32`, `f64` | a number (whole numbers without `.0`, as JavaScript writes them); NaN and infinities as `"NaN"`, `"Infinity"`, `"-Infinity"` |
//! | `char` | a string of exactly one character |
//! | `string` | a string |
//! | `list<T>` | an array; `list<T, N>` an array of exactly N |
//! | `tuple<A, B>` | an array of exactly those items (`prefixItems`) |
//! | `record` | an object with its fields and no others (`additionalProperties: false`), each required but `option` fields; field names in snake_case |
//! | `enum` | one of the case names, as a string |
//! | `flags` | an array of distinct flag names |
//! | `variant` | `{"tag": "case"}` or `{"tag": "case", "value": payload}` (tagged `oneOf`) |
//! | `option<T>` | `null` or T; when T itself can be `null` (an option of an option), `null` or `{"some": T}` |
//! | `result<T, E>` | `{"ok": T}` or `{"err": E}` (`null` where there is no payload) |
//! | `map<K, V>` | an array of `[key, value]` pairs |
//! | `cemcp:mcp/content.content-block` | `{"type": "text", "text": ...}`, `{"type": "image", "data": <base64>, "mime_type": ...}`, ... (see [`is_content_block`]) |
//!
//! Resources, futures, streams and error contexts have no JSON form: a function that
//! uses them cannot be called with JSON ([`json_compatible`] says so up front).
//!
//! Names of record fields and parameters are spelled in snake_case (`max_hits` for
//! WIT's `max-hits`): they become Python and JavaScript identifiers, and the MCP
//! servers cemcp hosts name theirs that way. Case names (enums, flags, variants) are
//! values and stay as WIT writes them.
//!
//! A call's arguments are an object keyed by parameter names (or an array in order),
//! where `option` parameters, and those with a default, may be left out; its outcome
//! is the `ok` value, or the `err` as the error ([`arguments`], [`outcome`]). A tool's
//! docs may rename a parameter, give it a default and narrow its type ([`Param`]).
//!
//! Conversion from JSON is checked against the type; a mismatch is a [`JsonError`]
//! naming the path (`items[2].name`) and what was expected. Nothing here panics on any
//! input, and recursion follows the type, whose depth is fixed by the component.

mod call;
mod content;
mod convert;
mod param;
mod schema;

pub use call::{arguments, outcome};
pub use content::is_content_block;
pub use convert::{JsonError, from_json, json_name, to_json};
pub use param::{Param, RULE_KEYWORDS};
pub use schema::schema_for;
pub(crate) use schema::{closed_object, one_property};

use wasmtime::component::Type;

/// Whether values of `ty` can be written as JSON; if not, the first part that cannot.
///
/// # Errors
///
/// The name of a type with no JSON form (`resource`, `future`, `stream`, `error-context`).
pub fn json_compatible(ty: &Type) -> Result<(), &'static str> {
    match ty {
        Type::Own(_) | Type::Borrow(_) => Err("resource"),
        Type::Future(_) => Err("future"),
        Type::Stream(_) => Err("stream"),
        Type::ErrorContext => Err("error-context"),
        Type::List(list) => json_compatible(&list.ty()),
        Type::FixedLengthList(list) => json_compatible(&list.ty()),
        Type::Map(map) => json_compatible(&map.key()).and_then(|()| json_compatible(&map.value())),
        Type::Record(record) => record.fields().try_for_each(|field| json_compatible(&field.ty)),
        Type::Tuple(tuple) => tuple.types().try_for_each(|ty| json_compatible(&ty)),
        Type::Variant(variant) => variant.cases().filter_map(|case| case.ty).try_for_each(|ty| json_compatible(&ty)),
        Type::Option(option) => json_compatible(&option.ty()),
        Type::Result(result) => result.ok().into_iter().chain(result.err()).try_for_each(|ty| json_compatible(&ty)),
        _ => Ok(()),
    }
}

/// Whether a JSON value of `ty` can be `null`, which makes an enclosing option use
/// the `{"some": …}` form.
fn nullable(ty: &Type) -> bool {
    matches!(ty, Type::Option(_))
}

/// A short name for a type, for messages: `u8`, `string`, `record`, `list`.
fn describe(ty: &Type) -> String {
    match ty {
        Type::Bool => "a boolean".into(),
        Type::S8 | Type::U8 | Type::S16 | Type::U16 | Type::S32 | Type::U32 | Type::S64 | Type::U64 => {
            let (min, max) = int_range(ty).unwrap_or((0, 0));
            format!("an integer from {min} to {max}")
        }
        Type::Float32 | Type::Float64 => "a number".into(),
        Type::Char => "a string of one character".into(),
        Type::String => "a string".into(),
        Type::List(_) | Type::Map(_) => "an array".into(),
        Type::FixedLengthList(list) => format!("an array of {} items", list.len()),
        Type::Tuple(tuple) => format!("an array of {} items", tuple.types().len()),
        Type::Record(_) => "an object".into(),
        Type::Enum(names) => {
            format!("one of {}", names.names().map(|n| format!("\"{n}\"")).collect::<Vec<_>>().join(", "))
        }
        Type::Flags(_) => "an array of flag names".into(),
        Type::Variant(_) => "an object {\"tag\": ..., \"value\": ...}".into(),
        Type::Option(inner) if nullable(&inner.ty()) => "null or {\"some\": ...}".into(),
        Type::Option(inner) => format!("null or {}", describe(&inner.ty())),
        Type::Result(_) => "an object {\"ok\": ...} or {\"err\": ...}".into(),
        _ => "a value with no JSON form".into(),
    }
}

/// The range of an integer type.
fn int_range(ty: &Type) -> Option<(i128, i128)> {
    Some(match ty {
        Type::S8 => (i8::MIN.into(), i8::MAX.into()),
        Type::U8 => (0, u8::MAX.into()),
        Type::S16 => (i16::MIN.into(), i16::MAX.into()),
        Type::U16 => (0, u16::MAX.into()),
        Type::S32 => (i32::MIN.into(), i32::MAX.into()),
        Type::U32 => (0, u32::MAX.into()),
        Type::S64 => (i64::MIN.into(), i64::MAX.into()),
        Type::U64 => (0, u64::MAX.into()),
        _ => return None,
    })
}
