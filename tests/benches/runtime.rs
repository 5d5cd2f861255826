//! Runtime benchmarks (release build): `cargo bench -p cemcp-tests --bench runtime`.
//!
//! - loading a tool component: cold (cranelift compile) vs from the on-disk cache;
//! - launching a run: program + 2 tools instantiated, one call into each;
//! - trivial runs per second from one thread per core;
//! - the per-call cost of program → host → tool forwarding, with and without data.
//!
//! Results and how to read them: BENCHMARKS.md.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "a benchmark fails by panicking")]

use std::time::{Duration, Instant};

use cemcp::{CancelToken, ComponentCache};
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Calls per run in the forwarding benchmark; the run's launch (~tens of µs) adds
/// less than 1% to each call's share.
const CALLS: u32 = 20_000;

fn load(c: &mut Criterion) {
    let engine = cemcp::engine::new_engine().unwrap();
    let wasm = std::fs::read(artifacts::FILES_COMPONENT).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = ComponentCache::in_dir(dir.path());
    cache.load(&engine, &wasm).unwrap();

    let mut group = c.benchmark_group(format!("load files component ({} KB)", wasm.len() / 1024));
    group.sample_size(10).measurement_time(Duration::from_secs(10));
    group.bench_function("cold: compile", |b| b.iter(|| ComponentCache::disabled().load(&engine, &wasm).unwrap()));
    group.finish();

    let mut group = c.benchmark_group(format!("load files component ({} KB)", wasm.len() / 1024));
    group.bench_function("cached: hash + deserialize", |b| b.iter(|| cache.load(&engine, &wasm).unwrap()));
    // The reference: wasmtime alone mapping the same compiled code from a file, with
    // no key to hash and no checksum to check.
    let compiled = dir.path().join("reference.cwasm");
    std::fs::write(&compiled, engine.precompile_component(&wasm).unwrap()).unwrap();
    group.bench_function("reference: wasmtime deserialize_file alone", |b| {
        b.iter(|| deserialize_file(&engine, &compiled))
    });
    group.finish();
}

#[expect(unsafe_code, reason = "the reference loads compiled code it just wrote itself")]
fn deserialize_file(engine: &wasmtime::Engine, path: &std::path::Path) -> wasmtime::component::Component {
    // SAFETY: written by `precompile_component` on this engine a moment before.
    unsafe { wasmtime::component::Component::deserialize_file(engine, path) }.unwrap()
}

fn launch(c: &mut Criterion) {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);
    let cancel = CancelToken::new();
    let out = runtime.run(&program, r#"{"do": "two-tools"}"#, &cancel).unwrap();
    assert_eq!(out.stats.instances.len(), 3, "program + files + flaky: {:?}", out.stats);

    let mut group = c.benchmark_group("run launch");
    group.bench_function("program alone", |b| b.iter(|| runtime.run(&program, r#"{"do": "env"}"#, &cancel).unwrap()));
    group.bench_function("program + 1 tool (no grants) + one call", |b| {
        b.iter(|| runtime.run(&program, r#"{"do": "flaky", "calls": ["count"]}"#, &cancel).unwrap())
    });
    group.bench_function("program + 2 tools + one call each", |b| {
        b.iter(|| runtime.run(&program, r#"{"do": "two-tools"}"#, &cancel).unwrap())
    });
    // As an agent submits programs: with the host idle for a moment before each run
    // (the model's turn), not back to back. The pause is not timed.
    group.bench_function("program + 2 tools + one call each, host idle 1 ms before", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                std::thread::sleep(Duration::from_millis(1));
                let started = Instant::now();
                runtime.run(&program, r#"{"do": "two-tools"}"#, &cancel).unwrap();
                total += started.elapsed();
            }
            total
        });
    });
    group.finish();
}

/// Runs per iteration of the throughput benchmark, split between the threads.
const TRIVIAL_RUNS: u64 = 2_000;

/// Trivial runs (the program alone, calling nothing) through the `Runtime` API from
/// one thread per core (the base manifest admits as many runs at once as cores).
fn throughput(c: &mut Criterion) {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    let per_thread = TRIVIAL_RUNS / threads as u64;

    let mut group = c.benchmark_group("throughput");
    group.throughput(Throughput::Elements(per_thread * threads as u64));
    group.bench_function(format!("trivial runs, {threads} threads, Runtime API"), |b| {
        b.iter(|| {
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        let cancel = CancelToken::new();
                        for _ in 0..per_thread {
                            runtime.run(&program, r#"{"do": "env"}"#, &cancel).unwrap();
                        }
                    });
                }
            });
        })
    });
    group.finish();
}

