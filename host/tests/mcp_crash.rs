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

use cemcp_tests::TestBed;
use serde_json::{Value, json};

mod common;
use common::raw::Raw;

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

/// Starts `cemcp serve --expose tools` in `bed` (after the handshake).
async fn start(bed: TestBed) -> Raw {
    let manifest = format!("{}\n[server]\nmax-runs = 4\n", TestBed::base_manifest());
    Raw::exposing(bed, &manifest, "tools").await
}

/// Sends write number `seq` without waiting for its answer (its id is `seq + 1`).
async fn put(server: &mut Raw, seq: u64) {
    let params = json!({ "name": "kv_put", "arguments": { "key": format!("k{}", seq % KEYS), "value": value(seq) } });
    server
        .send(&json!({ "jsonrpc": "2.0", "id": seq + 1, "method": "tools/call", "params": params }).to_string())
        .await;
}

/// Calls `tool` and returns its result's text; the test fails on an error result.
async fn ask(server: &mut Raw, tool: &str, arguments: Value) -> String {
    let result = server.call(0, tool, arguments).await;
    assert_eq!(result["isError"], false, "{result}");
    result["content"][0]["text"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_a_write_loop_leaves_every_acknowledged_write_whole() {
    // Write keys k0..k9 round-robin with WINDOW writes in flight; note the last
    // acknowledged write of each key; kill -9 the moment the 300th is acknowledged.
    let mut server = start(TestBed::new()).await;
    let mut acknowledged: BTreeMap<u64, u64> = BTreeMap::new();
    let (mut sent, mut acks) = (0_u64, 0_usize);
    while sent < WINDOW {
        put(&mut server, sent).await;
        sent += 1;
    }
    while acks < ACKED_BEFORE_KILL {
        let reply = server.reply().await;
        let seq = reply["id"].as_u64().unwrap() - 1;
        assert_eq!(reply["result"]["isError"], false, "write {seq}: {reply}");
        acknowledged.insert(seq % KEYS, seq);
        acks += 1;
        put(&mut server, sent).await;
        sent += 1;
    }
    server.child.start_kill().unwrap();
    let status = server.child.wait().await.unwrap();
    assert_eq!(std::os::unix::process::ExitStatusExt::signal(&status), Some(9), "{status:?}");

    // A new server: the store lists exactly the ten keys (the temporary files of the
    // writes the kill cut short, usually one to three here, are not keys), each holds a whole value, and that value is the last
    // acknowledged write of the key or the one after it that was in flight.
    let mut server = start(server.into_bed()).await;
    let listed: Vec<String> =
        serde_json::from_str(&ask(&mut server, "kv_list", json!({ "prefix": "" })).await).unwrap();
    assert_eq!(listed, (0..KEYS).map(|k| format!("k{k}")).collect::<Vec<_>>());
    for (key, last) in acknowledged {
        let stored = ask(&mut server, "kv_get", json!({ "key": format!("k{key}") })).await;
        assert!(
            whole(&stored).is_some_and(|seq| seq == last || seq == last + KEYS),
            "k{key}: acknowledged write {last}, the store holds {}...",
            stored.chars().take(40).collect::<String>()
        );
    }
}
