//! `cemcp serve` driven by the official Rust SDK's client, over stdio and over
//! Streamable HTTP (every test runs on both): listing, calling, errors, code mode,
//! limits, progress and cancellation, as an MCP client sees them.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::time::{Duration, Instant};

use base64::Engine as _;
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientRequest, Request};
use rmcp::service::{PeerRequestOptions, RunningService};
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Value, json};
use tokio::io::{BufReader, Lines};
use tokio::process::{Child, ChildStderr};

mod common;
use common::text;

/// The two transports every test runs on.
#[derive(Debug, Clone, Copy)]
enum Transport {
    Stdio,
    Http,
}

const BOTH: [Transport; 2] = [Transport::Stdio, Transport::Http];

struct Server {
    client: RunningService<RoleClient, ()>,
    /// The server's log (stderr, at info level).
    log: Lines<BufReader<ChildStderr>>,
    _child: Child,
    _bed: TestBed,
}

/// Starts `cemcp serve` on the base manifest (profile `all`, program and `flaky` time
/// limits 60s)
/// and connects the SDK client over `transport`.
async fn serve(transport: Transport, expose: &str) -> Server {
    let (child, log, connection, bed) = spawn(transport, expose).await;
    let client = match connection {
        Connection::Stdio(pipes) => ().serve(pipes).await.unwrap(),
        Connection::Http(url) => ().serve(StreamableHttpClientTransport::from_uri(url)).await.unwrap(),
    };
    Server { client, log, _child: child, _bed: bed }
}

/// How to reach a started server: its stdout and stdin, or its URL.
enum Connection {
    Stdio((tokio::process::ChildStdout, tokio::process::ChildStdin)),
    Http(String),
}

/// Starts `cemcp serve` (over HTTP, on a free loopback port) with its log on stderr.
async fn spawn(transport: Transport, expose: &str) -> (Child, Lines<BufReader<ChildStderr>>, Connection, TestBed) {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest()
        .edit(r#"time = "5s", memory = "64 MiB""#, r#"time = "60s""#)
        .edit(r#"time = "500ms", memory = "16 MiB""#, r#"time = "60s", memory = "16 MiB""#);
    bed.write_manifest(&manifest);
    let mut args = vec!["serve", "-m", "manifest.toml", "--expose", expose];
    if matches!(transport, Transport::Http) {
        args.extend(["--http", "127.0.0.1:0"]);
    }
    let (mut child, mut log) = common::spawn_serve(&bed, &args);
    let connection = match transport {
        Transport::Stdio => Connection::Stdio((child.stdout.take().unwrap(), child.stdin.take().unwrap())),
        Transport::Http => Connection::Http(
            cemcp_tests::stress::http::wait_for_url(&mut log).await.expect("the server did not listen"),
        ),
    };
    (child, log, connection, bed)
}

async fn call(server: &Server, name: &str, arguments: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments.as_object().unwrap().clone());
    server.client.call_tool(params).await.unwrap()
}

fn program(path: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(std::fs::read(path).unwrap())
}

#[tokio::test]
async fn lists_granted_tool_functions_and_the_code_tools() {
    for transport in BOTH {
        let server = serve(transport, "both").await;
        let tools = server.client.list_all_tools().await.unwrap();
        let names: Vec<&str> = tools.iter().map(|t| t.name.as_ref()).collect();
        for expected in [
            "files_read",
            "files_search",
            "kv_put",
            "flaky_boom",
            "http_get",
            "config_get",
            "search_tools",
            "run_program",
        ] {
            assert!(names.contains(&expected), "{expected} missing from {names:?}");
        }
        assert!(
            names.iter().all(|n| n.len() <= 64 && n.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c)))
        );
        let read = tools.iter().find(|t| t.name == "files_read").unwrap();
        assert!(read.description.as_deref().unwrap().starts_with("Reads a text file, or a byte range of it."));
        let schema = Value::Object((*read.input_schema).clone());
        assert_eq!(schema["required"], json!(["path", "offset"]), "`length` is an option: it may be left out");
        let offset = &schema["properties"]["offset"];
        assert_eq!((&offset["type"], &offset["minimum"]), (&json!("integer"), &json!(0)));
        assert!(offset["description"].as_str().unwrap().contains("byte"), "the docs describe `offset`: {offset}");
        assert_eq!(schema["additionalProperties"], json!(false));
        assert!(read.output_schema.is_some());

        let code_only = serve(transport, "code").await;
        let names: Vec<String> =
            code_only.client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.into_owned()).collect();
        assert_eq!(names, ["search_tools", "run_program"]);
    }
}