fn forwarding(c: &mut Criterion) {
    let bed = TestBed::new();
    // The base manifest allows 10,000 calls per run; this run makes `CALLS`.
    let manifest = TestBed::base_manifest().edit(
        r#"limits = { time = "5s", memory = "64 MiB" }"#,
        &format!(r#"limits = {{ time = "5s", memory = "64 MiB", calls = {} }}"#, 2 * CALLS),
    );
    let runtime = bed.runtime(&manifest).unwrap();
    let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);
    let cancel = CancelToken::new();

    let mut group = c.benchmark_group("forwarded call (program -> host -> tool)");
    group.throughput(Throughput::Elements(u64::from(CALLS)));
    for (name, echo) in [("count() -> result<u32, string>", false), ("echo(string) -> result<string, string>", true)] {
        let input = format!(r#"{{"do": "call-loop", "n": {CALLS}, "echo": {echo}}}"#);
        let out = runtime.run(&program, &input, &cancel).unwrap();
        assert_eq!(out.stats.total_calls(), u64::from(CALLS));
        group.bench_function(name, |b| b.iter(|| runtime.run(&program, &input, &cancel).unwrap()));
    }
    group.finish();
}

/// The defence layer's cost per forwarded call: the same `count()` loop under no
/// gate, under a rules gate with nothing to check for `count` (one branch), under one
/// that counts `count` against a rate cap (the full per-call check), and with an
/// audit log as well (a hashed, chained record written per call).
fn gates(c: &mut Criterion) {
    let bed = TestBed::new();
    let base = TestBed::base_manifest().edit(
        r#"limits = { time = "5s", memory = "64 MiB" }"#,
        &format!(r#"limits = {{ time = "5s", memory = "64 MiB", calls = {} }}"#, 2 * CALLS),
    );
    let gated = |rules: &str, profile: &str| {
        base.edit("[profile.all]", &format!("[gate.rules]\nkind = \"rules\"\n{rules}\n\n[profile.all]")).edit(
            r#"tools = ["files", "kv", "flaky", "http", "config"]"#,
            &format!("tools = [\"files\", \"kv\", \"flaky\", \"http\", \"config\"]\ngates = [\"rules\"]\n{profile}"),
        )
    };
    let audit = bed.path().join("audit.jsonl");
    let variants = [
        ("no gate", base.clone()),
        ("rules gate, nothing to check for count", gated("deny = [\"kv.delete\"]", "")),
        ("rules gate with a rate cap on count", gated("rate = [{ function = \"flaky.count\", max = 1000000 }]", "")),
        (
            "rate cap + audit log",
            gated(
                "rate = [{ function = \"flaky.count\", max = 1000000 }]",
                &format!("audit = \"{}\"", audit.display()),
            ),
        ),
    ];
    let input = format!(r#"{{"do": "call-loop", "n": {CALLS}, "echo": false}}"#);
    let cancel = CancelToken::new();
    let mut group = c.benchmark_group("gates: forwarded count()");
    group.throughput(Throughput::Elements(u64::from(CALLS)));
    for (name, manifest) in variants {
        let runtime = bed.runtime(&manifest).unwrap();
        let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);
        assert_eq!(runtime.run(&program, &input, &cancel).unwrap().stats.total_calls(), u64::from(CALLS));
        group.bench_function(name, |b| b.iter(|| runtime.run(&program, &input, &cancel).unwrap()));
    }
    group.finish();
}

/// Reference points with no cemcp code in the way: the host calling the tool's
/// `count` export directly, typed (the cheapest call wasmtime offers) and dynamic
/// (`Val`s, which generic forwarding has to use). A forwarded call is one dynamic
/// guest-to-host call plus one dynamic host-to-guest call.
fn reference(c: &mut Criterion) {
    use wasmtime::component::{Linker, ResourceTable, Val};
    use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

    struct State(WasiCtx, ResourceTable);
    impl WasiView for State {
        fn ctx(&mut self) -> WasiCtxView<'_> {
            WasiCtxView { ctx: &mut self.0, table: &mut self.1 }
        }
    }
    let engine = cemcp::engine::new_engine().unwrap();
    let (component, _) =
        cemcp_tests::shared_cache().load(&engine, &std::fs::read(artifacts::FLAKY_COMPONENT).unwrap()).unwrap();
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker).unwrap();
    let mut store = wasmtime::Store::new(&engine, State(WasiCtx::builder().build(), ResourceTable::new()));
    store.set_fuel(u64::MAX).unwrap();
    store.set_epoch_deadline(1 << 40);
    let instance = linker.instantiate(&mut store, &component).unwrap();
    let interface = component.get_export_index(None, "cemcp:fixtures/flaky@0.1.0").unwrap();
    let count = component.get_export_index(Some(&interface), "count").unwrap();
    let func = instance.get_func(&mut store, count).unwrap();
    let typed = func.typed::<(), (Result<u32, String>,)>(&store).unwrap();

    let mut group = c.benchmark_group("reference: host -> tool count(), no cemcp");
    group.bench_function("typed call", |b| b.iter(|| typed.call(&mut store, ()).unwrap()));
    let mut results = [Val::Bool(false)];
    group.bench_function("dynamic call (Val)", |b| b.iter(|| func.call(&mut store, &[], &mut results).unwrap()));
    group.finish();
}

