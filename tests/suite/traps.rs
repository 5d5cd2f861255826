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
