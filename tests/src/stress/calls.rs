//! `stress calls`: tools-mode round trips as the thinnest client sees them.
//!
//! The `mcp` benchmark times calls through the official Rust SDK's client, whose own
//! work per call (about 150 µs on this machine) is part of every figure. Here the
//! client is a few lines of std: it writes one request line and reads lines until the
//! answer with its id, with nothing else between the two servers and the clock. Both
//! servers run side by side and are called in alternating rounds of the same length:
//! cemcp in tools mode on the tests' base manifest (the `kv` component, a fresh
//! instance per call) and `native_mcp`, the benchmarks' native rmcp server (the same
//! `kv_get`, in plain Rust). The answer is parsed after the clock stops.

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use serde_json::{Value, json};

use crate::study::serve::Cemcp;
use crate::{TestBed, workspace_root};

/// A server spoken to over its stdin and stdout, one JSON-RPC message per line.
struct Server {
    child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
    next_id: u64,
    line: String,
}

impl Server {
    /// Starts `command` and completes the MCP handshake.
    fn start(mut command: Command) -> anyhow::Result<Self> {
        let mut child = command
            .env_remove("RUST_LOG")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot start {}", command.get_program().to_string_lossy()))?;
        let (Some(input), Some(output)) = (child.stdin.take(), child.stdout.take()) else {
            bail!("the server's stdio is not piped");
        };
        let mut server = Self { child, input, output: BufReader::new(output), next_id: 0, line: String::new() };
        let capabilities = json!({});
        let client = json!({ "name": "stress-calls", "version": "0" });
        let params = json!({ "protocolVersion": "2025-06-18", "capabilities": capabilities, "clientInfo": client });
        server.request("initialize", &params)?;
        server.send(&json!({ "jsonrpc": "2.0", "method": "notifications/initialized" }))?;
        Ok(server)
    }

    fn send(&mut self, message: &Value) -> anyhow::Result<()> {
        let line = Self::line(message)?;
        self.write(&line)
    }

    /// `message` as one line of JSON.
    fn line(message: &Value) -> anyhow::Result<Vec<u8>> {
        let mut line = serde_json::to_vec(message)?;
        line.push(b'\n');
        Ok(line)
    }

    fn write(&mut self, line: &[u8]) -> anyhow::Result<()> {
        self.input.write_all(line).context("the server closed its stdin")?;
        self.input.flush()?;
        Ok(())
    }

    /// Sends a request and waits for its answer; how long that took, and the answer's
    /// `result` (an error answer is an error).
    fn request(&mut self, method: &str, params: &Value) -> anyhow::Result<(Duration, Value)> {
        self.next_id += 1;
        let id = self.next_id;
        let message = json!({ "jsonrpc": "2.0", "id": id, "method": method, "params": params });
        // Made before the clock starts: the client's own work is kept out of the time.
        let line = Self::line(&message)?;
        let marks = [format!("\"id\":{id},"), format!("\"id\":{id}}}")];
        let started = Instant::now();
        self.write(&line)?;
        loop {
            self.line.clear();
            if self.output.read_line(&mut self.line)? == 0 {
                bail!("the server closed its stdout before answering {method}");
            }
            // Notifications and other answers are skipped; the id is checked after.
            if marks.iter().any(|mark| self.line.contains(mark.as_str())) {
                break;
            }
        }
        let took = started.elapsed();
        let answer: Value = serde_json::from_str(&self.line)?;
        match answer.get("result") {
            Some(result) if answer.get("id") == Some(&json!(id)) => Ok((took, result.clone())),
            _ => Err(anyhow!("{method} was answered with {answer}")),
        }
    }

    /// Calls the MCP tool `name`; the round trip, and its text.
    fn call(&mut self, name: &str, arguments: &Value) -> anyhow::Result<(Duration, String)> {
        let (took, result) = self.request("tools/call", &json!({ "name": name, "arguments": arguments }))?;
        if result.get("isError") == Some(&Value::Bool(true)) {
            bail!("{name} failed: {result}");
        }
        let text = result.pointer("/content/0/text").and_then(Value::as_str).unwrap_or_default().to_owned();
        Ok((took, text))
    }

    fn stop(mut self) {
        drop(self.input);
        let _ = self.child.wait();
    }
}

/// Each server's round trips, sorted, by name.
pub type Timed = Vec<(&'static str, Vec<Duration>)>;

/// Times `calls` `kv_get` round trips to each server, in `rounds` alternating rounds,
/// after one `kv_put` of the value read; `native` is the `native_mcp` binary.
///
/// # Errors
///
/// When a server does not start or a call fails or reads back the wrong value.
pub fn run(cemcp: &Cemcp, native: &Path, calls: usize, rounds: usize) -> anyhow::Result<Timed> {
    let bed = TestBed::new();
    let manifest = bed.write_manifest(&TestBed::base_manifest());
    let store = tempfile::tempdir()?;
    let mut command = Command::new(cemcp.path());
    command.args(["cemcp", "serve", "-m"]).arg(&manifest).args(["--expose", "tools"]);
    command.env("CEMCP_CACHE_DIR", workspace_root().join("target/test-cache")).env_remove("CEMCP_MANIFEST");
    let mut native_command = Command::new(native);
    native_command.arg(store.path());
    let mut servers =
        [("cemcp tools mode", Server::start(command)?), ("native rmcp server", Server::start(native_command)?)];
    let mut timed: Timed = servers.iter().map(|(name, _)| (*name, Vec::with_capacity(calls))).collect();
    for (_, server) in &mut servers {
        server.call("kv_put", &json!({ "key": "greeting", "value": "hello" }))?;
    }
    let per_round = calls.div_ceil(rounds.max(1));
    while timed.iter().any(|(_, times)| times.len() < calls) {
        for ((name, server), (_, times)) in servers.iter_mut().zip(&mut timed) {
            for _ in 0..per_round.min(calls - times.len()) {
                let (took, text) = server.call("kv_get", &json!({ "key": "greeting" }))?;
                if text != "hello" {
                    bail!("{name} read back {text:?}, not \"hello\"");
                }
                times.push(took);
            }
        }
    }
    for (_, server) in servers {
        server.stop();
    }
    for (_, times) in &mut timed {
        times.sort();
    }
    Ok(timed)
}
