//! Rich results: `cemcp:mcp/content`'s `content-block` (wit/mcp/content.wit) as JSON.
//!
//! A block is recognised by its shape (a variant with exactly the cases `text`,
//! `image`, `audio` and `resource`, their payloads as in the WIT), so a tool may use
//! the shared package or a copy of it. Its JSON form is plain data, as scripts read
//! it; MCP tools mode turns the same form into MCP content blocks:
//!
//! | block | JSON |
//! | --- | --- |
//! | `text(t)` | `{"type": "text", "text": t}` |
//! | `image(m)`, `audio(m)` | `{"type": "image", "data": <base64>, "mime_type": m.mime-type}` |
//! | `resource(r)` | `{"type": "resource", "uri": ..., "mime_type": ... or null, "text": ...}`, or `"blob": <base64>` |

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wasmtime::component::{Type, Val};

/// Whether `ty` is a content block.
pub fn is_content_block(ty: &Type) -> bool {
    let Type::Variant(variant) = ty else { return false };
    let cases: Vec<_> = variant.cases().collect();
    let [text, image, audio, resource] = cases.as_slice() else { return false };
    text.name == "text"
        && matches!(text.ty, Some(Type::String))
        && image.name == "image"
        && image.ty.as_ref().is_some_and(is_media)
        && audio.name == "audio"
        && audio.ty.as_ref().is_some_and(is_media)
        && resource.name == "resource"
        && resource.ty.as_ref().is_some_and(is_embedded_resource)
}

/// `record media { data: list<u8>, mime-type: string }`.
fn is_media(ty: &Type) -> bool {
    let Type::Record(record) = ty else { return false };
    let fields: Vec<_> = record.fields().collect();
    matches!(fields.as_slice(), [data, mime]
        if data.name == "data" && is_bytes(&data.ty) && mime.name == "mime-type" && mime.ty == Type::String)
}

/// `record embedded-resource { uri: string, mime-type: option<string>, body: resource-body }`.
fn is_embedded_resource(ty: &Type) -> bool {
    let Type::Record(record) = ty else { return false };
    let fields: Vec<_> = record.fields().collect();
    let [uri, mime, body] = fields.as_slice() else { return false };
    let mime_ok = matches!(&mime.ty, Type::Option(o) if o.ty() == Type::String);
    let body_ok = match &body.ty {
        Type::Variant(v) => {
            let cases: Vec<_> = v.cases().collect();
            matches!(cases.as_slice(), [text, blob]
                if text.name == "text" && text.ty == Some(Type::String)
                    && blob.name == "blob" && blob.ty.as_ref().is_some_and(is_bytes))
        }
        _ => false,
    };
    uri.name == "uri" && uri.ty == Type::String && mime.name == "mime-type" && mime_ok && body.name == "body" && body_ok
}

fn is_bytes(ty: &Type) -> bool {
    matches!(ty, Type::List(list) if list.ty() == Type::U8)
}

/// A content block as JSON (see the module docs); `None` if `val` is not one.
pub fn to_json(val: &Val) -> Option<Value> {
    let Val::Variant(case, Some(payload)) = val else { return None };
    Some(match (case.as_str(), payload.as_ref()) {
        ("text", Val::String(text)) => json!({ "type": "text", "text": text }),
        (kind @ ("image" | "audio"), Val::Record(fields)) => {
            json!({ "type": kind, "data": STANDARD.encode(bytes(field(fields, "data")?)?), "mime_type": string(field(fields, "mime-type")?)? })
        }
        ("resource", Val::Record(fields)) => {
            let mime = match field(fields, "mime-type")? {
                Val::Option(Some(mime)) => Value::from(string(mime)?),
                _ => Value::Null,
            };
            let (key, body) = match field(fields, "body")? {
                Val::Variant(kind, Some(body)) if kind == "text" => ("text", Value::from(string(body)?)),
                Val::Variant(kind, Some(body)) if kind == "blob" => ("blob", STANDARD.encode(bytes(body)?).into()),
                _ => return None,
            };
            json!({ "type": "resource", "uri": string(field(fields, "uri")?)?, "mime_type": mime, key: body })
        }
        _ => return None,
    })
}

/// A content block's JSON form rewritten in the generic variant form (`{"tag": ...,
/// "value": ...}`, bytes as arrays), for the ordinary conversion; `None` if `json` is
/// not a content block.
pub fn to_generic(json: &Value) -> Option<Value> {
    let object = json.as_object()?;
    let decoded = |key: &str| -> Option<Value> {
        let bytes = STANDARD.decode(object.get(key)?.as_str()?).ok()?;
        Some(Value::Array(bytes.into_iter().map(Value::from).collect()))
    };
    let kind = object.get("type")?.as_str()?;
    Some(match kind {
        "text" => json!({ "tag": "text", "value": object.get("text")? }),
        "image" | "audio" => {
            json!({ "tag": kind, "value": { "data": decoded("data")?, "mime_type": object.get("mime_type")? } })
        }
        "resource" => {
            let body = match (object.get("text"), object.get("blob")) {
                (Some(text), None) => json!({ "tag": "text", "value": text }),
                (None, Some(_)) => json!({ "tag": "blob", "value": decoded("blob")? }),
                _ => return None,
            };
            let mime = object.get("mime_type").cloned().unwrap_or(Value::Null);
            json!({ "tag": "resource", "value": { "uri": object.get("uri")?, "mime_type": mime, "body": body } })
        }
        _ => return None,
    })
}

fn field<'a>(fields: &'a [(String, Val)], name: &str) -> Option<&'a Val> {
    fields.iter().find(|(n, _)| n == name).map(|(_, v)| v)
}

fn string(val: &Val) -> Option<&str> {
    match val {
        Val::String(s) => Some(s),
        _ => None,
    }
}

fn bytes(val: &Val) -> Option<Vec<u8>> {
    let Val::List(items) = val else { return None };
    items.iter().map(|item| if let Val::U8(b) = item { Some(*b) } else { None }).collect()
}

/// The JSON Schema of a content block's JSON form.
pub fn schema() -> Value {
    let media = |kind: &str| {
        json!({
            "type": "object",
            "properties": {
                "type": { "const": kind },
                "data": { "type": "string", "contentEncoding": "base64" },
                "mime_type": { "type": "string" }
            },
            "required": ["type", "data", "mime_type"]
        })
    };
    json!({ "oneOf": [
        { "type": "object", "properties": { "type": { "const": "text" }, "text": { "type": "string" } }, "required": ["type", "text"] },
        media("image"),
        media("audio"),
        {
            "type": "object",
            "properties": {
                "type": { "const": "resource" },
                "uri": { "type": "string" },
                "mime_type": { "type": ["string", "null"] },
                "text": { "type": "string" },
                "blob": { "type": "string", "contentEncoding": "base64" }
            },
            "required": ["type", "uri"]
        }
    ]})
}
