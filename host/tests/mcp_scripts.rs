//! Scripts over MCP, as a model uses them: `run_script` and `search_tools` with
//! declarations, through `cemcp serve` with the official Rust SDK client, over stdio
//! and Streamable HTTP.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Value, json};
use tokio::process::Child;

mod common;
use common::text;

struct Server {
    client: RunningService<RoleClient, ()>,
    /// The server's log lines (stderr, at info level).
    log: tokio::sync::mpsc::UnboundedReceiver<String>,
    _child: Child,
    _bed: TestBed,
}

/// `cemcp serve --expose code` with both interpreters and a registered Python script,
/// over stdio (`http = false`) or HTTP.
async fn serve(http: bool) -> Server {
    let bed = TestBed::new();
    std::fs::write(
        bed.path().join("count.py"),
        "{\"words\": len(tools.files.read(path=input['path'], offset=0).split())}",
    )
    .unwrap();
    let manifest =
        TestBed::base_manifest().edit(r#"time = "5s", memory = "64 MiB""#, r#"time = "3s", calls = 50"#).edit(
            "[program.report]",
            &format!(
                "[interpreter.python]\ncomponent = \"{}\"\n\n[interpreter.javascript]\ncomponent = \"{}\"\n\n\
             [program.count]\nscript = \"count.py\"\n\n[program.report]",
                artifacts::PYTHON_COMPONENT,
                artifacts::JAVASCRIPT_COMPONENT
            ),
        );
    bed.write_manifest(&manifest);
    let mut args = vec!["serve", "-m", "manifest.toml", "--expose", "code"];
    if http {
        args.extend(["--http", "127.0.0.1:0"]);
    }
    let (mut child, mut log) = common::spawn_serve(&bed, &args);
    let client = if http {
        let url = cemcp_tests::stress::http::wait_for_url(&mut log).await.unwrap();
        ().serve(StreamableHttpClientTransport::from_uri(url)).await.unwrap()
    } else {
        ().serve((child.stdout.take().unwrap(), child.stdin.take().unwrap())).await.unwrap()
    };
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok(Some(line)) = log.next_line().await {
            let _ = sender.send(line);
        }
    });
    Server { client, log: receiver, _child: child, _bed: bed }
}

async fn call(server: &Server, name: &str, arguments: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments.as_object().unwrap().clone());
    server.client.call_tool(params).await.unwrap()
}

#[tokio::test]
async fn scripts_run_over_mcp_in_both_languages() {
    for http in [false, true] {
        let server = serve(http).await;
        let names: Vec<String> =
            server.client.list_all_tools().await.unwrap().into_iter().map(|t| t.name.into()).collect();
        assert_eq!(names, ["search_tools", "run_program", "run_script"]);

        let python = "n = tools.flaky.count()\nprint('counted', n)\n{'n': n, 'input': input}";
        let run = call(&server, "run_script", json!({ "language": "python", "code": python, "input": [1] })).await;
        assert_eq!(run.is_error, Some(false), "{}", text(&run));
        let content = run.structured_content.unwrap();
        assert_eq!(content["output"], json!({ "n": 1, "input": [1] }));
        assert_eq!(content["printed"], "counted 1\n");
        assert_eq!(content["stats"]["tool_calls"]["flaky.count"], 1);

        let javascript = "const n = tools.flaky.count(); console.log('counted', n); ({ n, input })";
        let run =
            call(&server, "run_script", json!({ "language": "javascript", "code": javascript, "input": 2 })).await;
        let content = run.structured_content.unwrap();
        assert_eq!(
            (content["output"].clone(), content["printed"].clone()),
            (json!({ "n": 1, "input": 2 }), json!("counted 1\n"))
        );

        let failed = call(&server, "run_script", json!({ "language": "python", "code": "print('before')\n1/0" })).await;
        assert_eq!(failed.is_error, Some(true));
        let message = text(&failed);
        assert!(
            message.starts_with("[cemcp: tool error] the script failed: ") && message.contains("ZeroDivisionError"),
            "{message}"
        );
        assert!(message.ends_with("[printed before failing]\nbefore\n"), "{message}");

        let by_name = call(&server, "run_program", json!({ "name": "count", "input": { "path": "alpha.txt" } })).await;
        assert_eq!(by_name.structured_content.unwrap()["output"], json!({ "words": 9 }));

        let bad = call(&server, "run_script", json!({ "language": "cobol", "code": "1" })).await;
        assert!(
            text(&bad).starts_with("[cemcp: invalid arguments] `run_script`: unknown language `cobol`"),
            "{}",
            text(&bad)
        );
    }
}