/// Scripts: a trivial script end to end (the interpreter instantiated, the script
/// parsed and run, its output checked), 1,000 tool calls from a script beside the same
/// 1,000 calls from a component program, and loading each interpreter from the cache.
fn scripts(c: &mut Criterion) {
    use cemcp::manifest::Language;

    let bed = TestBed::new();
    let manifest = TestBed::base_manifest().edit(
        "[program.report]",
        &format!(
            "[interpreter.python]\ncomponent = \"{}\"\n\n[interpreter.javascript]\ncomponent = \"{}\"\n\n[program.report]",
            artifacts::PYTHON_COMPONENT,
            artifacts::JAVASCRIPT_COMPONENT
        ),
    );
    let runtime = bed.runtime(&manifest).unwrap();
    let profile = runtime.profile(None).unwrap();
    let cancel = CancelToken::new();
    let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);

    let mut group = c.benchmark_group("script");
    for (language, loop_source) in [
        (Language::Python, "for i in range(1000):\n    tools.flaky.count()\n1"),
        (Language::Javascript, "for (let i = 0; i < 1000; i++) tools.flaky.count();\n1"),
    ] {
        let interpreter = runtime.interpreter_for(language, profile).unwrap();
        let out = runtime.run_script(&interpreter, loop_source, "{}", &cancel).unwrap();
        assert_eq!(out.stats.total_calls(), 1000);
        group.bench_function(format!("{language}: trivial script `1`"), |b| {
            b.iter(|| runtime.run_script(&interpreter, "1", "{}", &cancel).unwrap())
        });
        group.bench_function(format!("{language}: 1000 calls to flaky.count"), |b| {
            b.iter(|| runtime.run_script(&interpreter, loop_source, "{}", &cancel).unwrap())
        });
    }
    let input = r#"{"do": "call-loop", "n": 1000, "echo": false}"#;
    group.bench_function("component program: 1000 calls to flaky.count", |b| {
        b.iter(|| runtime.run(&program, input, &cancel).unwrap())
    });
    group.finish();

    let engine = cemcp::engine::new_engine().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let cache = ComponentCache::in_dir(dir.path());
    let mut group = c.benchmark_group("load interpreter, cached: hash + deserialize");
    group.sample_size(20);
    for (name, path) in [("python", artifacts::PYTHON_COMPONENT), ("javascript", artifacts::JAVASCRIPT_COMPONENT)] {
        let wasm = std::fs::read(path).unwrap();
        cache.load(&engine, &wasm).unwrap();
        group.bench_function(format!("{name} ({} KB)", wasm.len() / 1024), |b| {
            b.iter(|| cache.load(&engine, &wasm).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, load, launch, throughput, forwarding, gates, reference, scripts);
criterion_main!(benches);
