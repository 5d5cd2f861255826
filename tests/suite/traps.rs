//! A trapping tool: the program gets an error value, the host carries on, and the
//! next call gets a fresh instance.

use cemcp_tests::{TestBed, artifacts};
use serde_json::json;

#[test]
fn trap_reaches_the_program_as_an_error_and_the_next_call_gets_a_fresh_instance() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);
    let input = json!({ "do": "flaky", "calls": ["count", "count", "boom", "count"] }).to_string();
    let out = runtime.run(&program, &input, &cemcp::CancelToken::new()).unwrap();
    let outcome: serde_json::Value = serde_json::from_str(&out.output).unwrap();
    assert_eq!(
        outcome,
        json!([
            { "ok": 1 },
            { "ok": 2 },
            { "error": "tool `flaky` trapped in `boom`: wasm trap: wasm `unreachable` instruction executed" },
            // A fresh instance: the counter starts again.
            { "ok": 1 },
        ])
    );
    assert_eq!(out.stats.instances.get("flaky"), Some(&2));
    assert_eq!(out.stats.tool_failures, 1);

    // The runtime is unharmed: the same program runs again.
    let again = runtime.run(&program, r#"{"do": "flaky", "calls": ["count"]}"#, &cemcp::CancelToken::new()).unwrap();
    assert_eq!(again.output, r#"[{"ok":1}]"#);
}

/// Calls with a common signature take the typed path (`host/src/program/typed.rs`),
/// the others the generic one: a traced run records both alike, failures included.
#[test]
fn a_traced_run_records_typed_and_generic_calls_alike() {
    let bed = TestBed::new();
    std::fs::write(bed.path().join("docs/t.txt"), "twelve bytes").unwrap();
    let runtime = bed.base_runtime();
    let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);
    let input = json!({ "do": "steps", "steps": [
        { "do": "flaky", "calls": ["count", "boom", "hog:1"] },
        { "do": "files-read", "path": "t.txt", "offset": 7 },
        { "do": "files-stat", "path": "t.txt" },
    ]});
    let out = runtime.run_traced(&program, &input.to_string(), &cemcp::CancelToken::new()).unwrap();
    let calls: Vec<_> = out.trace.iter().map(|c| (c.tool.as_str(), c.function.as_str(), &c.arguments, c.ok)).collect();
    assert_eq!(
        calls,
        [
            ("flaky", "count", &json!({}), true),
            ("flaky", "boom", &json!({}), false),
            ("flaky", "hog", &json!({ "mib": 1 }), true),
            ("files", "read", &json!({ "path": "t.txt", "offset": 7, "length": null }), true),
            ("files", "stat", &json!({ "path": "t.txt" }), true),
        ]
    );
    // `count` returned 1 (one byte as JSON); `read` the text "bytes".
    assert_eq!((out.trace[0].result_bytes, out.trace[3].result_bytes), (1, 5));
    assert!(out.trace[1].result_bytes > 0, "the error message is measured: {:?}", out.trace[1]);
}
