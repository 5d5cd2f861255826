//! JSON Schema (2020-12) for WIT types, following the mapping in the module docs.

use serde_json::{Value, json};
use wasmtime::component::Type;

use super::{content, int_range, nullable};

/// The JSON Schema of values of `ty`. Types with no JSON form get a schema that no
/// value satisfies (`false`); check [`super::json_compatible`] first.
pub fn schema_for(ty: &Type) -> Value {
    match ty {
        Type::Bool => json!({ "type": "boolean" }),
        // 64-bit bounds say nothing a reader needs: `u64` is shown as non-negative.
        Type::S64 => json!({ "type": "integer" }),
        Type::U64 => json!({ "type": "integer", "minimum": 0 }),
        Type::S8 | Type::U8 | Type::S16 | Type::U16 | Type::S32 | Type::U32 => {
            let (min, max) = int_range(ty).unwrap_or((0, 0));
            json!({ "type": "integer", "minimum": number(min), "maximum": number(max) })
        }
        Type::Float32 | Type::Float64 => json!({
            "anyOf": [{ "type": "number" }, { "enum": ["NaN", "Infinity", "-Infinity"] }]
        }),
        Type::Char => json!({ "type": "string", "minLength": 1, "maxLength": 1 }),
        Type::String => json!({ "type": "string" }),
        Type::List(list) => json!({ "type": "array", "items": schema_for(&list.ty()) }),
        Type::FixedLengthList(list) => json!({
            "type": "array", "items": schema_for(&list.ty()), "minItems": list.len(), "maxItems": list.len()
        }),
        Type::Map(map) => json!({
            "type": "array",
            "items": {
                "type": "array",
                "prefixItems": [schema_for(&map.key()), schema_for(&map.value())],
                "items": false, "minItems": 2, "maxItems": 2
            }
        }),
        Type::Tuple(tuple) => {
            let items: Vec<Value> = tuple.types().map(|t| schema_for(&t)).collect();
            let len = items.len();
            json!({ "type": "array", "prefixItems": items, "items": false, "minItems": len, "maxItems": len })
        }
        Type::Record(record) => {
            let mut properties = serde_json::Map::new();
            let mut required = Vec::new();
            for field in record.fields() {
                properties.insert(super::json_name(field.name), schema_for(&field.ty));
                if !matches!(field.ty, Type::Option(_)) {
                    required.push(super::json_name(field.name));
                }
            }
            json!({ "type": "object", "properties": properties, "required": required, "additionalProperties": false })
        }
        Type::Enum(names) => json!({ "type": "string", "enum": names.names().collect::<Vec<_>>() }),
        Type::Flags(flags) => json!({
            "type": "array", "items": { "enum": flags.names().collect::<Vec<_>>() }, "uniqueItems": true
        }),
        Type::Variant(_) if content::is_content_block(ty) => content::schema(),
        Type::Variant(variant) => {
            let cases: Vec<Value> = variant
                .cases()
                .map(|case| match &case.ty {
                    Some(payload) => json!({
                        "type": "object",
                        "properties": { "tag": { "const": case.name }, "value": schema_for(payload) },
                        "required": ["tag", "value"], "additionalProperties": false
                    }),
                    None => json!({
                        "type": "object",
                        "properties": { "tag": { "const": case.name } },
                        "required": ["tag"], "additionalProperties": false
                    }),
                })
                .collect();
            json!({ "oneOf": cases })
        }
        Type::Option(option) => {
            let inner = option.ty();
            if nullable(&inner) {
                json!({ "oneOf": [
                    { "type": "null" },
                    { "type": "object", "properties": { "some": schema_for(&inner) }, "required": ["some"], "additionalProperties": false }
                ]})
            } else {
                json!({ "oneOf": [{ "type": "null" }, schema_for(&inner)] })
            }
        }
        Type::Result(result) => {
            let case = |name: &str, payload: Option<Type>| {
                let schema = payload.map_or_else(|| json!({ "type": "null" }), |t| schema_for(&t));
                json!({
                    "type": "object", "properties": { name: schema }, "required": [name], "additionalProperties": false
                })
            };
            json!({ "oneOf": [case("ok", result.ok()), case("err", result.err())] })
        }
        _ => Value::Bool(false),
    }
}

fn number(n: i128) -> Value {
    i64::try_from(n).map(Value::from).or_else(|_| u64::try_from(n).map(Value::from)).unwrap_or(Value::Null)
}
