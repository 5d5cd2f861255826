//! Every shipped tool is correct when many runs use it at once: one runtime, many
//! threads, the same keys and files.

use std::sync::Arc;

use cemcp::CancelToken;
use cemcp_tests::{TestBed, artifacts};
use serde_json::{Value, json};

const THREADS: usize = 8;
const RUNS: usize = 25;

#[test]
fn concurrent_runs_of_the_report_program_all_succeed() {
    let bed = TestBed::new();
    let runtime = Arc::new(bed.base_runtime());
    let program = Arc::new(cemcp_tests::load_program(&runtime, artifacts::REPORT_COMPONENT));
    let failures: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|_| {
                let (runtime, program) = (Arc::clone(&runtime), Arc::clone(&program));
                // Every run writes the same key, `report/fox`.
                scope.spawn(move || {
                    (0..RUNS)
                        .filter_map(|_| runtime.run(&program, r#"{"pattern": "fox"}"#, &CancelToken::new()).err())
                        .map(|e| e.to_string())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    assert!(failures.is_empty(), "{} of {} runs failed: {:?}", failures.len(), THREADS * RUNS, failures.first());
}

#[test]
fn concurrent_writes_of_one_key_leave_one_whole_value_and_no_temporary_files() {
    let bed = TestBed::new();
    let runtime = Arc::new(bed.base_runtime());
    let program = Arc::new(cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT));
    let values: Vec<String> = (0..THREADS).map(|t| format!("value {t} ").repeat(1000)).collect();
    std::thread::scope(|scope| {
        for value in &values {
            let (runtime, program) = (Arc::clone(&runtime), Arc::clone(&program));
            scope.spawn(move || {
                let put = json!({ "do": "kv-put", "key": "shared", "value": value });
                let steps = json!({ "do": "steps", "steps": vec![put; RUNS] }).to_string();
                let out = runtime.run(&program, &steps, &CancelToken::new()).unwrap();
                let outcomes: Vec<Value> = serde_json::from_str(&out.output).unwrap();
                assert!(outcomes.iter().all(|o| o == &json!({ "ok": null })), "{outcomes:?}");
            });
        }
    });
    let got =
        bed.run(&runtime, artifacts::PROBE_COMPONENT, None, r#"{"do": "kv-get", "key": "shared"}"#).unwrap().unwrap();
    let stored = got["ok"].as_str().unwrap();
    assert!(values.iter().any(|v| v == stored), "a whole value, not a mix");
    let left: Vec<_> = std::fs::read_dir(bed.path().join("store")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left, ["shared"], "only the key's file remains");
}
