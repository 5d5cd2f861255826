//! Component values as the host sees them while forwarding.

use wasmtime::component::Val;

/// Roughly how many bytes `val` occupies once encoded: string and list contents,
/// scalars at their size (a `list<u8>` of an image counts its bytes), a byte per
/// container. Used to enforce output limits without encoding anything.
/// Iterative, so a deeply nested value cannot exhaust the host's stack.
pub fn size_of(val: &Val) -> u64 {
    let mut total = 0u64;
    let mut pending = vec![val];
    while let Some(val) = pending.pop() {
        total = total.saturating_add(match val {
            Val::String(s) => s.len() as u64,
            Val::Enum(name) => name.len() as u64,
            Val::Flags(names) => names.iter().map(|n| n.len() as u64 + 1).sum(),
            Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
                pending.extend(items);
                1
            }
            Val::Record(fields) => {
                pending.extend(fields.iter().map(|(_, v)| v));
                1
            }
            Val::Map(entries) => {
                pending.extend(entries.iter().flat_map(|(k, v)| [k, v]));
                1
            }
            Val::Variant(_, payload) | Val::Option(payload) | Val::Result(Ok(payload) | Err(payload)) => {
                pending.extend(payload.as_deref());
                1
            }
            Val::Bool(_) | Val::U8(_) | Val::S8(_) => 1,
            Val::U16(_) | Val::S16(_) => 2,
            Val::U32(_) | Val::S32(_) | Val::Float32(_) | Val::Char(_) => 4,
            _ => 8,
        });
    }
    total
}

/// `val` as plain JSON, without its type: records as objects (field names in their
/// JSON form), variants as `{"case": payload}` (or the case's name), `result` as
/// `{"ok": …}` or `{"err": …}`. For audit records and approval questions, which show
/// arguments to people; calls use the typed conversion in `wit_json`.
pub fn plain_json(val: &Val) -> serde_json::Value {
    use serde_json::{Value, json};
    let number = |n: f64| serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number);
    match val {
        Val::Bool(b) => json!(b),
        Val::S8(n) => json!(n),
        Val::U8(n) => json!(n),
        Val::S16(n) => json!(n),
        Val::U16(n) => json!(n),
        Val::S32(n) => json!(n),
        Val::U32(n) => json!(n),
        Val::S64(n) => json!(n),
        Val::U64(n) => json!(n),
        Val::Float32(n) => number(f64::from(*n)),
        Val::Float64(n) => number(*n),
        Val::Char(c) => json!(c.to_string()),
        Val::String(s) => json!(s),
        Val::List(items) | Val::Tuple(items) | Val::FixedLengthList(items) => {
            Value::Array(items.iter().map(plain_json).collect())
        }
        Val::Record(fields) => {
            Value::Object(fields.iter().map(|(name, v)| (crate::wit_json::json_name(name), plain_json(v))).collect())
        }
        Val::Variant(case, Some(payload)) => json!({ case.as_str(): plain_json(payload) }),
        Val::Variant(case, None) | Val::Enum(case) => json!(case),
        Val::Option(None) => Value::Null,
        Val::Option(Some(inner)) => plain_json(inner),
        Val::Result(Ok(ok)) => json!({ "ok": ok.as_deref().map_or(Value::Null, plain_json) }),
        Val::Result(Err(err)) => json!({ "err": err.as_deref().map_or(Value::Null, plain_json) }),
        Val::Flags(names) => json!(names),
        Val::Map(entries) => Value::Array(entries.iter().map(|(k, v)| json!([plain_json(k), plain_json(v)])).collect()),
        _ => json!("<resource>"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_lists_count_their_contents() {
        let val = Val::Result(Ok(Some(Box::new(Val::List(vec![Val::String("abcd".into()), Val::U32(1)])))));
        assert_eq!(size_of(&val), 1 + 1 + 4 + 4);
        let image = Val::List(vec![Val::U8(0); 1000]);
        assert_eq!(size_of(&image), 1 + 1000, "bytes count as bytes");
    }
}
