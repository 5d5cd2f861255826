//! The `mcp` target's input: raw client bytes, or requests built from the bytes.
//!
//! An input whose first byte is below 9 (no JSON text starts so) is read as a recipe
//! of one to eight messages, each a well-formed JSON-RPC line with a fresh id:
//! `tools/list`, `tools/call` of a tools-mode tool (arguments keyed by its real
//! parameter names, values arbitrary), `search_tools`, `run_program` (a registered
//! name or base64 bytes), `run_script` (snippets that loop, allocate, call tools, try
//! `eval`, or arbitrary text), `ping`, a second `initialize`, methods the server does
//! not serve, and `notifications/cancelled` for an earlier id. Any other input is
//! sent as it is.

use arbitrary::{Result, Unstructured};
use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::json;

const SCRIPTS: &[(&str, &str)] = &[
    ("python", "1 + 1"),
    ("python", "input"),
    ("python", "tools.kv.get(key='a')"),
    ("python", "tools.kv.put(key='a', value='b')"),
    ("python", "tools.files.read(path='/docs/a.txt')"),
    ("python", "while True:\n    pass"),
    ("python", "x = 'a' * (10 ** 9)"),
    ("python", "raise Exception('x')"),
    ("python", "import os"),
    ("python", "eval('1')"),
    ("javascript", "1 + 1"),
    ("javascript", "input"),
    ("javascript", "tools.kv.get({key: 'a'})"),
    ("javascript", "tools.types.echo_record({})"),
    ("javascript", "for (;;) {}"),
    ("javascript", "new Array(1e9).fill(0)"),
    ("javascript", "eval('1')"),
    ("javascript", "throw new Error('x')"),
    ("javascript", "JSON.stringify(input)"),
    ("ruby", "1"),
];

/// The bytes the fuzzed client sends for `data`.
pub fn client_bytes(data: &[u8], tools: &[(String, Vec<String>)]) -> Vec<u8> {
    match data.split_first() {
        Some((first, rest)) if *first < 9 => {
            let mut u = Unstructured::new(rest);
            let mut lines = Vec::new();
            // Running out of bytes ends the recipe; what was built is sent.
            let _ = recipe(&mut u, tools, &mut lines);
            let mut bytes = Vec::new();
            for line in lines {
                bytes.extend_from_slice(line.to_string().as_bytes());
                bytes.push(b'\n');
            }
            bytes
        }
        _ => data.to_vec(),
    }
}

fn recipe(u: &mut Unstructured<'_>, tools: &[(String, Vec<String>)], lines: &mut Vec<Value>) -> Result<()> {
    let count = u.int_in_range(1..=8)?;
    for n in 0..count {
        let id = json!(n);
        let message = match u.choose_index(10)? {
            0 => request(
                id,
                "tools/list",
                if u.arbitrary()? { json!({ "cursor": json::string(u)? }) } else { json!({}) },
            ),
            1..=3 => {
                let (name, args) = u.choose(tools)?;
                call(id, name, arguments(u, args)?)
            }
            4 => call(id, "run_script", script(u)?),
            5 => call(id, "run_program", program(u)?),
            6 => {
                let detail = *u.choose(&["names", "summaries", "full", "nope"])?;
                let language = *u.choose(&["wit", "python", "typescript", "javascript", "x"])?;
                call(id, "search_tools", json!({ "query": json::string(u)?, "detail": detail, "language": language }))
            }
            7 => {
                let method = *u.choose(&[
                    "ping",
                    "initialize",
                    "resources/list",
                    "prompts/list",
                    "completion/complete",
                    "logging/setLevel",
                    "tools/call",
                    "x/unknown",
                ])?;
                request(id, method, json::value(u, 3)?)
            }
            8 if n > 0 => json!({
                "jsonrpc": "2.0",
                "method": "notifications/cancelled",
                "params": { "requestId": u.int_in_range(0..=n - 1)?, "reason": "fuzz" }
            }),
            _ => call(id, &json::string(u)?, json::value(u, 3)?),
        };
        lines.push(message);
    }
    Ok(())
}

fn request(id: Value, method: &str, params: Value) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params })
}

fn call(id: Value, name: &str, arguments: Value) -> Value {
    request(id, "tools/call", json!({ "name": name, "arguments": arguments }))
}

/// Arguments keyed by some of the tool's parameter names (and now and then another).
fn arguments(u: &mut Unstructured<'_>, names: &[String]) -> Result<Value> {
    let mut object = Map::new();
    for name in names {
        if u.ratio(3, 4)? {
            object.insert(name.clone(), json::value(u, 3)?);
        }
    }
    if u.ratio(1, 8)? {
        object.insert(json::string(u)?, json::value(u, 2)?);
    }
    Ok(Value::Object(object))
}

fn script(u: &mut Unstructured<'_>) -> Result<Value> {
    let (language, code) = *u.choose(SCRIPTS)?;
    let code = if u.ratio(1, 4)? { json::string(u)? } else { code.to_owned() };
    Ok(json!({ "language": language, "code": code, "input": json::value(u, 2)? }))
}

fn program(u: &mut Unstructured<'_>) -> Result<Value> {
    Ok(match u.choose_index(3)? {
        0 => json!({ "name": *u.choose(&["report", "nope", ""])?, "input": json::value(u, 2)? }),
        1 => {
            let len = u.int_in_range(0..=64)?;
            let bytes = u.bytes(len)?;
            json!({ "component": base64::engine::general_purpose::STANDARD.encode(bytes) })
        }
        _ => json!({ "component": json::string(u)?, "name": "report" }),
    })
}
