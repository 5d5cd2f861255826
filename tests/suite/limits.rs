//! Limits stop programs and tools with messages that name the component and the limit.

use std::time::{Duration, Instant};

use cemcp::{CancelToken, RunError, RunHalt};
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use serde_json::json;

/// The base manifest with the `all` profile's limits replaced.
fn with_program_limits(limits: &str) -> String {
    TestBed::base_manifest().edit(r#"limits = { time = "5s", memory = "64 MiB" }"#, limits)
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
        .edit(r#"limits = { time = "500ms", memory = "16 MiB" }"#, r#"limits = { time = "5s" }"#);
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

/// A program component with `ballast` core modules besides its main one, each holding
/// a memory of `ballast_mib` MiB, whose `run` returns `{}`.
fn many_memories(ballast: usize, ballast_mib: u32) -> Vec<u8> {
    let pages = ballast_mib * 16;
    let instances: String = (0..ballast).map(|i| format!("(core instance $b{i} (instantiate $ballast))\n")).collect();
    let wat = format!(
        r#"(component
            (core module $main
                (memory (export "memory") 1)
                ;; result<string, string>: ok (0), pointer 64, length 2
                (data (i32.const 16) "\00\00\00\00\40\00\00\00\02\00\00\00")
                (data (i32.const 64) "{{}}")
                (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
                (func (export "run") (param i32 i32) (result i32) (i32.const 16)))
            (core module $ballast (memory {pages}))
            {instances}
            (core instance $m (instantiate $main))
            (func (export "run") (param "input" string) (result (result string (error string)))
                (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "realloc")))))"#
    );
    wat::parse_str(wat).unwrap()
}

#[test]
fn the_memory_limit_bounds_all_of_a_programs_memories_together() {
    let bed = TestBed::new();
    let runtime = bed.runtime(&with_program_limits(r#"limits = { memory = "16 MiB" }"#)).unwrap();
    // 24 memories of 15 MiB each: every one is under the limit, together they are not.
    let program = runtime.load_program(&many_memories(23, 15), None).unwrap();
    let error = runtime.run(&program, "{}", &CancelToken::new()).unwrap_err();
    assert_eq!(error.to_string(), "program exceeded its 16.0 MiB memory limit");
    // The same shape under the limit runs.
    let small = runtime.load_program(&many_memories(3, 2), None).unwrap();
    assert_eq!(runtime.run(&small, "{}", &CancelToken::new()).unwrap().output, "{}");
}

#[test]
fn an_output_over_the_limit_is_named_as_such_even_when_huge() {
    let bed = TestBed::new();
    let runtime = bed.runtime(&with_program_limits(r#"limits = { memory = "1 GiB" }"#)).unwrap();
    let input = json!({ "do": "big", "bytes": 200 << 20 }).to_string();
    let error = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap_err();
    assert_eq!(error.to_string(), "program exceeded its 1.0 MiB output limit (200.0 MiB returned)");
}

#[test]
fn a_program_that_exits_is_told_in_words() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    // `wasi:cli/exit` carries success or failure only: every failing code is 1.
    for (code, status) in [(0, 0), (3, 1)] {
        let input = json!({ "do": "exit", "code": code }).to_string();
        let error = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap_err();
        assert_eq!(
            error.to_string(),
            format!("program exited with status {status} instead of returning its output from `run`")
        );
    }
}