#[tokio::test]
async fn calls_a_tool_and_reports_bad_arguments_errors_and_traps() {
    for transport in BOTH {
        let server = serve(transport, "tools").await;
        let ok = call(&server, "files_read", json!({ "path": "alpha.txt", "offset": 4, "length": 5 })).await;
        assert_eq!(ok.is_error, Some(false));
        assert_eq!(ok.structured_content, Some(json!({ "result": "quick" })));

        let bad = call(&server, "files_read", json!({ "path": "alpha.txt", "offset": -1, "length": null })).await;
        assert_eq!(bad.is_error, Some(true));
        assert_eq!(
            text(&bad),
            "[cemcp: invalid arguments] `files_read`: argument `offset`: expected an integer from 0 to 18446744073709551615, found -1"
        );
        let missing = call(&server, "files_read", json!({ "path": "alpha.txt" })).await;
        assert!(text(&missing).ends_with("missing argument `offset`"), "{}", text(&missing));

        let tool_error = call(&server, "files_read", json!({ "path": "nope.txt", "offset": 0, "length": null })).await;
        assert_eq!(tool_error.is_error, Some(true));
        assert!(
            text(&tool_error).starts_with("[cemcp: tool error] cannot read `nope.txt`: No such file"),
            "{}",
            text(&tool_error)
        );

        let trap = call(&server, "flaky_boom", json!({})).await;
        assert_eq!(trap.is_error, Some(true));
        assert_eq!(
            text(&trap),
            "[cemcp: tool error] tool `flaky` trapped in `boom`: wasm trap: wasm `unreachable` instruction executed"
        );
        // The server carries on, with fresh instances: each call has one of its own,
        // though after the first they are made ahead (`tool::spare`), so `count`
        // always starts again from 0.
        for _ in 0..3 {
            let count = call(&server, "flaky_count", json!({})).await;
            assert_eq!(count.structured_content, Some(json!({ "result": 1 })));
        }

        let unknown = server.client.call_tool(CallToolRequestParams::new("nope")).await;
        assert!(unknown.unwrap_err().to_string().contains("no tool named `nope`"));
    }
}

#[tokio::test]
async fn searches_the_catalogue_at_each_detail_level() {
    for transport in BOTH {
        let server = serve(transport, "code").await;
        let names = text(&call(&server, "search_tools", json!({ "query": "key", "detail": "names" })).await);
        assert!(names.contains("cemcp:kv/kv@0.1.0.get\n"), "{names}");
        assert!(!names.contains("Returns"), "names only: {names}");
        let summaries = text(&call(&server, "search_tools", json!({ "query": "byte range" })).await);
        assert!(
            summaries.contains("cemcp:files/files@0.1.0.read: Reads a text file, or a byte range of it.\n"),
            "{summaries}"
        );
        assert!(!summaries.contains("kv"), "filtered by the query: {summaries}");
        let full = text(&call(&server, "search_tools", json!({ "query": "byte range", "detail": "full" })).await);
        assert!(full.contains("import cemcp:files/files@0.1.0;"), "{full}");
        assert!(full.contains("read: func(path: string, offset: u64, length: option<u64>) -> result<string, string>;"));
        assert!(full.contains("record search-hit {") && full.contains("enum match-mode {"), "types come along: {full}");
        assert!(full.contains("package cemcp:files@0.1.0;"), "{full}");
        let none = text(&call(&server, "search_tools", json!({ "query": "zebra" })).await);
        assert!(none.ends_with("no tool function matches `zebra`"), "{none}");
    }
}

#[tokio::test]
async fn runs_a_program_and_reports_its_limits() {
    for transport in BOTH {
        let server = serve(transport, "code").await;
        let run = call(
            &server,
            "run_program",
            json!({ "component": program(artifacts::REPORT_COMPONENT), "input": { "pattern": "fox" } }),
        )
        .await;
        assert_eq!(run.is_error, Some(false), "{}", text(&run));
        let content = run.structured_content.unwrap();
        assert_eq!(content["output"]["total_words"], 18);
        assert_eq!(content["stats"]["tool_calls"]["files.search"], 1);

        let memory = call(
            &server,
            "run_program",
            json!({ "component": program(artifacts::PROBE_COMPONENT), "input": { "do": "alloc", "mib": 512 } }),
        )
        .await;
        assert_eq!(memory.is_error, Some(true));
        assert_eq!(text(&memory), "[cemcp: tool error] program exceeded its 256.0 MiB memory limit");

        let by_name = call(&server, "run_program", json!({ "name": "report", "input": { "pattern": "lazy" } })).await;
        assert_eq!(by_name.structured_content.unwrap()["output"]["total_matching_lines"], 1);
        let unknown = call(&server, "run_program", json!({ "name": "nope" })).await;
        assert_eq!(
            text(&unknown),
            "[cemcp: invalid arguments] no program is registered as `nope` (registered: report)"
        );
        let bad_detail = call(&server, "search_tools", json!({ "detail": "everything" })).await;
        assert!(
            text(&bad_detail).starts_with("[cemcp: invalid arguments] `search_tools`: unknown variant `everything`"),
            "{}",
            text(&bad_detail)
        );
        let extra = call(&server, "run_program", json!({ "name": "report", "inptu": {} })).await;
        assert!(text(&extra).contains("unknown field `inptu`"), "{}", text(&extra));
        let both = call(&server, "run_program", json!({ "name": "report", "component": "AAAA" })).await;
        assert!(text(&both).contains("give exactly one of `component`"), "{}", text(&both));

        let refused = call(&server, "run_program", json!({ "component": program(artifacts::KV_COMPONENT) })).await;
        assert!(text(&refused).contains("the program does not export `run"), "{}", text(&refused));
        let garbage = call(&server, "run_program", json!({ "component": "not base64!" })).await;
        assert!(text(&garbage).contains("`component` is not base64"), "{}", text(&garbage));
    }
}