#[tokio::test]
async fn search_tools_shows_declarations_for_scripts() {
    let server = serve(false).await;
    let python = text(
        &call(&server, "search_tools", json!({ "query": "byte range", "detail": "full", "language": "python" })).await,
    );
    assert!(python.contains("def read(*, path: str, offset: int, length: int | None = None) -> str:"), "{python}");
    assert!(python.contains("Reads a text file, or a byte range of it."), "{python}");
    assert!(!python.contains("interface files"), "only the Python form: {python}");
    let typescript = text(
        &call(&server, "search_tools", json!({ "query": "search", "detail": "full", "language": "typescript" })).await,
    );
    assert!(typescript.contains("declare namespace tools.files {"), "{typescript}");
    assert!(typescript.contains("interface SearchHit { path: string; line: number; text: string }"), "{typescript}");
    assert!(typescript.contains("type MatchMode = \"substring\" | \"regex\";"), "{typescript}");
    let all = text(&call(&server, "search_tools", json!({ "query": "byte range", "detail": "full" })).await);
    assert!(
        all.contains("import cemcp:files/files@0.1.0;") && all.contains("def read(") && all.contains("function read(")
    );
}

/// The scripts of `tests/suite/scripts.rs`, as an MCP client sends them: each case
/// in both languages, and the text the client must see.
const CASES: &[(&str, &str, &str, &str)] = &[
    (
        "two tools combined",
        "t = tools.files.read(path='alpha.txt', offset=0)\ntools.kv.put(key='k', value=t[:3])\ntools.kv.get(key='k')",
        "const t = tools.files.read({ path: 'alpha.txt', offset: 0 }); tools.kv.put({ key: 'k', value: t.slice(0, 3) }); tools.kv.get({ key: 'k' })",
        "\"the\"",
    ),
    (
        "a tool's error caught",
        "try:\n    tools.files.read(path='nope', offset=0)\nexcept RuntimeError as e:\n    r = 'caught'\nr",
        "let r; try { tools.files.read({ path: 'nope', offset: 0 }) } catch (e) { r = 'caught' } r",
        "\"caught\"",
    ),
    (
        "a wrong argument type",
        "tools.files.read(path='a', offset=-1)",
        "tools.files.read({ path: 'a', offset: -1 })",
        "files.read: argument `offset`: expected an integer from 0 to 18446744073709551615, found -1",
    ),
    (
        "an ungranted tool",
        "tools.nope.get(key='a')",
        "tools.nope.get({ key: 'a' })",
        "tool `nope` is not granted to profile `all`",
    ),
    ("a loop", "while True:\n    pass", "while (true) {}", "program exceeded its 3s time limit"),
    (
        "too many calls",
        "for i in range(100):\n    tools.flaky.count()",
        "for (let i = 0; i < 100; i++) tools.flaky.count()",
        "program exceeded its limit of 50 tool calls",
    ),
    ("a non-JSON output", "{1, 2}", "[1, 2n]", "the script's output is not JSON"),
    ("a syntax error", "x = (\n", "let x = ;", "the script failed: "),
];

#[tokio::test]
async fn the_suites_scripts_behave_the_same_over_mcp() {
    for http in [false, true] {
        let server = serve(http).await;
        for (what, python, javascript, expected) in CASES {
            for (language, code) in [("python", python), ("javascript", javascript)] {
                let result = call(&server, "run_script", json!({ "language": language, "code": code })).await;
                let seen = match &result.structured_content {
                    Some(content) if result.is_error == Some(false) => content["output"].to_string(),
                    _ => text(&result),
                };
                assert!(seen.contains(expected), "{what} in {language} (http: {http}): `{seen}` lacks `{expected}`");
            }
        }
        let eval = call(&server, "run_script", json!({ "language": "javascript", "code": "eval('1')" })).await;
        assert!(text(&eval).contains("dynamic code generation (eval, Function) is disabled"), "{}", text(&eval));
    }
}

#[tokio::test]
async fn cancelling_a_script_stops_it() {
    use rmcp::model::{ClientRequest, Request};
    use rmcp::service::PeerRequestOptions;
    for http in [false, true] {
        let mut server = serve(http).await;
        // Load the interpreter first (on a fresh machine that compiles and
        // pre-initializes it, which no cancel interrupts): this test cancels a script
        // that is running.
        let warm = call(&server, "run_script", json!({ "language": "javascript", "code": "1" })).await;
        assert_eq!(warm.is_error, Some(false), "{}", text(&warm));
        // Its log line first, so that the one awaited below is the cancelled call's.
        while let Some(line) = server.log.recv().await {
            if line.contains("tool call") && line.contains("run_script") {
                break;
            }
        }
        let params = CallToolRequestParams::new("run_script").with_arguments(
            json!({ "language": "javascript", "code": "while (true) {}" }).as_object().unwrap().clone(),
        );
        let request = ClientRequest::CallToolRequest(Request::new(params));
        let handle = server.client.send_cancellable_request(request, PeerRequestOptions::no_options()).await.unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let started = std::time::Instant::now();
        handle.cancel(Some("test".into())).await.unwrap();
        // The server logs the call when the script has stopped: well before its 3s limit.
        let line = tokio::time::timeout(std::time::Duration::from_secs(10), async {
            while let Some(line) = server.log.recv().await {
                if line.contains("tool call") && line.contains("run_script") {
                    return line;
                }
            }
            panic!("the server exited without logging the call");
        })
        .await
        .expect("the cancelled script did not stop");
        assert!(line.contains("outcome=\"error\"") || line.contains("outcome=error"), "{line}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "stopped in {:?}", started.elapsed());
    }
}
