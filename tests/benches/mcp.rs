//! MCP benchmarks against a native rmcp server in the same run (release build):
//! `cargo bench -p cemcp-tests --bench mcp`.
//!
//! - `serve start`: spawn → MCP handshake → `tools/list` answered, for `cemcp serve`
//!   with the study's ten tool components (`capabilities/mcpbench.toml`, compiled
//!   components cached) and for `native_mcp`, a native rmcp server (`tests/src/bin`);
//!   cemcp both as a client finds it (the list kept by its last start, answered while
//!   the tools load) and with that list removed before each start (the first start
//!   after a change); and spawn → the first `tools/call` answered, which waits for the
//!   tools;
//! - `tools call`: one `tools/call` round trip of `kv_get` over stdio, as the official
//!   Rust SDK client times it, to cemcp's `kv` component (tools mode: a fresh
//!   sandboxed instance per call) and to the native server's `kv_get`.
//!
//! Both servers speak over stdio to the same client in this process. Results and
//! how to read them: BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark fails by panicking")]

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use cemcp_tests::study::serve::{Cemcp, Served, is_error, text_of};
use cemcp_tests::{TestBed, workspace_root};
use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::json;
use tokio::runtime::Runtime;

/// The cemcp the benchmarks start: the `stress` binary, which runs as cemcp when its
/// first argument is `cemcp` (built by cargo for benchmarks, in the same profile).
fn cemcp() -> Cemcp {
    Cemcp::study_binary(env!("CARGO_BIN_EXE_stress"))
}

/// The native server, storing in `dir`, listing the tools in `more` too (a JSON file).
async fn native(dir: &Path, more: Option<&Path>) -> Served {
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_native_mcp"))
        .arg(dir)
        .args(more)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    Served::attach(child).await.unwrap()
}

fn client_runtime() -> Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn serve_start(c: &mut Criterion) {
    let rt = client_runtime();
    let cemcp = cemcp();
    let mcpbench = workspace_root().join("capabilities/mcpbench.toml");
    let store = tempfile::tempdir().unwrap();
    // Warm the compiled-component cache and check what is listed; the native server
    // lists the same tools too in the second reference.
    let tools = rt.block_on(async {
        let served = Served::start(&cemcp, &mcpbench, "tools").await.unwrap();
        let tools = served.tools().await.unwrap();
        served.stop().await;
        tools
    });
    let listed = tools.len();
    let same_tools = store.path().join("tools.json");
    std::fs::write(&same_tools, serde_json::to_vec(&tools).unwrap()).unwrap();
    assert!(listed > 50, "the ten study servers list their functions: {listed}");

    let mut group = c.benchmark_group("serve start: spawn to tools listed");
    group.sample_size(30).measurement_time(Duration::from_secs(10));
    let start = |b: &mut criterion::Bencher<'_>, kept: bool, call: bool| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    if !kept {
                        forget_lists();
                    }
                    let started = Instant::now();
                    let served = Served::start(&cemcp, &mcpbench, "tools").await.unwrap();
                    assert_eq!(served.tools().await.unwrap().len(), listed);
                    if call {
                        let (sum, _) =
                            served.call("add", &json!({ "firstNumber": 2, "secondNumber": 3 })).await.unwrap();
                        assert_eq!(text_of(&sum), "5");
                    }
                    total += started.elapsed();
                    served.stop().await;
                }
                total
            })
        });
    };
    group.bench_function(format!("cemcp serve, 10 cached components ({listed} tools)"), |b| start(b, true, false));
    group.bench_function("cemcp serve, the same, its last start's list removed", |b| start(b, false, false));
    group.bench_function("cemcp serve, the same, then a first call answered", |b| start(b, true, true));
    let native_start = |b: &mut criterion::Bencher<'_>, more: Option<&Path>, count: usize| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let started = Instant::now();
                    let served = native(store.path(), more).await;
                    assert_eq!(served.tools().await.unwrap().len(), count);
                    total += started.elapsed();
                    served.stop().await;
                }
                total
            })
        });
    };
    group.bench_function("reference: native rmcp server (2 tools)", |b| native_start(b, None, 2));
    group.bench_function(format!("reference: native rmcp server, also listing cemcp's {listed} from a file"), |b| {
        native_start(b, Some(&same_tools), 2 + listed);
    });
    group.finish();
}

/// Removes the tool lists `cemcp serve` keeps for its next start from the tests'
/// cache, so that the next start loads its tools before it answers.
fn forget_lists() {
    let cache = workspace_root().join("target/test-cache");
    for entry in std::fs::read_dir(&cache).unwrap().flatten() {
        if entry.file_name().to_string_lossy().starts_with("list-") {
            std::fs::remove_file(entry.path()).unwrap();
        }
    }
}

/// Times `kv_get` round trips on a connected server, after storing the value read.
fn time_calls(rt: &Runtime, served: &Served, b: &mut criterion::Bencher<'_>) {
    rt.block_on(async {
        let (put, _) = served.call("kv_put", &json!({ "key": "greeting", "value": "hello" })).await.unwrap();
        assert!(!is_error(&put), "{}", text_of(&put));
        let (got, _) = served.call("kv_get", &json!({ "key": "greeting" })).await.unwrap();
        assert_eq!(text_of(&got), "hello");
    });
    b.iter_custom(|iters| {
        rt.block_on(async {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let (_, took) = served.call("kv_get", &json!({ "key": "greeting" })).await.unwrap();
                total += took;
            }
            total
        })
    });
}

fn tools_call(c: &mut Criterion) {
    let rt = client_runtime();
    let bed = TestBed::new();
    let manifest = bed.write_manifest(&TestBed::base_manifest());
    let native_store = tempfile::tempdir().unwrap();
    let cemcp = rt.block_on(Served::start(&cemcp(), &manifest, "tools")).unwrap();
    let native = rt.block_on(native(native_store.path(), None));

    let mut group = c.benchmark_group("tools call: kv_get round trip over stdio");
    group.bench_function("cemcp tools mode (kv component, fresh instance)", |b| time_calls(&rt, &cemcp, b));
    group.bench_function("reference: native rmcp server", |b| time_calls(&rt, &native, b));
    group.finish();
    rt.block_on(async {
        cemcp.stop().await;
        native.stop().await;
    });
}

criterion_group!(benches, serve_start, tools_call);
criterion_main!(benches);
