//! The example program: its report, and what it leaves in the kv store.

use cemcp_tests::{TestBed, artifacts};
use serde_json::json;

#[test]
fn report_counts_matching_files_and_words_and_stores_a_summary() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let report = bed.run(&runtime, artifacts::REPORT_COMPONENT, None, r#"{"pattern": "fox"}"#).unwrap().unwrap();
    assert_eq!(
        report,
        json!({
            "pattern": "fox",
            "files": [
                { "path": "alpha.txt", "matching_lines": 1, "words": 9 },
                { "path": "notes/beta.md", "matching_lines": 1, "words": 9 },
            ],
            "total_matching_lines": 2,
            "total_words": 18,
            "stored_under": "report/fox",
            "previous": null,
        })
    );
    // The summary is a real file in the kv tool's granted directory, key percent-encoded.
    let stored = std::fs::read_to_string(bed.path().join("store").join("report%2Ffox")).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(summary, json!({ "pattern": "fox", "files": 2, "matching_lines": 2, "words": 18 }));

    // A second run sees the first one's summary.
    let again = bed.run(&runtime, artifacts::REPORT_COMPONENT, None, r#"{"pattern": "fox"}"#).unwrap().unwrap();
    assert_eq!(again["previous"], summary);
}

#[test]
fn report_with_a_regex_and_a_subdirectory() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let input = r#"{"pattern": "^wasm\\s", "mode": "regex", "path": "notes", "key": "k"}"#;
    let report = bed.run(&runtime, artifacts::REPORT_COMPONENT, None, input).unwrap().unwrap();
    assert_eq!(report["files"], json!([{ "path": "notes/beta.md", "matching_lines": 1, "words": 9 }]));
    assert_eq!(report["stored_under"], "k");
}

#[test]
fn program_error_is_reported_as_the_programs() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let error = bed.run(&runtime, artifacts::REPORT_COMPONENT, None, r#"{"patern": "x"}"#).unwrap().unwrap_err();
    let message = error.to_string();
    assert!(message.starts_with("program returned an error: invalid input: unknown field `patern`"), "{message}");
}

#[test]
fn run_statistics_count_calls_and_instances() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let program = cemcp_tests::load_program(&runtime, artifacts::REPORT_COMPONENT);
    let out = runtime.run(&program, r#"{"pattern": "fox"}"#, &cemcp::CancelToken::new()).unwrap();
    let calls: Vec<(&str, u64)> = out.stats.tool_calls.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(calls, [("files.read", 2), ("files.search", 1), ("kv.get", 1), ("kv.put", 1)]);
    let instances: Vec<(&str, u64)> = out.stats.instances.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(instances, [("files", 1), ("kv", 1), ("program", 1)]);
    assert_eq!(out.stats.tool_failures, 0);
}

#[test]
fn shipped_example_manifest_is_valid() {
    let manifest = cemcp_tests::workspace_root().join("capabilities").join("example.toml");
    let manifest = cemcp::Manifest::load(&manifest).unwrap();
    let runtime = cemcp::Runtime::new(manifest, cemcp_tests::shared_cache()).unwrap();
    let names: Vec<&str> = runtime.tools().iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["files", "kv"]);
}
