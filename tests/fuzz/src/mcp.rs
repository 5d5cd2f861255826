//! The `mcp` target: a real [`CemcpServer`] over an in-memory pipe, fed the fuzz input
//! as its client's bytes.
//!
//! Once per process a [`Runtime`] is built from [`MANIFEST`]: the `files`, `kv`,
//! `types` and `flaky` tools, the Python and JavaScript interpreters and the `report`
//! program, all from `target/guests/wasm32-wasip2/release/` (build them first with
//! `just guests` or `cargo test -p cemcp-tests`), with tiny limits (a tool call
//! 10 ms and 20 M fuel, a run 15 ms, 64 MiB) so that an input that loops ends fast
//! (with 100 ms limits, the `flaky.spin` calls and looping scripts of the corpus took
//! 85 % of the target's time); a rules gate screens discovery and results, and refuses
//! one argument pattern. Each input then gets a fresh server and session: the
//! initialize handshake, the input (raw lines, or requests built from it; see
//! [`crate::mcp_input`]) and a final `ping`, after which the client closes its side.
//!
//! What must hold, else the target panics (a finding):
//! - every line the server writes is a JSON-RPC 2.0 message; a response has an id
//!   and exactly one of `result` and `error`, an error an integer code and a message;
//! - every request with a string or number id gets an answer with that id (unless a
//!   `notifications/cancelled` named it), and no id more answers than it was sent;
//! - every line that is not JSON, not a JSON object, or over the line limit gets an
//!   error with id null (and only those, and objects with an id of another kind);
//! - the final `ping` is answered (the session goes on after anything);
//! - the server stops once its client has closed, and nothing panics.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use cemcp::mcp::{CemcpServer, Expose, Shutdown, StdioTransport};
use cemcp::runtime::Registered;
use cemcp::{ComponentCache, Runtime};
use rmcp::ServiceExt as _;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};

use crate::mcp_input;

/// The line limit of the fuzzed transport (the real one is 48 MiB).
pub const LINE_LIMIT: usize = 64 << 10;

/// How long the server may take to answer everything, and to stop after.
const PATIENCE: Duration = Duration::from_secs(10);

/// The manifest the target serves; `{GUESTS}` and `{DATA}` are filled in.
pub const MANIFEST: &str = r#"
version = 1
default-profile = "fuzz"

[server]
max-runs = 2
queue = 2
drain = "100ms"

[tool.files]
component = "{GUESTS}/files.wasm"
dir = [{ host = "{DATA}/docs", guest = "/docs", access = "read-only" }]
limits = { time = "10ms", memory = "32 MiB", fuel = 20000000 }

[tool.kv]
component = "{GUESTS}/kv.wasm"
dir = [{ host = "{DATA}/store", guest = "/store", access = "read-write", create = true }]
storage-quota = "256 KiB"
limits = { time = "10ms", memory = "32 MiB", fuel = 20000000 }
labels = ["untrusted"]

[tool.types]
component = "{GUESTS}/types.wasm"
limits = { time = "10ms", memory = "16 MiB", fuel = 20000000 }

[tool.flaky]
component = "{GUESTS}/flaky.wasm"
limits = { time = "10ms", memory = "16 MiB", fuel = 20000000 }

[gate.screen]
kind = "rules"
deny = ["kv.delete"]
arguments = [{ function = "files.*", argument = "path", pattern = "secret", reason = "no secrets" }]
rate = [{ function = "flaky.*", max = 3 }]

[profile.fuzz]
tools = ["files", "kv", "types", "flaky"]
limits = { time = "15ms", memory = "64 MiB", calls = 50 }
gates = ["screen"]

[interpreter.python]
component = "{GUESTS}/python.wasm"

[interpreter.javascript]
component = "{GUESTS}/javascript.wasm"

[program.report]
component = "{GUESTS}/report.wasm"
"#;

/// What the target shares between inputs.
pub struct Bed {
    /// The server each session clones (its tool list is made once).
    server: CemcpServer,
    tokio: tokio::runtime::Runtime,
    /// MCP tool names and their argument names, for [`crate::mcp_input`].
    pub tools: Vec<(String, Vec<String>)>,
}

static BED: OnceLock<Bed> = OnceLock::new();

/// The shared bed, built on first use.
///
/// # Panics
///
/// When the guests are not built or the runtime cannot be made: the target cannot
/// run at all, and says what to do.
pub fn bed() -> &'static Bed {
    BED.get_or_init(|| match make_bed() {
        Ok(bed) => bed,
        Err(e) => panic!("the mcp target cannot start: {e:#}"),
    })
}

