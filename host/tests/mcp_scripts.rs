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

use std::process::Stdio;

use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use rmcp::model::{CallToolRequestParams, CallToolResult};
use rmcp::service::RunningService;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::{RoleClient, ServiceExt as _};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader};
use tokio::process::{Child, Command};

mod common;

struct Server {
    client: RunningService<RoleClient, ()>,
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
    let manifest = TestBed::base_manifest().edit(
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
    let mut child = Command::from(common::command(&bed, common::CEMCP))
        .args(&args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    let client = if http {
        let url = common::wait_for_url(&mut log).await.unwrap();
        ().serve(StreamableHttpClientTransport::from_uri(url)).await.unwrap()
    } else {
        ().serve((child.stdout.take().unwrap(), child.stdin.take().unwrap())).await.unwrap()
    };
    tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
    Server { client, _child: child, _bed: bed }
}

async fn call(server: &Server, name: &str, arguments: Value) -> CallToolResult {
    let params = CallToolRequestParams::new(name.to_owned()).with_arguments(arguments.as_object().unwrap().clone());
    server.client.call_tool(params).await.unwrap()
}

fn text(result: &CallToolResult) -> String {
    result.content.iter().filter_map(|c| c.as_text().map(|t| t.text.clone())).collect::<Vec<_>>().join("\n")
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
