//! Faults contained: a program or tool that traps, hangs or exceeds a limit (every
//! limit, at once) stops its own run, or fails its own call, and nothing else. Runs go at once on one runtime, as `cemcp serve` runs
//! them, and every other run's outcome is checked whole.

use cemcp::{CancelToken, Program, RunError, Runtime};
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use serde_json::{Value, json};

/// The base manifest with a 2 s run limit and room for `runs` runs at once (four
/// running, the rest waiting: the bound under test here is containment, not admission).
fn runtime(bed: &TestBed, runs: usize) -> Runtime {
    let manifest =
        TestBed::base_manifest().edit(r#"time = "5s", memory = "64 MiB""#, r#"time = "2s", memory = "64 MiB""#);
    bed.runtime(&format!("{manifest}\n[server]\nmax-runs = 4\nqueue = {runs}\n")).unwrap()
}

/// What a normal run does: a write and a read of its own key and a file read, so
/// that a run that saw another's state or a broken tool would show it.
fn normal(n: usize) -> (String, Value) {
    let input = json!({ "do": "steps", "steps": [
        { "do": "kv-put", "key": format!("run-{n}"), "value": format!("value {n}") },
        { "do": "kv-get", "key": format!("run-{n}") },
        { "do": "files-read", "path": "alpha.txt" },
    ] });
    let expected = json!([
        { "ok": null },
        { "ok": format!("value {n}") },
        { "ok": "the quick brown fox\njumps over the lazy dog\n" },
    ]);
    (input.to_string(), expected)
}

/// Runs every input at once, each on its own thread, and returns the outcomes in order.
fn run_all(runtime: &Runtime, inputs: &[String]) -> Vec<Result<Value, RunError>> {
    let program = cemcp_tests::load_program(runtime, artifacts::PROBE_COMPONENT);
    let runs: Vec<(&Program, String)> = inputs.iter().map(|input| (&program, input.clone())).collect();
    run_each(runtime, &runs)
}

/// Runs each program with its input at once, each on its own thread; the outcomes in order.
fn run_each(runtime: &Runtime, runs: &[(&Program, String)]) -> Vec<Result<Value, RunError>> {
    std::thread::scope(|scope| {
        let runs: Vec<_> = runs
            .iter()
            .map(|(program, input)| {
                scope.spawn(move || {
                    runtime
                        .run(program, input, &CancelToken::new())
                        .map(|out| serde_json::from_str(&out.output).unwrap_or(Value::Null))
                })
            })
            .collect();
        runs.into_iter().map(|run| run.join().unwrap()).collect()
    })
}

#[test]
fn a_memory_bomb_and_an_infinite_loop_among_100_concurrent_runs_leave_the_98_others_whole() {
    let bed = TestBed::new();
    let runtime = runtime(&bed, 100);
    let mut inputs = vec![json!({ "do": "alloc", "mib": 4096 }).to_string(), json!({ "do": "loop" }).to_string()];
    let normals: Vec<(String, Value)> = (0..98).map(normal).collect();
    inputs.extend(normals.iter().map(|(input, _)| input.clone()));

    let outcomes = run_all(&runtime, &inputs);

    let bomb = outcomes[0].as_ref().unwrap_err().to_string();
    assert_eq!(bomb, "program exceeded its 64.0 MiB memory limit");
    let looped = outcomes[1].as_ref().unwrap_err().to_string();
    assert!(looped.starts_with("program exceeded its 2s time limit"), "{looped}");
    let wrong: Vec<String> = normals
        .iter()
        .zip(&outcomes[2..])
        .enumerate()
        .filter(|(_, ((_, expected), got))| got.as_ref().ok() != Some(expected))
        .map(|(n, (_, got))| format!("run {n}: {got:?}"))
        .collect();
    assert!(wrong.is_empty(), "{} of 98 normal runs went wrong: {:?}", wrong.len(), wrong.first());
}

#[test]
fn a_tool_that_traps_hangs_or_overruns_its_memory_fails_only_its_own_call() {
    let bed = TestBed::new();
    let runtime = runtime(&bed, 40);
    let faults = [
        ("boom", "tool `flaky` trapped in `boom`"),
        ("spin", "tool `flaky` exceeded its 500ms time limit in `spin`"),
        ("hog:64", "tool `flaky` exceeded its 16.0 MiB memory limit in `hog`"),
    ];
    // Ten runs of each fault, every one followed in the same run by a call that
    // must work, and ten normal runs beside them.
    let mut inputs: Vec<String> = faults
        .iter()
        .flat_map(|(call, _)| std::iter::repeat_n(json!({ "do": "flaky", "calls": [call, "count"] }).to_string(), 10))
        .collect();
    let normals: Vec<(String, Value)> = (0..10).map(normal).collect();
    inputs.extend(normals.iter().map(|(input, _)| input.clone()));

    let outcomes = run_all(&runtime, &inputs);

    for (n, outcome) in outcomes.iter().take(30).enumerate() {
        let (call, words) = faults[n / 10];
        let got = outcome.as_ref().unwrap_or_else(|e| panic!("`{call}` stopped the whole run: {e}"));
        let error = got[0]["error"].as_str().unwrap_or_else(|| panic!("`{call}` did not fail: {got}"));
        assert!(error.contains(words), "`{call}`: {error}");
        assert_eq!(got[1], json!({ "ok": 1 }), "the next call gets a fresh instance: {got}");
    }
    for ((_, expected), got) in normals.iter().zip(&outcomes[30..]) {
        assert_eq!(got.as_ref().ok(), Some(expected), "{got:?}");
    }
}

/// What a run at a limit must come to: its run stopped with these words, or its output
/// holding them (a tool's limit fails the call, and the program goes on).
enum Stopped {
    Run(&'static str),
    Output(&'static str),
}

#[test]
fn every_limit_hit_at_once_is_named_in_its_own_run_and_the_normal_runs_beside_them_succeed() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest()
        .edit(r#"time = "5s", memory = "64 MiB""#, r#"time = "2s", memory = "32 MiB", output = "4 KiB", calls = 50"#);
    // The storage quota bounds a store; runs that share the store share its quota
    // (one filling it leaves the others no room while it writes), so the run that
    // overruns it writes to a store of its own, as another tenant would.
    let others = format!(
        r#"
[profile.fueled]
tools = ["files", "kv", "flaky", "http", "config"]
limits = {{ fuel = 5000000 }}

[tool.kv-quota]
component = "{}"
dir = [{{ host = "quota-store", guest = "/store", access = "read-write", create = true }}]
storage-quota = "256 KiB"

[profile.quota]
tools = ["files", "kv-quota", "flaky", "http", "config"]
limits = {{ time = "2s" }}
"#,
        artifacts::KV_COMPONENT
    );
    let runtime = bed.runtime(&format!("{manifest}\n{others}\n[server]\nmax-runs = 4\nqueue = 64\n")).unwrap();
    let wasm = std::fs::read(artifacts::PROBE_COMPONENT).unwrap();
    let (all, fuel, quota) = (
        runtime.load_program(&wasm, None).unwrap(),
        runtime.load_program(&wasm, Some("fueled")).unwrap(),
        runtime.load_program(&wasm, Some("quota")).unwrap(),
    );
    let limits: [(&Program, Value, Stopped); 9] = [
        (&all, json!({ "do": "loop" }), Stopped::Run("program exceeded its 2s time limit")),
        (&all, json!({ "do": "sleep", "ms": 60_000 }), Stopped::Run("program exceeded its 2s time limit")),
        (&all, json!({ "do": "alloc", "mib": 512 }), Stopped::Run("program exceeded its 32.0 MiB memory limit")),
        (&all, json!({ "do": "big", "bytes": 100_000 }), Stopped::Run("program exceeded its 4.0 KiB output limit (")),
        (&all, json!({ "do": "call-loop", "n": 100 }), Stopped::Run("program exceeded its limit of 50 tool calls")),
        (&fuel, json!({ "do": "loop" }), Stopped::Run("program exceeded its fuel limit of 5000000")),
        (
            &all,
            json!({ "do": "flaky", "calls": ["spin"] }),
            Stopped::Output("tool `flaky` exceeded its 500ms time limit in `spin`"),
        ),
        (
            &all,
            json!({ "do": "flaky", "calls": ["hog:64"] }),
            Stopped::Output("tool `flaky` exceeded its 16.0 MiB memory limit in `hog`"),
        ),
        (
            &quota,
            json!({ "do": "kv-put", "key": "big", "value": "x".repeat(300 << 10) }),
            Stopped::Output("tool `kv-quota` exceeded its 256.0 KiB storage quota in `put`"),
        ),
    ];
    let normals: Vec<(String, Value)> = (0..10).map(normal).collect();
    let mut runs: Vec<(&Program, String)> = limits.iter().map(|(p, input, _)| (*p, input.to_string())).collect();
    runs.extend(normals.iter().map(|(input, _)| (&all, input.clone())));

    let outcomes = run_each(&runtime, &runs);

    for ((_, input, stopped), outcome) in limits.iter().zip(&outcomes) {
        match (stopped, outcome) {
            (Stopped::Run(words), Err(e)) => assert!(e.to_string().starts_with(words), "{input}: {e}"),
            (Stopped::Output(words), Ok(out)) => assert!(out.to_string().contains(words), "{input}: {out}"),
            (_, other) => panic!("{input}: {other:?}"),
        }
    }
    for ((_, expected), got) in normals.iter().zip(&outcomes[limits.len()..]) {
        assert_eq!(got.as_ref().ok(), Some(expected), "{got:?}");
    }
    // The write refused for the quota left nothing behind to hold it: the tool
    // removed its temporary file, and the next run's write fits.
    let left: Vec<_> =
        std::fs::read_dir(bed.path().join("quota-store")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(left.is_empty(), "{left:?}");
    let next = json!({ "do": "kv-put", "key": "small", "value": "fits" }).to_string();
    let out = runtime.run(&quota, &next, &cemcp::CancelToken::new()).unwrap();
    assert_eq!(out.output, r#"{"ok":null}"#);
}