fn make_bed() -> anyhow::Result<Bed> {
    let manifest = crate::target_manifest("mcp", MANIFEST, &[("a.txt", "alpha beta\n"), ("secret.txt", "hidden\n")])?;
    let cache = ComponentCache::in_dir(crate::workspace_root().join("target/fuzz-cache"));
    let runtime = Arc::new(Runtime::new(manifest, cache)?);
    let profile = runtime.profile(None)?;
    // Compile (into the cache) and pre-initialise the interpreters and the registered
    // program now, not inside the first session's time.
    for language in runtime.languages().collect::<Vec<_>>() {
        runtime.interpreter_for(language, profile)?;
    }
    if let Some(Registered::Component { wasm, .. }) = runtime.registered_program("report") {
        runtime.load_program(wasm, None)?;
    }
    let mut tools: Vec<(String, Vec<String>)> = cemcp::mcp::mcp_tools(profile)
        .into_iter()
        .map(|t| {
            let names = t.input_schema.get("properties").and_then(Value::as_object);
            (t.name, names.map(|p| p.keys().cloned().collect()).unwrap_or_default())
        })
        .collect();
    for (name, args) in [
        ("search_tools", &["query", "detail", "language"][..]),
        ("run_program", &["component", "name", "input"]),
        ("run_script", &["language", "code", "input"]),
    ] {
        tools.push((name.to_owned(), args.iter().map(|a| (*a).to_owned()).collect()));
    }
    let tokio = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let server = CemcpServer::new(runtime, None, Expose::Both)?;
    Ok(Bed { server, tokio, tools })
}

/// The target: one MCP session fed `data`.
pub fn mcp(data: &[u8]) {
    let bed = bed();
    let input = mcp_input::client_bytes(data, &bed.tools);
    let (lines, answered) = bed.tokio.block_on(session(&bed.server, &input));
    check(&input, &lines, answered);
}

const INITIALIZE: &str = r#"{"jsonrpc":"2.0","id":"fuzz-init","method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"fuzz","version":"0"}}}"#;
const INITIALIZED: &str = r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#;
const FINAL_PING: &str = r#"{"jsonrpc":"2.0","id":"fuzz-final-ping","method":"ping"}"#;

/// Runs one session; the lines the server wrote after the handshake, each checked
/// as it came, and the answers they count.
async fn session(server: &CemcpServer, input: &[u8]) -> (Vec<String>, Answered) {
    let (client, server_end) = tokio::io::duplex(1 << 20);
    let (server_read, server_write) = tokio::io::split(server_end);
    let shutdown = Shutdown::new();
    let server = server.clone().stopped_by(shutdown.clone());
    let transport = StdioTransport::new(server_read, server_write, shutdown.closing().clone()).with_limit(LINE_LIMIT);
    let serving = tokio::spawn(async move {
        if let Ok(running) = server.serve(transport).await {
            let _ = running.waiting().await;
        }
    });
    let (client_read, mut client_write) = tokio::io::split(client);
    let mut answers = BufReader::new(client_read).lines();
    let handshake = async {
        client_write.write_all(format!("{INITIALIZE}\n").as_bytes()).await?;
        let reply = answers.next_line().await?;
        client_write.write_all(format!("{INITIALIZED}\n").as_bytes()).await?;
        std::io::Result::Ok(reply)
    };
    match tokio::time::timeout(PATIENCE, handshake).await {
        Ok(Ok(Some(reply))) if reply.contains("\"fuzz-init\"") && reply.contains("\"result\"") => {}
        other => panic!("the initialize handshake failed: {other:?}"),
    }
    let bytes = input_with_ping(input);
    let writing = tokio::spawn(async move {
        let _ = client_write.write_all(&bytes).await;
        client_write
    });
    let (mut lines, mut answered) = (Vec::new(), Answered::default());
    let reading = async {
        let asked = asked(input);
        let mut pinged = false;
        while let Ok(Some(line)) = answers.next_line().await {
            pinged |= line.contains("\"fuzz-final-ping\"");
            answered.add(&check_message(&line));
            lines.push(line);
            if pinged && answered.all(&asked) {
                break;
            }
        }
    };
    let in_time = tokio::time::timeout(PATIENCE, reading).await.is_ok();
    let mut client_write = match writing.await {
        Ok(write) => write,
        Err(e) => panic!("the client's writer failed: {e}"),
    };
    let _ = client_write.shutdown().await;
    drop(client_write);
    let rest = async {
        while let Ok(Some(line)) = answers.next_line().await {
            answered.add(&check_message(&line));
            lines.push(line);
        }
    };
    if tokio::time::timeout(PATIENCE, async { tokio::join!(rest, serving) }).await.is_err() {
        panic!("the server did not stop within {PATIENCE:?} after its client closed");
    }
    if !in_time {
        panic!("not every request was answered within {PATIENCE:?}; answers: {lines:#?}");
    }
    (lines, answered)
}

/// The client's bytes: the input, then (on a line of its own) the final ping.
fn input_with_ping(input: &[u8]) -> Vec<u8> {
    let mut bytes = input.to_vec();
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(FINAL_PING.as_bytes());
    bytes.extend_from_slice(b"\n");
    bytes
}

