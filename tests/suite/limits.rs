//! Limits stop programs and tools with messages that name the component and the limit.

use std::time::{Duration, Instant};

use cemcp::{CancelToken, RunError, RunHalt};
use cemcp_tests::{TestBed, artifacts};
use serde_json::json;

/// The base manifest with the `all` profile's limits replaced.
fn with_program_limits(limits: &str) -> String {
    TestBed::base_manifest().replace(r#"limits = { time = "5s", memory = "64 MiB" }"#, limits)
}

#[test]
fn infinite_loop_is_stopped_by_the_time_limit() {
    let bed = TestBed::new();
    let runtime = bed.runtime(&with_program_limits(r#"limits = { time = "300ms" }"#)).unwrap();
    let started = Instant::now();
    let error = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, r#"{"do": "loop"}"#).unwrap().unwrap_err();
    assert_eq!(error.to_string(), "program exceeded its 300ms time limit");
    assert!(matches!(error, RunError::Halted(RunHalt::Time(_))));
    assert!(started.elapsed() < Duration::from_secs(5), "stopped promptly: {:?}", started.elapsed());
}

#[test]
fn program_blocked_in_a_host_call_is_stopped_by_the_time_limit() {
    let bed = TestBed::new();
    let runtime = bed.runtime(&with_program_limits(r#"limits = { time = "300ms" }"#)).unwrap();
    let started = Instant::now();
    let error =
        bed.run(&runtime, artifacts::PROBE_COMPONENT, None, r#"{"do": "sleep", "ms": 60000}"#).unwrap().unwrap_err();
    assert_eq!(error.to_string(), "program exceeded its 300ms time limit");
    assert!(started.elapsed() < Duration::from_secs(3), "stopped promptly: {:?}", started.elapsed());
    // A sleep within the limit is not cut short.
    let started = Instant::now();
    let ok = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, r#"{"do": "sleep", "ms": 100}"#).unwrap().unwrap();
    assert_eq!(ok, json!({ "ok": 100 }));
    assert!(started.elapsed() >= Duration::from_millis(100));
}

#[test]
fn tool_blocked_in_a_host_call_hits_its_own_time_limit() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let input = json!({ "do": "flaky", "calls": ["nap:60000", "count", "nap:10"] }).to_string();
    let started = Instant::now();
    let outcome = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap();
    assert_eq!(
        outcome,
        json!([
            { "error": "tool `flaky` exceeded its 500ms time limit in `nap`" },
            { "ok": 1 },
            { "ok": null },
        ])
    );
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[test]
fn memory_bomb_is_stopped_by_the_memory_limit() {
    let bed = TestBed::new();
    let runtime = bed.runtime(&with_program_limits(r#"limits = { memory = "16 MiB" }"#)).unwrap();
    let error =
        bed.run(&runtime, artifacts::PROBE_COMPONENT, None, r#"{"do": "alloc", "mib": 64}"#).unwrap().unwrap_err();
    assert_eq!(error.to_string(), "program exceeded its 16.0 MiB memory limit");
    // Under the limit the same program succeeds.
    let ok = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, r#"{"do": "alloc", "mib": 4}"#).unwrap().unwrap();
    assert_eq!(ok, json!({ "ok": 4 }));
}

#[test]
fn looping_tool_hits_its_own_time_limit_and_the_program_carries_on() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let input = json!({ "do": "flaky", "calls": ["spin", "count"] }).to_string();
    let outcome = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap();
    assert_eq!(
        outcome,
        json!([
            { "error": "tool `flaky` exceeded its 500ms time limit in `spin`" },
            { "ok": 1 },
        ])
    );
}

#[test]
fn memory_hungry_tool_hits_its_own_memory_limit() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let input = json!({ "do": "flaky", "calls": ["hog:64", "hog:2"] }).to_string();
    let outcome = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap();
    assert_eq!(
        outcome,
        json!([
            { "error": "tool `flaky` exceeded its 16.0 MiB memory limit in `hog`" },
            { "ok": 2 },
        ])
    );
}

#[test]
fn program_time_limit_covers_time_spent_in_tools() {
    let bed = TestBed::new();
    // The tool may spin for 5s per call, but the program has only 300ms in all.
    let manifest = with_program_limits(r#"limits = { time = "300ms" }"#)
        .replace(r#"limits = { time = "500ms", memory = "16 MiB" }"#, r#"limits = { time = "5s" }"#);
    let runtime = bed.runtime(&manifest).unwrap();
    let input = json!({ "do": "flaky", "calls": ["spin"] }).to_string();
    let started = Instant::now();
    let error = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap_err();
    assert_eq!(error.to_string(), "program exceeded its 300ms time limit");
    assert!(started.elapsed() < Duration::from_secs(3), "{:?}", started.elapsed());
}

#[test]
fn cancel_stops_a_run_from_another_thread() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);
    let inputs = [
        r#"{"do": "loop"}"#,
        r#"{"do": "sleep", "ms": 60000}"#,
        r#"{"do": "flaky", "calls": ["spin"]}"#,
        r#"{"do": "flaky", "calls": ["nap:60000"]}"#,
    ];
    for input in inputs {
        let cancel = CancelToken::new();
        let canceller = {
            let cancel = cancel.clone();
            std::thread::spawn(move || {
                std::thread::sleep(Duration::from_millis(100));
                cancel.cancel();
                Instant::now()
            })
        };
        let error = runtime.run(&program, input, &cancel).unwrap_err();
        let stopped = Instant::now();
        let cancelled_at = canceller.join().unwrap();
        assert_eq!(error.to_string(), "the run was cancelled", "{input}");
        assert!(stopped.duration_since(cancelled_at) < Duration::from_millis(500), "{input}: slow to stop");
    }
}
