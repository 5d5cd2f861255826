//! `cemcp serve --http`: bearer tokens, Host and Origin checks, loopback by default,
//! and a real session with the official SDK's Streamable HTTP client.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::process::Stdio;

use base64::Engine as _;
use cemcp_tests::{TestBed, artifacts};
use rmcp::ServiceExt as _;
use rmcp::model::CallToolRequestParams;
use rmcp::transport::StreamableHttpClientTransport;
use rmcp::transport::streamable_http_client::StreamableHttpClientTransportConfig;
use serde_json::json;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncBufReadExt as _, BufReader};

mod common;
use tokio::process::{Child, Command};

const TOKEN: &str = "test-token-for-profile-all";

struct Server {
    child: Child,
    port: u16,
    _bed: TestBed,
}

/// Starts `cemcp serve --http <addr>` on the base manifest plus `server` (a
/// `[server]` section) and waits for the address it prints. Its stderr is then left
/// unread and closed, as a careless supervisor would: the server must not mind.
async fn start(server: &str, addr: &str) -> Result<Server, String> {
    let bed = TestBed::new();
    bed.write_manifest(&format!("{}\n{server}\n", TestBed::base_manifest()));
    let mut child = Command::from(common::command(&bed, common::CEMCP))
        .args(["serve", "-m", "manifest.toml", "--expose", "both", "--http", addr])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut log = BufReader::new(child.stderr.take().unwrap()).lines();
    match cemcp_tests::stress::http::wait_for_url(&mut log).await {
        Ok(url) => {
            let port = url.trim_end_matches("/mcp").rsplit(':').next().unwrap().parse().unwrap();
            Ok(Server { child, port, _bed: bed })
        }
        Err(seen) => Err(format!("exited with {}: {seen}", child.wait().await.unwrap())),
    }
}

fn token_section() -> String {
    let digest = hex::encode(Sha256::digest(TOKEN.as_bytes()));
    format!("[server]\ntokens = [{{ sha256 = \"sha256:{digest}\", profile = \"all\" }}]")
}

/// Posts an `initialize` request with `headers`; returns the status code and the
/// response headers and body as text.
async fn post(port: u16, headers: &[(&str, &str)]) -> (u16, String) {
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "raw", "version": "0" } } });
    let mut request = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/mcp"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .body(body.to_string());
    for (key, value) in headers {
        request = request.header(*key, *value);
    }
    let response = request.send().await.unwrap();
    let status = response.status().as_u16();
    let mut text: String =
        response.headers().iter().map(|(k, v)| format!("{k}: {}\n", v.to_str().unwrap_or(""))).collect();
    // An SSE answer stays open after the first event: read only that much.
    let mut response = response;
    while let Ok(Some(chunk)) = response.chunk().await {
        text.push_str(&String::from_utf8_lossy(&chunk));
        if text.contains("\"serverInfo\"") {
            break;
        }
    }
    (status, text)
}

#[tokio::test]
async fn requests_without_a_valid_token_are_refused() {
    let server = start(&token_section(), "127.0.0.1:0").await.unwrap();
    let (status, body) = post(server.port, &[]).await;
    assert_eq!(status, 401, "{body}");
    assert!(body.contains("www-authenticate: Bearer"), "{body}");
    assert!(body.contains("a valid bearer token is required"), "{body}");
    let (status, _) = post(server.port, &[("Authorization", "Bearer wrong-token")]).await;
    assert_eq!(status, 401);
    let (status, body) = post(server.port, &[("Authorization", &format!("Bearer {TOKEN}"))]).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"serverInfo\""), "{body}");
}

#[tokio::test]
async fn foreign_origins_and_hosts_are_refused() {
    let server = start("", "127.0.0.1:0").await.unwrap();
    let (status, body) = post(server.port, &[]).await;
    assert_eq!(status, 200, "no token needed on loopback without [server] tokens: {body}");
    let local_origin = format!("http://localhost:{}", server.port);
    assert_eq!(post(server.port, &[("Origin", &local_origin)]).await.0, 200);
    let (status, body) = post(server.port, &[("Origin", "https://evil.example")]).await;
    assert_eq!(status, 403, "a web page elsewhere cannot call the local server: {body}");
    let (status, body) = post(server.port, &[("Host", "evil.example")]).await;
    assert_eq!(status, 403, "DNS rebinding: {body}");
}

#[tokio::test]
async fn non_loopback_addresses_need_tokens() {
    let refused = start("", "0.0.0.0:0").await.err().expect("must refuse");
    assert!(refused.contains("refusing to serve on 0.0.0.0:0: it is not a loopback address"), "{refused}");
    let mut allowed = start(&token_section(), "0.0.0.0:0").await.unwrap();
    let _ = allowed.child.start_kill();
}

#[tokio::test]
async fn the_sdk_client_works_over_http() {
    let server = start(&token_section(), "127.0.0.1:0").await.unwrap();
    let config = StreamableHttpClientTransportConfig::with_uri(format!("http://127.0.0.1:{}/mcp", server.port))
        .auth_header(TOKEN);
    let client = ().serve(StreamableHttpClientTransport::from_config(config)).await.unwrap();
    let tools = client.list_all_tools().await.unwrap();
    assert!(tools.iter().any(|t| t.name == "files_read") && tools.iter().any(|t| t.name == "run_program"));
    let params = CallToolRequestParams::new("files_read")
        .with_arguments(json!({ "path": "alpha.txt", "offset": 0, "length": 9 }).as_object().unwrap().clone());
    let read = client.call_tool(params).await.unwrap();
    assert_eq!(read.structured_content, Some(json!({ "result": "the quick" })));
    let component =
        base64::engine::general_purpose::STANDARD.encode(std::fs::read(artifacts::REPORT_COMPONENT).unwrap());
    let params = CallToolRequestParams::new("run_program")
        .with_arguments(json!({ "component": component, "input": { "pattern": "lazy" } }).as_object().unwrap().clone());
    let run = client.call_tool(params).await.unwrap();
    assert_eq!(run.is_error, Some(false));
    assert_eq!(run.structured_content.unwrap()["output"]["total_matching_lines"], 1);
    client.cancel().await.unwrap();
}

/// A 2026-07-28 request: no session, no initialize; the version and capabilities ride
/// in `_meta` and the method in a header.
async fn stateless(port: u16, method: &str, name: Option<&str>, params: serde_json::Value) -> (u16, String) {
    let mut params = params.as_object().unwrap().clone();
    params.insert(
        "_meta".into(),
        json!({ "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} }),
    );
    let body = json!({ "jsonrpc": "2.0", "id": 1, "method": method, "params": params });
    let mut request = reqwest::Client::new()
        .post(format!("http://127.0.0.1:{port}/mcp"))
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2026-07-28")
        .header("Mcp-Method", method)
        .bearer_auth(TOKEN)
        .body(body.to_string());
    if let Some(name) = name {
        request = request.header("Mcp-Name", name);
    }
    let response = request.send().await.unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

#[tokio::test]
async fn the_stateless_2026_07_28_revision_is_served() {
    let server = start(&token_section(), "127.0.0.1:0").await.unwrap();
    let (status, body) = stateless(server.port, "server/discover", None, json!({})).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("\"2026-07-28\"") && body.contains("\"2025-11-25\""), "both revisions: {body}");
    let arguments = json!({ "name": "files_read", "arguments": { "path": "alpha.txt", "offset": 4, "length": 5 } });
    let (status, body) = stateless(server.port, "tools/call", Some("files_read"), arguments).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(r#""structuredContent":{"result":"quick"}"#), "{body}");
}
