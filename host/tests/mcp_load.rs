//! Bounded work and graceful stop, as a client of `cemcp serve` sees them: a full
//! host answers "busy" (503 with `Retry-After` over HTTP, `[cemcp: busy]` over
//! stdio) and nothing runs; SIGTERM lets a run in flight finish, cancels one that
//! outlasts `[server] drain`, and the server exits with status 0.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::time::{Duration, Instant};

use base64::Engine as _;
use cemcp_tests::stress::http::post_run;
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use rmcp::ServiceExt as _;
use rmcp::model::{CallToolRequestParams, CallToolResult};
use serde_json::{Value, json};

mod common;
use common::text;

/// The base manifest with a 60 s run limit and `server` as its `[server]` section.
fn bed(server: &str) -> TestBed {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest().edit(r#"time = "5s", memory = "64 MiB""#, r#"time = "60s""#);
    bed.write_manifest(&format!("{manifest}\n[server]\n{server}\n"));
    bed
}

fn probe(input: Value) -> Value {
    let component =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(artifacts::PROBE_COMPONENT).unwrap());
    json!({ "component": component, "input": input })
}

/// A stateless (2026-07-28) `tools/call` of `run_program` over HTTP: status, headers
/// and body.
async fn run_over_http(port: u16, arguments: Value) -> (u16, String) {
    let url = format!("http://127.0.0.1:{port}/mcp");
    let (status, headers, body) = post_run(&reqwest::Client::new(), &url, &arguments).await.unwrap();
    (status, headers + &body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_host_answers_503_with_retry_after_and_runs_nothing() {
    let bed = bed("max-runs = 1\nqueue = 0");
    let (mut child, mut log) =
        common::spawn_serve(&bed, &["serve", "-m", "manifest.toml", "--expose", "code", "--http", "127.0.0.1:0"]);
    let url = cemcp_tests::stress::http::wait_for_url(&mut log).await.unwrap();
    let port: u16 = url.trim_end_matches("/mcp").rsplit(':').next().unwrap().parse().unwrap();
    let slow = tokio::spawn(run_over_http(port, probe(json!({ "do": "sleep", "ms": 3000 }))));
    // Let the slow run take the one place (it loads the program first); until it
    // holds it, a quick run is served, then quick runs are refused.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let refused = loop {
        let (status, text) = run_over_http(port, probe(json!({ "do": "env" }))).await;
        if status == 503 {
            break text;
        }
        assert!(started.elapsed() < Duration::from_secs(2), "never refused: {status} {text}");
    };
    assert!(refused.contains("retry-after: 1\n"), "{refused}");
    assert!(refused.contains(r#""code":-32000"#) && refused.contains(r#""id":7"#), "{refused}");
    assert!(
        refused.contains("the host is busy: 1 runs in progress and 0 waiting, its limits (server.max-runs = 1, server.queue = 0); nothing ran"),
        "{refused}"
    );
    let (status, text) = slow.await.unwrap();
    assert_eq!(status, 200, "{text}");
    assert!(text.contains(r#""isError":false"#), "{text}");
    let (status, text) = run_over_http(port, probe(json!({ "do": "env" }))).await;
    assert_eq!(status, 200, "a freed place is taken: {text}");
    child.kill().await.unwrap();
}

async fn call<H: rmcp::ClientHandler>(
    client: &rmcp::service::RunningService<rmcp::RoleClient, H>,
    arguments: Value,
) -> CallToolResult {
    let params = CallToolRequestParams::new("run_program").with_arguments(arguments.as_object().unwrap().clone());
    client.call_tool(params).await.unwrap()
}

/// `cemcp serve` over stdio with the SDK client connected (`handler` answering what
/// the server sends it), and its log.
async fn serve_stdio<H: rmcp::ClientHandler>(
    bed: &TestBed,
    handler: H,
) -> (
    tokio::process::Child,
    tokio::io::Lines<tokio::io::BufReader<tokio::process::ChildStderr>>,
    rmcp::service::RunningService<rmcp::RoleClient, H>,
) {
    let (mut child, log) = common::spawn_serve(bed, &["serve", "-m", "manifest.toml"]);
    let pipes = (child.stdout.take().unwrap(), child.stdin.take().unwrap());
    let client = handler.serve(pipes).await.unwrap();
    (child, log, client)
}

fn terminate(child: &tokio::process::Child) {
    let pid = child.id().unwrap().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_stdio_a_full_host_answers_busy_and_the_call_may_be_retried() {
    let bed = bed("max-runs = 1\nqueue = 0");
    let (_child, _log, client) = serve_stdio(&bed, ()).await;
    let client = std::sync::Arc::new(client);
    let slow = {
        let client = std::sync::Arc::clone(&client);
        tokio::spawn(async move { call(&client, probe(json!({ "do": "sleep", "ms": 2000 }))).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let started = Instant::now();
    let busy = loop {
        let result = call(&client, probe(json!({ "do": "env" }))).await;
        if text(&result).starts_with("[cemcp: busy]") {
            break result;
        }
        assert!(started.elapsed() < Duration::from_secs(2), "never busy: {}", text(&result));
    };
    assert_eq!(busy.is_error, Some(true));
    let meta = serde_json::to_value(&busy).unwrap()["_meta"].clone();
    assert_eq!(meta["io.cemcp/retry-after-ms"], 1000, "{meta}");
    assert_eq!(slow.await.unwrap().is_error, Some(false));
    assert_eq!(call(&client, probe(json!({ "do": "env" }))).await.is_error, Some(false));
}

/// A client that is told when a run starts loading its program.
#[derive(Clone, Default)]
struct Loading(std::sync::Arc<tokio::sync::Notify>);

impl rmcp::ClientHandler for Loading {
    fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<rmcp::RoleClient>,
    ) -> impl std::future::Future<Output = ()> + Send + '_ {
        if params.message.as_deref() == Some("loading the program") {
            self.0.notify_one();
        }
        std::future::ready(())
    }
}

/// SIGTERM as soon as the call says it is loading its program (before its run takes
/// a place: the moment a loaded CI machine once hit, when the server saw no run in
/// flight and cancelled it at once): the call is drained like any other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_call_in_flight_finish_even_one_still_loading_refuses_new_ones_and_exits_0() {
    let bed = bed("drain = \"10s\"");
    let loading = Loading::default();
    let (mut child, mut log, client) = serve_stdio(&bed, loading.clone()).await;
    let client = std::sync::Arc::new(client);
    let run = {
        let client = std::sync::Arc::clone(&client);
        let params = CallToolRequestParams::new("run_program")
            .with_arguments(probe(json!({ "do": "sleep", "ms": 1500 })).as_object().unwrap().clone());
        tokio::spawn(async move { client.call_tool(common::asking_progress(params)).await.unwrap() })
    };
    tokio::time::timeout(Duration::from_secs(30), loading.0.notified()).await.expect("no progress was reported");
    terminate(&child);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let refused = call(&client, probe(json!({ "do": "env" }))).await;
    assert!(text(&refused).starts_with("[cemcp: busy] the server is stopping; nothing ran"), "{}", text(&refused));
    let finished = run.await.unwrap();
    assert_eq!(finished.is_error, Some(false), "{}", text(&finished));
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(0));
    let mut said = String::new();
    while let Ok(Some(line)) = log.next_line().await {
        said.push_str(&line);
        said.push('\n');
    }
    assert!(said.contains("cemcp: SIGTERM: stopping; 1 call(s) in flight ("), "{said}");
    assert!(said.contains("waiting for a place), given 10s to finish"), "{said}");
    assert!(!said.contains("cancelling"), "{said}");
    assert!(said.contains("cemcp: stopped"), "{said}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_cancels_a_run_that_outlasts_the_drain_time_and_exits_0() {
    let bed = bed("drain = \"300ms\"");
    let (mut child, _log, client) = serve_stdio(&bed, ()).await;
    let client = std::sync::Arc::new(client);
    let run = {
        let client = std::sync::Arc::clone(&client);
        tokio::spawn(async move { call(&client, probe(json!({ "do": "loop" }))).await })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    let stopping = Instant::now();
    terminate(&child);
    let cancelled = run.await.unwrap();
    assert_eq!(text(&cancelled), "[cemcp: tool error] the call was cancelled: the server is closing");
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait()).await.unwrap().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(stopping.elapsed() < Duration::from_secs(5), "{:?}", stopping.elapsed());
}