/// An id as a key that compares numbers by value (`1` and `1.0` alike).
fn id_key(id: &Value) -> Option<String> {
    match id {
        Value::String(s) => Some(format!("s:{s}")),
        Value::Number(n) => Some(format!("n:{}", n.as_f64().unwrap_or(f64::NAN))),
        _ => None,
    }
}

/// What the input asks: ids that must be answered, how many lines carry each id,
/// and how many answers with id null it must get at least (lines that are not JSON,
/// not an object, or over the limit) and may get at most (those, and objects whose
/// id is neither a string nor a number). This mirrors `StdioTransport`'s reading.
struct Asked {
    must_answer: Vec<String>,
    sent: HashMap<String, usize>,
    null_least: usize,
    null_most: usize,
}

fn asked(input: &[u8]) -> Asked {
    let mut asked = Asked { must_answer: Vec::new(), sent: HashMap::new(), null_least: 0, null_most: 0 };
    let mut cancelled = Vec::new();
    for line in input_with_ping(input).split(|b| *b == b'\n') {
        if line.len() > LINE_LIMIT {
            asked.null_least += 1;
            continue;
        }
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let line = line.strip_prefix(b"\xef\xbb\xbf").unwrap_or(line);
        let value = match serde_json::from_slice::<Value>(line) {
            Ok(value) if value.is_object() => value,
            _ => {
                asked.null_least += 1;
                continue;
            }
        };
        if value.get("method").and_then(Value::as_str) == Some("notifications/cancelled") {
            cancelled.extend(value.pointer("/params/requestId").and_then(id_key));
        }
        let Some(id) = value.get("id") else { continue };
        let Some(key) = id_key(id) else {
            asked.null_most += 1;
            continue;
        };
        *asked.sent.entry(key.clone()).or_default() += 1;
        let response = value.get("result").is_some() || value.get("error").is_some();
        if !response {
            asked.must_answer.push(key);
        }
    }
    asked.must_answer.retain(|k| !cancelled.contains(k));
    asked.null_most += asked.null_least;
    asked
}

/// How many answers carry each id, and how many id null, as the lines come.
#[derive(Default)]
struct Answered {
    seen: HashMap<String, usize>,
    null: usize,
}

impl Answered {
    fn add(&mut self, value: &Value) {
        if value.get("method").is_some() {
            return;
        }
        match value.get("id") {
            Some(Value::Null) => self.null += 1,
            Some(id) => *self.seen.entry(id_key(id).unwrap_or_default()).or_default() += 1,
            None => {}
        }
    }

    /// Whether every request that must be answered was.
    fn all(&self, asked: &Asked) -> bool {
        asked.must_answer.iter().all(|k| self.seen.contains_key(k)) && self.null >= asked.null_least
    }
}

/// The invariants in the module docs (each line was checked by [`check_message`]
/// and counted in `answered` as it came).
fn check(input: &[u8], lines: &[String], answered: Answered) {
    let asked = asked(input);
    let Answered { seen, null } = answered;
    for key in &asked.must_answer {
        assert!(seen.contains_key(key), "request {key} got no answer; answers: {lines:#?}");
    }
    for (key, count) in &seen {
        let sent = asked.sent.get(key).copied().unwrap_or(0);
        assert!(*count <= sent, "id {key} was answered {count} times but sent {sent} times; answers: {lines:#?}");
    }
    let (least, most) = (asked.null_least, asked.null_most);
    assert!(
        (least..=most).contains(&null),
        "{null} answers with id null, where {least} to {most} lines called for one; answers: {lines:#?}"
    );
}

/// One line the server wrote must be a JSON-RPC 2.0 message; it, parsed.
fn check_message(line: &str) -> Value {
    let value: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("the server wrote non-JSON ({e}): {line}"));
    assert_eq!(value.get("jsonrpc"), Some(&Value::from("2.0")), "not JSON-RPC 2.0: {line}");
    if value.get("method").is_some_and(Value::is_string) {
        return value; // A notification or a request of the server's own.
    }
    let id = value.get("id").unwrap_or_else(|| panic!("a response without an id: {line}"));
    assert!(
        id.is_string() || id.is_number() || id.is_null(),
        "an id that is neither a string, a number nor null: {line}"
    );
    match (value.get("result"), value.get("error")) {
        (Some(_), None) => assert!(!id.is_null(), "a result for id null: {line}"),
        (None, Some(error)) => {
            assert!(error.get("code").is_some_and(Value::is_i64), "an error without an integer code: {line}");
            assert!(error.get("message").is_some_and(Value::is_string), "an error without a message: {line}");
        }
        _ => panic!("a response needs exactly one of result and error: {line}"),
    }
    value
}
