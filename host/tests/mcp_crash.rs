//! A server killed with `kill -9` in the middle of a write loop leaves no tool state
//! half-written: the `kv` store loads again, every write the client saw acknowledged is
//! there whole, and no value is a mix of two writes.
//!
//! `cargo test -p cemcp --test mcp_crash`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::collections::BTreeMap;
use std::process::Stdio;
use std::time::Duration;

use cemcp_tests::TestBed;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

mod common;

/// Keys written round-robin; a key has at most one write in flight (`WINDOW` < `KEYS`),
/// so the order of a key's acknowledgements is the order of its writes.
const KEYS: u64 = 10;
const WINDOW: u64 = 8;
/// Acknowledged writes before the kill, and the size of each value (large enough
/// that writes are still in flight when the signal lands).
const ACKED_BEFORE_KILL: usize = 300;
const VALUE_BYTES: usize = 64 * 1024;

/// The value of write number `seq`: its number, then padding that ends in a marker,
/// so that a value cut short or mixed with another write is seen.
fn value(seq: u64) -> String {
    let head = format!("{seq}:");
    format!("{head}{}|end", "x".repeat(VALUE_BYTES - head.len()))
}

/// The write number a stored value carries, if it is whole.
fn whole(stored: &str) -> Option<u64> {
    let seq = stored.split_once(':')?.0.parse().ok()?;
    (stored == value(seq)).then_some(seq)
}

/// `cemcp serve --expose tools` over stdio, after the handshake.
struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: Lines<BufReader<ChildStdout>>,
}

impl Server {
    async fn start(bed: &TestBed) -> Self {
        let mut child = Command::from(common::command(bed, common::CEMCP))
            .args(["serve", "-m", "manifest.toml", "--expose", "tools"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut server = Self { child, stdin, stdout };
        server
            .send(json!({ "jsonrpc": "2.0", "id": "init", "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "crash", "version": "0" } } }))
            .await;
        assert_eq!(server.reply().await["id"], "init");
        server.send(json!({ "jsonrpc": "2.0", "method": "notifications/initialized" })).await;
        server
    }

    async fn send(&mut self, message: Value) {
        let mut line = message.to_string();
        line.push('\n');
        self.stdin.write_all(line.as_bytes()).await.unwrap();
        self.stdin.flush().await.unwrap();
    }

    async fn reply(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line())
            .await
            .expect("an answer within 30 s")
            .unwrap()
            .expect("the server closed stdout");
        serde_json::from_str(&line).unwrap()
    }

    async fn call(&mut self, id: u64, tool: &str, arguments: Value) {
        let params = json!({ "name": tool, "arguments": arguments });
        self.send(json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call", "params": params })).await;
    }

    /// Calls `tool` and waits for its result's text; the test fails on an error result.
    async fn ask(&mut self, tool: &str, arguments: Value) -> String {
        self.call(0, tool, arguments).await;
        let reply = self.reply().await;
        let result = &reply["result"];
        assert_eq!(result["isError"], false, "{reply}");
        result["content"][0]["text"].as_str().unwrap().to_owned()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_a_write_loop_leaves_every_acknowledged_write_whole() {
    let bed = TestBed::new();
    bed.write_manifest(&format!("{}\n[server]\nmax-runs = 4\n", TestBed::base_manifest()));

    // Write keys k0..k9 round-robin with WINDOW writes in flight; note the last
    // acknowledged write of each key; kill -9 the moment the 300th is acknowledged.
    let mut server = Server::start(&bed).await;
    let mut acknowledged: BTreeMap<u64, u64> = BTreeMap::new();
    let (mut sent, mut acks) = (0_u64, 0_usize);
    while sent < WINDOW {
        server.call(sent + 1, "kv_put", json!({ "key": format!("k{}", sent % KEYS), "value": value(sent) })).await;
        sent += 1;
    }
    while acks < ACKED_BEFORE_KILL {
        let reply = server.reply().await;
        let seq = reply["id"].as_u64().unwrap() - 1;
        assert_eq!(reply["result"]["isError"], false, "write {seq}: {reply}");
        acknowledged.insert(seq % KEYS, seq);
        acks += 1;
        server.call(sent + 1, "kv_put", json!({ "key": format!("k{}", sent % KEYS), "value": value(sent) })).await;
        sent += 1;
    }
    server.child.start_kill().unwrap();
    let status = server.child.wait().await.unwrap();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9), "{status:?}");

    // A new server: the store lists exactly the ten keys (the temporary files of the
    // writes the kill cut short, usually one to three here, are not keys), each holds a whole value, and that value is the last
    // acknowledged write of the key or the one after it that was in flight.
    let mut server = Server::start(&bed).await;
    let listed: Vec<String> = serde_json::from_str(&server.ask("kv_list", json!({ "prefix": "" })).await).unwrap();
    assert_eq!(listed, (0..KEYS).map(|k| format!("k{k}")).collect::<Vec<_>>());
    for (key, last) in acknowledged {
        let stored = server.ask("kv_get", json!({ "key": format!("k{key}") })).await;
        assert!(
            whole(&stored).is_some_and(|seq| seq == last || seq == last + KEYS),
            "k{key}: acknowledged write {last}, the store holds {}...",
            stored.chars().take(40).collect::<String>()
        );
    }
}