/// Sends `params`, cancels it after 500 ms, and checks that the server logs the call
/// as failed within seconds (well before the 60s limits): the wasm stopped.
async fn cancel_and_see_it_stop(server: &mut Server, params: CallToolRequestParams) {
    let name = params.name.to_string();
    let request = ClientRequest::CallToolRequest(Request::new(params));
    let handle = server.client.send_cancellable_request(request, PeerRequestOptions::no_options()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let cancelled_at = Instant::now();
    handle.cancel(Some("test".into())).await.unwrap();
    let line = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(line) = server.log.next_line().await.unwrap() {
            if line.contains("tool call") && line.contains(&name) {
                return line;
            }
        }
        panic!("the server exited without logging the call");
    })
    .await
    .expect("the cancelled call did not stop");
    assert!(line.contains("outcome=\"error\"") || line.contains("outcome=error"), "{line}");
    assert!(cancelled_at.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn cancelling_a_run_stops_the_program() {
    for transport in BOTH {
        let mut server = serve(transport, "code").await;
        let input = json!({ "component": program(artifacts::PROBE_COMPONENT), "input": { "do": "loop" } });
        let params = CallToolRequestParams::new("run_program").with_arguments(input.as_object().unwrap().clone());
        cancel_and_see_it_stop(&mut server, params).await;
        // And the server still answers.
        let count = call(&server, "search_tools", json!({ "detail": "names" })).await;
        assert_eq!(count.is_error, Some(false));
    }
}

/// A tools-mode call runs on the server's worker thread (`call::inline`); a client's
/// cancel still stops it, and the server goes on answering. The spinning call comes
/// after another call of the same tool, so its instance was made ahead
/// (`tool::spare`) and bound to this call's cancel when taken.
#[tokio::test]
async fn cancelling_a_tools_mode_call_stops_the_tool() {
    for transport in BOTH {
        let mut server = serve(transport, "tools").await;
        let first = call(&server, "flaky_count", json!({})).await;
        assert_eq!(first.is_error, Some(false), "{}", text(&first));
        tokio::time::sleep(Duration::from_millis(200)).await;
        cancel_and_see_it_stop(&mut server, CallToolRequestParams::new("flaky_spin")).await;
        let count = call(&server, "flaky_count", json!({})).await;
        assert_eq!(count.is_error, Some(false), "{}", text(&count));
    }
}

/// A client that records the progress messages it is sent.
#[derive(Clone, Default)]
struct ProgressLog(std::sync::Arc<std::sync::Mutex<Vec<String>>>);

impl rmcp::ClientHandler for ProgressLog {
    fn on_progress(
        &self,
        params: rmcp::model::ProgressNotificationParam,
        _context: rmcp::service::NotificationContext<RoleClient>,
    ) -> impl std::future::Future<Output = ()> + Send + '_ {
        self.0.lock().unwrap().push(params.message.unwrap_or_default());
        std::future::ready(())
    }
}

#[tokio::test]
async fn runs_report_progress_when_asked() {
    for transport in BOTH {
        let (_child, _log, connection, _bed) = spawn(transport, "code").await;
        let log = ProgressLog::default();
        let client = match connection {
            Connection::Stdio(pipes) => log.clone().serve(pipes).await.unwrap(),
            Connection::Http(url) => log.clone().serve(StreamableHttpClientTransport::from_uri(url)).await.unwrap(),
        };
        let params = CallToolRequestParams::new("run_program")
            .with_arguments(json!({ "name": "report", "input": { "pattern": "fox" } }).as_object().unwrap().clone());
        let run = client.call_tool(common::asking_progress(params)).await.unwrap();
        assert_eq!(run.is_error, Some(false), "{transport:?}");
        // Notifications may trail the response by a moment.
        for _ in 0..50 {
            if log.0.lock().unwrap().len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(*log.0.lock().unwrap(), ["loading the program", "running the program"], "{transport:?}");
    }
}
