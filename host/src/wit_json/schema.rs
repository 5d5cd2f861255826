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
        Type::List(list) => object([("type", "array".into()), ("items", schema_for(&list.ty()))]),
        Type::FixedLengthList(list) => object([
            ("type", "array".into()),
            ("items", schema_for(&list.ty())),
            ("minItems", list.len().into()),
            ("maxItems", list.len().into()),
        ]),
        Type::Map(map) => {
            let pair = vec![schema_for(&map.key()), schema_for(&map.value())];
            object([("type", "array".into()), ("items", fixed_array(pair))])
        }
        Type::Tuple(tuple) => fixed_array(tuple.types().map(|t| schema_for(&t)).collect()),
        Type::Record(record) => {
            let mut properties = serde_json::Map::new();
            let mut required = Vec::new();
            for field in record.fields() {
                properties.insert(super::json_name(field.name), schema_for(&field.ty));
                if !matches!(field.ty, Type::Option(_)) {
                    required.push(super::json_name(field.name));
                }
            }
            Value::Object(closed_object(properties, required))
        }
        Type::Enum(names) => json!({ "type": "string", "enum": names.names().collect::<Vec<_>>() }),
        Type::Flags(flags) => json!({
            "type": "array", "items": { "enum": flags.names().collect::<Vec<_>>() }, "uniqueItems": true
        }),
        Type::Variant(_) if content::is_content_block(ty) => content::schema(),
        Type::Variant(variant) => {
            let cases: Vec<Value> = variant
                .cases()
                .map(|case| {
                    let mut properties = serde_json::Map::new();
                    properties.insert("tag".into(), json!({ "const": case.name }));
                    let mut required = vec!["tag".to_owned()];
                    if let Some(payload) = &case.ty {
                        properties.insert("value".into(), schema_for(payload));
                        required.push("value".to_owned());
                    }
                    Value::Object(closed_object(properties, required))
                })
                .collect();
            object([("oneOf", Value::Array(cases))])
        }
        Type::Option(option) => {
            let inner = option.ty();
            if nullable(&inner) {
                or_null(Value::Object(one_property("some", schema_for(&inner))))
            } else {
                or_null(schema_for(&inner))
            }
        }
        Type::Result(result) => {
            let case = |name: &str, payload: Option<Type>| {
                Value::Object(one_property(name, payload.map_or_else(|| json!({ "type": "null" }), |t| schema_for(&t))))
            };
            object([("oneOf", Value::Array(vec![case("ok", result.ok()), case("err", result.err())]))])
        }
        _ => Value::Bool(false),
    }
}

/// A JSON object of `entries`. Nested schemas are built with this rather than
/// `json!`, which copies (serializes) every value it is given as an expression: with
/// schemas inside schemas, each level copied everything below it again (issue 14:
/// building the study's 89 tool schemas was a tenth of `cemcp serve`'s start-up).
fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
    Value::Object(fields(entries))
}

/// The map of `entries`, as [`object`] builds it.
fn fields<const N: usize>(entries: [(&str, Value); N]) -> serde_json::Map<String, Value> {
    entries.into_iter().map(|(key, value)| (key.to_owned(), value)).collect()
}

/// `{"oneOf": [{"type": "null"}, schema]}`.
pub(crate) fn or_null(schema: Value) -> Value {
    object([("oneOf", Value::Array(vec![json!({ "type": "null" }), schema]))])
}

/// An object schema with exactly `properties`, `required` of them.
pub(crate) fn closed_object(
    properties: serde_json::Map<String, Value>,
    required: Vec<String>,
) -> serde_json::Map<String, Value> {
    fields([
        ("type", "object".into()),
        ("properties", Value::Object(properties)),
        ("required", required.into()),
        ("additionalProperties", false.into()),
    ])
}

/// An object schema with one required property, `name`.
pub(crate) fn one_property(name: &str, schema: Value) -> serde_json::Map<String, Value> {
    closed_object(std::iter::once((name.to_owned(), schema)).collect(), vec![name.to_owned()])
}

/// An array schema of exactly `items`, in order.
fn fixed_array(items: Vec<Value>) -> Value {
    let len = items.len();
    object([
        ("type", "array".into()),
        ("prefixItems", Value::Array(items)),
        ("items", false.into()),
        ("minItems", len.into()),
        ("maxItems", len.into()),
    ])
}

fn number(n: i128) -> Value {
    i64::try_from(n).map(Value::from).or_else(|_| u64::try_from(n).map(Value::from)).unwrap_or(Value::Null)
}
