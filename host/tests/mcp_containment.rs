//! `cemcp serve` under hostile or broken clients, spoken to in raw JSON-RPC so that
//! malformed messages can be sent: every request gets an answer, every limit holds
//! in tools mode as in programs, and a client that goes away takes its runs with it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::time::{Duration, Instant};

use base64::Engine as _;
use cemcp_tests::hostile_json::{Hostile, Verdict, cases, echo_program};
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use serde_json::{Value, json};
use tokio::process::Child;

mod common;
use common::raw::Raw;

fn text(result: &Value) -> &str {
    result["content"][0]["text"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn every_malformed_line_gets_a_json_rpc_error_and_the_session_goes_on() {
    let mut raw = Raw::start(TestBed::new(), &TestBed::base_manifest()).await;
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    for line in [
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":NaN}}"#,
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"x":1e400}}"#,
        deep.as_str(),
        "this is not json",
    ] {
        raw.send(line).await;
        let reply = raw.reply().await;
        assert_eq!(reply["id"], Value::Null, "{reply}");
        assert_eq!(reply["error"]["code"], -32700, "{reply}");
        assert!(reply["error"]["message"].as_str().unwrap().starts_with("Parse error"), "{reply}");
    }
    // Valid JSON that is not a request: answered with its id.
    raw.send(r#"{"jsonrpc":"2.0","id":7,"method":42}"#).await;
    let reply = raw.reply().await;
    assert_eq!((reply["id"].clone(), reply["error"]["code"].clone()), (json!(7), json!(-32600)), "{reply}");
    // A line over the limit is refused, naming it, without being held in memory.
    raw.send(&format!(r#"{{"jsonrpc":"2.0","id":8,"pad":"{}"}}"#, "x".repeat(49 << 20))).await;
    let reply = raw.reply().await;
    assert_eq!(reply["error"]["code"], -32600, "{reply}");
    assert!(reply["error"]["message"].as_str().unwrap().contains("larger than the 48.0 MiB limit"), "{reply}");
    // A 20 MB program (under the 32 MiB limit) is answered: it is not a component.
    let big = base64::engine::general_purpose::STANDARD.encode(vec![0u8; 20_000_000]);
    let result = raw.call(9, "run_program", json!({ "component": big })).await;
    assert!(text(&result).contains("not a valid WebAssembly component"), "{}", text(&result));
    // And the session still works.
    let listed = raw.call(10, "search_tools", json!({ "detail": "names" })).await;
    assert_eq!(listed["isError"], false);
}

#[tokio::test]
async fn only_tools_are_declared_and_other_methods_are_unknown() {
    let mut raw = Raw::start(TestBed::new(), &TestBed::base_manifest()).await;
    for (id, method) in [(1, "prompts/list"), (2, "resources/list"), (3, "resources/templates/list")] {
        raw.send(&json!({ "jsonrpc": "2.0", "id": id, "method": method }).to_string()).await;
        let reply = raw.reply().await;
        assert_eq!((reply["id"].clone(), reply["error"]["code"].clone()), (json!(id), json!(-32601)), "{reply}");
    }
    raw.send(r#"{"jsonrpc":"2.0","id":4,"method":"tools/list"}"#).await;
    let tools = raw.reply().await;
    let search = tools["result"]["tools"].as_array().unwrap().iter().find(|t| t["name"] == "search_tools").unwrap();
    assert_eq!(search["inputSchema"]["additionalProperties"], false, "{search}");
    assert_eq!(
        search["inputSchema"]["properties"]["detail"]["enum"],
        json!(["names", "summaries", "full"]),
        "{search}"
    );
}

#[tokio::test]
async fn closing_stdin_cancels_the_clients_runs_and_the_server_exits() {
    let manifest = TestBed::base_manifest().edit(r#"time = "5s", memory = "64 MiB""#, r#"time = "120s""#);
    let mut raw = Raw::start(TestBed::new(), &manifest).await;
    let call = json!({ "jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": { "name": "run_program", "arguments": { "name": "report", "input": {} } } });
    raw.send(&call.to_string()).await;
    assert_eq!(raw.reply().await["id"], 1, "a normal run first");
    let program = base64::engine::general_purpose::STANDARD.encode(std::fs::read(artifacts::PROBE_COMPONENT).unwrap());
    let looping = json!({ "jsonrpc": "2.0", "id": 2, "method": "tools/call",
        "params": { "name": "run_program", "arguments": { "component": program, "input": { "do": "loop" } } } });
    raw.send(&looping.to_string()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let closed_at = Instant::now();
    drop(raw.stdin.take());
    let status = tokio::time::timeout(Duration::from_secs(10), raw.child.wait())
        .await
        .expect("the server still runs 10s after its client left")
        .unwrap();
    assert!(status.success(), "{status}");
    assert!(closed_at.elapsed() < Duration::from_secs(5), "{:?}", closed_at.elapsed());
}

#[tokio::test]
async fn tools_mode_applies_the_same_limits_and_words_as_programs() {
    let bed = TestBed::new();
    std::fs::write(bed.path().join("docs/big.txt"), "x".repeat(4096)).unwrap();
    let manifest = TestBed::base_manifest().edit(
        r#"limits = { time = "5s", memory = "32 MiB" }"#,
        r#"limits = { time = "5s", memory = "32 MiB", output = "1 KiB" }"#,
    );
    let mut raw = Raw::start(bed, &manifest).await;
    let read = raw.call(1, "files_read", json!({ "path": "big.txt", "offset": 0, "length": null })).await;
    assert_eq!(read["isError"], true, "{read}");
    assert_eq!(
        text(&read),
        "[cemcp: tool error] tool `files` exceeded its 1.0 KiB output limit (4.0 KiB returned) in `read`"
    );
    let small = raw.call(2, "files_read", json!({ "path": "big.txt", "offset": 0, "length": 100 })).await;
    assert_eq!(small["isError"], false, "{small}");

    let started = Instant::now();
    let spin = raw.call(3, "flaky_spin", json!({})).await;
    assert_eq!(text(&spin), "[cemcp: tool error] tool `flaky` exceeded its 500ms time limit in `spin`");
    let nap = raw.call(4, "flaky_nap", json!({ "ms": 60_000 })).await;
    assert_eq!(text(&nap), "[cemcp: tool error] tool `flaky` exceeded its 500ms time limit in `nap`");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

/// The base manifest with room for the largest hostile input to be echoed back, and a
/// Python interpreter.
fn roomy_manifest() -> String {
    TestBed::base_manifest()
        .edit(
            r#"limits = { time = "5s", memory = "64 MiB" }"#,
            r#"limits = { time = "60s", memory = "256 MiB", output = "64 MiB" }"#,
        )
        .edit(
            "[program.report]",
            &format!("[interpreter.python]\ncomponent = \"{}\"\n\n[program.report]", artifacts::PYTHON_COMPONENT),
        )
}

/// A `tools/call` of `tool` with `arguments` (JSON text holding the `"HOSTILE"` placeholder).
fn hostile_call(id: u64, tool: &str, arguments: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","id":{id},"method":"tools/call","params":{{"name":"{tool}","arguments":{arguments}}}}}"#
    )
}

/// Checks a reply to a message holding `case` against its verdict; `accepted` checks
/// the result of an accepted one.
fn check_hostile(case: &Hostile, id: u64, reply: &Value, accepted: impl FnOnce(&Value, &str)) {
    let name = case.name;
    let refusal = |code: i64, words: &str| {
        assert_eq!((&reply["id"], &reply["error"]["code"]), (&Value::Null, &json!(code)), "{name}: {reply}");
        let message = reply["error"]["message"].as_str().unwrap();
        assert!(message.contains(words), "{name}: expected `{words}` in `{message}`");
    };
    match case.verdict {
        Verdict::Refused(words) => refusal(-32700, &format!("Parse error: the request is not valid JSON ({words}")),
        Verdict::NotUtf8 => refusal(-32700, "invalid unicode code point"),
        Verdict::OverRequestLimit => refusal(-32600, "Invalid request: the message is larger than the 48.0 MiB limit"),
        Verdict::Accepted(parsed) => {
            assert_eq!(reply["id"], id, "{name}");
            let result = &reply["result"];
            let shown: String = text(result).chars().take(300).collect();
            assert_eq!(result["isError"], false, "{name}: {shown}");
            accepted(result, parsed.map_or_else(|| case.lossy(), str::to_owned).as_str());
        }
    }
}

#[tokio::test]
async fn hostile_json_in_inputs_and_arguments_is_refused_in_words_or_parsed_as_documented() {
    let mut raw = Raw::start(TestBed::new(), &roomy_manifest()).await;
    let echo = base64::engine::general_purpose::STANDARD.encode(echo_program());
    let mut id = 100;
    for case in cases() {
        let messages = [
            ("run_program", format!(r#"{{"component":"{echo}","input":"HOSTILE"}}"#)),
            ("run_script", r#"{"language":"python","code":"input","input":"HOSTILE"}"#.to_owned()),
            ("kv_put", r#"{"key":"k","value":"HOSTILE"}"#.to_owned()),
        ];
        for (tool, arguments) in messages {
            // Scripts get accepted values as Python data (the 20 MiB one too big for the
            // interpreter's limits); a tool's arguments follow its WIT types (below).
            let accepted = matches!(case.verdict, Verdict::Accepted(_));
            if (tool == "run_script" && accepted && case.text.len() > 1 << 20) || (tool == "kv_put" && accepted) {
                continue;
            }
            id += 1;
            raw.send_bytes(&case.inside(&hostile_call(id, tool, &arguments), "\"HOSTILE\"")).await;
            let reply = raw.reply().await;
            check_hostile(&case, id, &reply, |result, parsed| match tool {
                // A program receives the text cemcp wrote back.
                "run_program" => assert!(
                    text(result) == parsed,
                    "{}: the program got {}",
                    case.name,
                    text(result).chars().take(200).collect::<String>()
                ),
                _ => assert_eq!(
                    result["structuredContent"]["output"],
                    serde_json::from_str::<Value>(parsed).unwrap(),
                    "{}",
                    case.name
                ),
            });
        }
        id += 1;
        assert_eq!(raw.before_ping(id).await, Vec::<Value>::new(), "{}: the session goes on", case.name);
    }
}

#[tokio::test]
async fn a_whole_line_is_one_message_a_byte_order_mark_is_dropped_and_blank_lines_are_skipped() {
    let mut raw = Raw::start(TestBed::new(), &TestBed::base_manifest()).await;
    let ping = r#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#;
    // What comes back for each line before the answer to a ping sent after it.
    let cases: [(&str, String, Vec<Value>); 6] = [
        ("an empty line", String::new(), vec![]),
        ("a blank line", " \t ".into(), vec![]),
        (
            "a scalar",
            "7".into(),
            vec![json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32600,
            "message": "Invalid request: a message is one JSON object (batches are not supported)" } })],
        ),
        ("trailing garbage", format!("{ping} x"), vec![parse_error("trailing characters at line 1 column 42")]),
        ("two messages", format!("{ping}{ping}"), vec![parse_error("trailing characters at line 1 column 41")]),
        (
            "an unclosed message",
            ping.trim_end_matches('}').into(),
            vec![parse_error("EOF while parsing an object at line 1 column 39")],
        ),
    ];
    for (what, line, expected) in cases {
        raw.send(&line).await;
        assert_eq!(raw.before_ping(2).await, expected, "{what}");
    }
    // A request after a byte order mark is answered.
    raw.send(&format!("\u{feff}{ping}")).await;
    assert_eq!(raw.reply().await, json!({ "jsonrpc": "2.0", "id": 1, "result": {} }));
}

fn parse_error(words: &str) -> Value {
    let message = format!("Parse error: the request is not valid JSON ({words})");
    json!({ "jsonrpc": "2.0", "id": null, "error": { "code": -32700, "message": message } })
}

/// A tool's arguments follow its WIT types: numbers are whole and in range or refused
/// naming the argument, `-0` is 0, a duplicated key keeps its last value, strings are
/// kept byte for byte (NUL and path-like keys are just keys to `kv`).
#[tokio::test]
async fn tool_arguments_take_hostile_numbers_and_strings_as_their_types_say() {
    let mut raw = Raw::start(TestBed::new(), &TestBed::base_manifest()).await;
    let nap = |ms: &str| format!(r#"{{"ms": {ms}}}"#);
    let out_of_range = |found: &str| {
        Err(format!(
            "[cemcp: invalid arguments] `flaky_nap`: argument `ms`: expected an integer from 0 to 4294967295, found {found}"
        ))
    };
    let cases: Vec<(&str, String, Result<&str, String>)> = vec![
        ("flaky_nap", nap("-0"), Ok("null")),
        ("flaky_nap", nap("3.0"), Ok("null")),
        ("flaky_nap", nap("1e1"), Ok("null")),
        ("flaky_nap", nap("3.5"), out_of_range("3.5")),
        ("flaky_nap", nap("-1"), out_of_range("-1")),
        ("flaky_nap", nap("4294967296"), out_of_range("4294967296")),
        ("flaky_nap", nap("1e20"), out_of_range("1e+20")),
        ("flaky_nap", nap("18446744073709551616"), out_of_range("1.8446744073709552e+19")),
        ("flaky_nap", nap(r#""Infinity""#), out_of_range(r#""Infinity""#)),
        ("flaky_nap", r#"{"ms": 1, "ms": "x"}"#.into(), out_of_range(r#""x""#)),
        ("flaky_nap", r#"{"ms": "x", "ms": 1}"#.into(), Ok("null")),
        ("kv_put", r#"{"key": "a", "key": "b", "value": "last key wins"}"#.into(), Ok("null")),
        ("kv_get", r#"{"key": "b"}"#.into(), Ok("last key wins")),
        ("kv_get", r#"{"key": "a"}"#.into(), Ok("null")),
        ("kv_put", r#"{"key": "a\u0000b", "value": "nul"}"#.into(), Ok("null")),
        ("kv_get", r#"{"key": "a\u0000b"}"#.into(), Ok("nul")),
        ("kv_put", r#"{"key": "../../etc/passwd", "value": "a key"}"#.into(), Ok("null")),
        ("kv_list", r#"{"prefix": ""}"#.into(), Ok(r#"["../../etc/passwd","a\u0000b","b"]"#)),
        (
            "files_read",
            r#"{"path": "alpha.txt", "offset": 18446744073709551615, "length": null}"#.into(),
            Err("[cemcp: tool error] cannot read `alpha.txt`: Invalid argument (os error 28)".into()),
        ),
        (
            "files_read",
            r#"{"path": "alpha.txt", "offset": 18446744073709551616, "length": null}"#.into(),
            Err("[cemcp: invalid arguments] `files_read`: argument `offset`: expected an integer from 0 to \
                 18446744073709551615, found 1.8446744073709552e+19"
                .into()),
        ),
    ];
    for (i, (tool, arguments, expected)) in cases.into_iter().enumerate() {
        let call = hostile_call(i as u64 + 1, tool, &arguments);
        raw.send(&call).await;
        let reply = raw.reply().await;
        let result = &reply["result"];
        match expected {
            Ok(shown) => {
                assert_eq!(result["isError"], false, "{tool} {arguments}: {reply}");
                assert_eq!(text(result), shown, "{tool} {arguments}");
            }
            Err(words) => {
                assert_eq!(result["isError"], true, "{tool} {arguments}: {reply}");
                assert_eq!(text(result), words, "{tool} {arguments}");
            }
        }
    }
}

/// The HTTP side: raw POSTs to a session of `cemcp serve --http`.
mod http {
    use super::*;

    struct Session {
        url: String,
        id: String,
        client: reqwest::Client,
        _child: Child,
        _bed: TestBed,
    }

    impl Session {
        async fn start() -> Self {
            Self::start_with(&TestBed::base_manifest()).await
        }

        async fn start_with(manifest: &str) -> Self {
            let bed = TestBed::new();
            bed.write_manifest(manifest);
            let (child, mut log) =
                common::spawn_serve(&bed, &["serve", "-m", "manifest.toml", "--http", "127.0.0.1:0"]);
            let url = cemcp_tests::stress::http::wait_for_url(&mut log).await.unwrap();
            tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
            let client = reqwest::Client::new();
            let init = json!({ "jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
                "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": { "name": "raw", "version": "0" } } });
            let response = post(&client, &url, None, init.to_string()).await;
            let id = response.headers().get("mcp-session-id").unwrap().to_str().unwrap().to_owned();
            let _ = response.text().await;
            let session = Self { url, id, client, _child: child, _bed: bed };
            let done = session.post(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#).await;
            assert!(done.status().is_success(), "{}", done.status());
            session
        }

        async fn post(&self, body: impl Into<reqwest::Body>) -> reqwest::Response {
            post(&self.client, &self.url, Some(&self.id), body).await
        }
    }

    async fn post(
        client: &reqwest::Client,
        url: &str,
        session: Option<&str>,
        body: impl Into<reqwest::Body>,
    ) -> reqwest::Response {
        let mut request = client
            .post(url)
            .header("content-type", "application/json")
            .header("accept", "application/json, text/event-stream")
            .header("mcp-protocol-version", "2025-11-25")
            // No answer within a minute is a hung server: the test fails instead of waiting.
            .timeout(Duration::from_secs(60))
            .body(body);
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        request.send().await.unwrap()
    }

    /// The JSON-RPC message in a response, whether sent as JSON or as an SSE event.
    async fn message(response: reqwest::Response) -> Value {
        let body = response.text().await.unwrap();
        let data = body.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim).rfind(|d| !d.is_empty());
        serde_json::from_str(data.unwrap_or(&body)).unwrap_or_else(|e| panic!("{e}: {body}"))
    }

    #[tokio::test]
    async fn malformed_bodies_get_json_rpc_errors() {
        let session = Session::start().await;
        let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        for body in [r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","x":NaN}"#.to_owned(), deep] {
            let response = session.post(body).await;
            assert_eq!(response.status(), 400);
            let reply = message(response).await;
            assert_eq!((reply["id"].clone(), reply["error"]["code"].clone()), (Value::Null, json!(-32700)), "{reply}");
        }
        let response = session.post(format!(r#"{{"pad":"{}"}}"#, "x".repeat(49 << 20))).await;
        assert_eq!(response.status(), 413);
        let reply = message(response).await;
        assert!(reply["error"]["message"].as_str().unwrap().contains("larger than the 48.0 MiB limit"), "{reply}");
    }

    #[tokio::test]
    async fn hostile_json_in_a_body_is_refused_in_words_or_parsed_as_documented() {
        let session = Session::start_with(&roomy_manifest()).await;
        let echo = base64::engine::general_purpose::STANDARD.encode(echo_program());
        let arguments = format!(r#"{{"component":"{echo}","input":"HOSTILE"}}"#);
        for (id, case) in (1..).zip(cases()) {
            let body = case.inside(&hostile_call(id, "run_program", &arguments), "\"HOSTILE\"");
            let response = session.post(body).await;
            let status = response.status();
            let reply = message(response).await;
            let expected = match case.verdict {
                Verdict::Refused(_) | Verdict::NotUtf8 => 400,
                Verdict::OverRequestLimit => 413,
                Verdict::Accepted(_) => 200,
            };
            assert_eq!(status, expected, "{}", case.name);
            check_hostile(&case, id, &reply, |result, parsed| {
                assert!(text(result) == parsed, "{}: the program got other text", case.name);
            });
        }
        let listed = message(session.post(r#"{"jsonrpc":"2.0","id":0,"method":"tools/list"}"#).await).await;
        assert!(listed["result"]["tools"].is_array(), "the session goes on: {listed}");
    }

    #[tokio::test]
    async fn ending_a_session_is_answered_as_clients_expect() {
        let session = Session::start().await;
        let end = |session: &Session| {
            session
                .client
                .delete(&session.url)
                .header("mcp-session-id", &session.id)
                .header("mcp-protocol-version", "2025-11-25")
                .send()
        };
        // The official Python SDK client logs a failure for anything but 200 or 204.
        assert_eq!(end(&session).await.unwrap().status(), 204);
        let after = session.post(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#).await;
        assert_eq!(after.status(), 404, "the session is gone");
    }

    #[tokio::test]
    async fn a_request_id_in_flight_cannot_be_used_twice_in_a_session() {
        let session = std::sync::Arc::new(Session::start().await);
        let call = |ms: u64| {
            json!({ "jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": { "name": "run_program",
                "arguments": { "component": base64::engine::general_purpose::STANDARD.encode(std::fs::read(artifacts::PROBE_COMPONENT).unwrap()),
                               "input": { "do": "sleep", "ms": ms } } } })
            .to_string()
        };
        let first = {
            let (session, body) = (std::sync::Arc::clone(&session), call(1500));
            tokio::spawn(async move { session.post(body).await })
        };
        tokio::time::sleep(Duration::from_millis(500)).await;
        let second = session.post(call(10)).await;
        assert_eq!(second.status(), 409);
        let refused = message(second).await;
        assert_eq!(refused["id"], 5, "{refused}");
        assert!(refused["error"]["message"].as_str().unwrap().contains("already in flight"), "{refused}");
        let answered = message(first.await.unwrap()).await;
        assert_eq!(answered["id"], 5);
        assert_eq!(answered["result"]["isError"], false, "{answered}");
        // Once answered, the id is free again.
        let again = message(session.post(call(10)).await).await;
        assert_eq!(again["result"]["isError"], false, "{again}");
    }
}
