//! `cemcp serve` over stdio, spoken to in raw JSON-RPC lines: so that malformed
//! messages can be sent, requests pipelined, and the server killed mid-way.

use std::process::Stdio;
use std::time::Duration;

use cemcp_tests::TestBed;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};

/// A server over stdio, spoken to line by line.
pub struct Raw {
    /// The server process.
    pub child: Child,
    /// Its stdin, until a test closes it.
    pub stdin: Option<ChildStdin>,
    stdout: Lines<BufReader<ChildStdout>>,
    bed: TestBed,
}

impl Raw {
    /// Starts `cemcp serve --expose both` on `manifest` and completes the handshake.
    pub async fn start(bed: TestBed, manifest: &str) -> Self {
        Self::exposing(bed, manifest, "both").await
    }

    /// Starts `cemcp serve --expose <expose>` on `manifest` in `bed` and completes
    /// the handshake.
    pub async fn exposing(bed: TestBed, manifest: &str, expose: &str) -> Self {
        bed.write_manifest(manifest);
        let mut child = Command::from(super::command(&bed, super::CEMCP))
            .args(["serve", "-m", "manifest.toml", "--expose", expose])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut raw = Self { child, stdin, stdout, bed };
        let init = json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "raw", "version": "0" } } });
        raw.send(&init.to_string()).await;
        assert_eq!(raw.reply().await["id"], 0);
        raw.send(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;
        raw
    }

    pub async fn send(&mut self, line: &str) {
        self.send_bytes(line.as_bytes()).await;
    }

    pub async fn send_bytes(&mut self, line: &[u8]) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(line).await.unwrap();
        stdin.write_all(b"\n").await.unwrap();
        stdin.flush().await.unwrap();
    }

    /// Asks `ping` with `id` and returns every message that came before its answer.
    pub async fn before_ping(&mut self, id: u64) -> Vec<Value> {
        self.send(&json!({ "jsonrpc": "2.0", "id": id, "method": "ping" }).to_string()).await;
        let mut before = Vec::new();
        loop {
            let reply = self.reply().await;
            if reply["id"] == id && reply.get("result").is_some() {
                return before;
            }
            before.push(reply);
        }
    }

    /// The next message from the server, within 30 seconds.
    pub async fn reply(&mut self) -> Value {
        let line = tokio::time::timeout(Duration::from_secs(30), self.stdout.next_line())
            .await
            .expect("no answer within 30s")
            .unwrap()
            .expect("the server closed stdout");
        serde_json::from_str(&line).unwrap()
    }

    /// Calls `tool` with `id` and returns the result of its answer.
    pub async fn call(&mut self, id: u64, tool: &str, arguments: Value) -> Value {
        let call = json!({ "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": { "name": tool, "arguments": arguments } });
        self.send(&call.to_string()).await;
        let reply = self.reply().await;
        assert_eq!(reply["id"], id, "{reply}");
        reply["result"].clone()
    }

    /// Kills the server and gives back its bed (to start another on the same files).
    pub fn into_bed(self) -> TestBed {
        self.bed
    }
}
