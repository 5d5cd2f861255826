//! A program's own WASI: it is granted none of it. The probe tries every interface a
//! wasm32-wasip2 program can import, and each outcome is checked against what the host
//! documents: nothing to see, open, read or reach, but real clocks and randomness.
//!
//! `cargo test -p cemcp-tests --test suite wasi::` runs these.

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use cemcp::CancelToken;
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use serde_json::{Value, json};

/// What the probe must see of each interface: `(name in its report, outcome)`, where
/// the outcome is the exact `{"ok": ...}` value or the words its error must contain.
/// Clocks and randomness are real (checked by the tests below).
const DENIED: &[(&str, Expect)] = &[
    ("environment", Expect::Ok("[]")),
    ("arguments", Expect::Ok("[]")),
    ("initial-cwd", Expect::Ok("null")),
    ("preopens", Expect::Ok("[]")),
    ("list /", Expect::Error("No such file or directory")),
    ("list .", Expect::Error("No such file or directory")),
    ("read /etc/passwd", Expect::Error("No such file or directory")),
    ("create /tmp/cemcp-probe", Expect::Error("No such file or directory")),
    ("stdin", Expect::Error("0 bytes, then StreamError::Closed")),
    ("terminals", Expect::Ok("[false,false,false]")),
    ("tcp-connect", Expect::Error("access-denied")),
    ("tcp-listen", Expect::Error("access-denied")),
    ("udp-bind", Expect::Error("access-denied")),
    ("udp-send", Expect::Error("access-denied")),
    ("name-lookup", Expect::Error("permanent-resolver-failure")),
];

/// The interfaces whose outcome is real (not denied): checked on their own.
const REAL: &[&str] = &["wall-clock", "monotonic-clock", "random", "insecure-random", "insecure-seed"];

enum Expect {
    Ok(&'static str),
    Error(&'static str),
}

fn wasi_all(bed: &TestBed, port: u16) -> Value {
    let runtime = bed.base_runtime();
    let input = json!({ "do": "wasi-all", "port": port }).to_string();
    bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap()
}

#[test]
fn a_program_trying_every_wasi_interface_gets_nothing_but_clocks_and_randomness() {
    let bed = TestBed::new();
    // Loopback listeners the probe is told about: nothing may reach them.
    let tcp = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    tcp.set_nonblocking(true).unwrap();
    let port = tcp.local_addr().unwrap().port();
    let udp = std::net::UdpSocket::bind(("127.0.0.1", port)).unwrap();
    udp.set_nonblocking(true).unwrap();

    let seen = wasi_all(&bed, port);
    for (name, expect) in DENIED {
        let outcome = &seen[*name];
        match expect {
            Expect::Ok(value) => assert_eq!(outcome, &json!({ "ok": serde_json::from_str::<Value>(value).unwrap() })),
            Expect::Error(words) => {
                let error = outcome["error"].as_str().unwrap_or_else(|| panic!("{name} was not refused: {outcome}"));
                assert!(error.contains(words), "{name}: expected `{words}` in `{error}`");
            }
        }
    }
    let reported: Vec<&str> = seen.as_object().unwrap().keys().map(String::as_str).collect();
    let checked: Vec<&str> = DENIED.iter().map(|(name, _)| *name).chain(REAL.iter().copied()).collect();
    assert!(reported.iter().all(|name| checked.contains(name)), "an outcome no test checks: {reported:?}");
    assert_eq!(reported.len(), checked.len(), "{reported:?}");

    assert!(matches!(tcp.accept(), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock), "a TCP connection came");
    assert!(matches!(udp.recv(&mut [0; 16]), Err(e) if e.kind() == std::io::ErrorKind::WouldBlock), "a datagram came");
    assert!(!std::path::Path::new("/tmp/cemcp-probe").exists(), "the probe wrote on the host");
}

#[test]
fn a_program_gets_fresh_real_randomness_in_every_run() {
    let bed = TestBed::new();
    let (first, second) = (wasi_all(&bed, 9), wasi_all(&bed, 9));
    for name in ["random", "insecure-random", "insecure-seed"] {
        assert!(first[name]["ok"].is_string() || first[name]["ok"].is_array(), "{name}: {}", first[name]);
        assert_ne!(first[name], second[name], "{name} repeats between runs");
    }
    assert_ne!(first["random"], first["insecure-random"]);
}

/// A call for random bytes fills a host buffer first: at most 1 MiB per call, so that
/// randomness cannot make the host allocate outside the program's memory limit.
#[test]
fn random_bytes_are_given_up_to_1_mib_per_call_and_more_is_refused() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let ask = |bytes: u64| {
        let input = json!({ "do": "random-bytes", "bytes": bytes }).to_string();
        bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap()
    };
    assert_eq!(ask(1 << 20).unwrap(), json!({ "ok": 1 << 20 }));
    let refused = ask((1 << 20) + 1).unwrap_err().to_string();
    assert!(refused.contains("requested len 1048577 exceeds limit 1048576"), "{refused}");
}

/// A program's clocks: the monotonic clock reads nanoseconds since its own run began
/// (resolution 1 ns on Linux), the wall clock reads the host's time. So a program can
/// time its own work finely (and with it, how much CPU a busy neighbour leaves it),
/// but a clock never tells it when another run started or how long the host has been up.
#[test]
fn a_programs_clocks_are_real_and_its_monotonic_clock_counts_from_its_own_run() {
    let bed = TestBed::new();
    let runtime = Arc::new(bed.base_runtime());
    let program = Arc::new(cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT));
    let steps =
        json!({ "do": "steps", "steps": [{ "do": "clocks" }, { "do": "sleep", "ms": 50 }, { "do": "clocks" }] });
    let run = || {
        let (wall_before, started) = (SystemTime::now(), Instant::now());
        let out = runtime.run(&program, &steps.to_string(), &CancelToken::new()).unwrap();
        let seen: Value = serde_json::from_str(&out.output).unwrap();
        (seen, wall_before, started.elapsed(), SystemTime::now())
    };
    // A neighbour on the same runtime, started half a second before: were the clock
    // shared (counting from the host's, the runtime's or the neighbour's start), this
    // run's first reading would be over 500 ms; it is under this run's own duration.
    let neighbour = std::thread::spawn({
        let (runtime, program) = (Arc::clone(&runtime), Arc::clone(&program));
        move || runtime.run(&program, r#"{"do": "sleep", "ms": 1500}"#, &CancelToken::new()).map(|o| o.output)
    });
    std::thread::sleep(Duration::from_millis(500));
    let (seen, wall_before, elapsed, wall_after) = run();
    let nanos = |clock: &Value| clock["ok"]["now"].as_u64().unwrap();
    let (first, second) = (&seen[0]["monotonic-clock"], &seen[2]["monotonic-clock"]);
    assert_eq!(first["ok"]["resolution"], 1, "{seen}");
    assert!(u128::from(nanos(first)) < elapsed.as_nanos(), "it counts from this run's start: {seen}");
    assert!(nanos(second) - nanos(first) >= 50_000_000, "it advances across a sleep: {seen}");
    assert!(u128::from(nanos(second)) < elapsed.as_nanos(), "{seen}");
    let wall = &seen[0]["wall-clock"]["ok"];
    let at = SystemTime::UNIX_EPOCH
        + Duration::new(wall["now"][0].as_u64().unwrap(), u32::try_from(wall["now"][1].as_u64().unwrap()).unwrap());
    assert!(wall_before <= at && at <= wall_after, "the wall clock is the host's: {seen}");
    assert_eq!(wall["resolution"], json!([0, 1]), "{seen}");
    assert_eq!(neighbour.join().unwrap().unwrap(), r#"{"ok":1500}"#);
}

/// A tool's clocks are the manifest's to set; with `clocks = false` both read the same
/// frozen values in every call, whatever runs beside it.
#[test]
fn a_tool_without_clocks_reads_the_same_frozen_time_while_another_run_is_busy() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest().edit("[tool.flaky]\n", "[tool.flaky]\nclocks = false\n");
    let runtime = Arc::new(bed.runtime(&manifest).unwrap());
    let program = Arc::new(cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT));
    let now = r#"{"do": "flaky", "calls": ["now", "now"]}"#;
    let quiet = runtime.run(&program, now, &CancelToken::new()).unwrap().output;
    let busy = std::thread::spawn({
        let (runtime, program) = (Arc::clone(&runtime), Arc::clone(&program));
        move || runtime.run(&program, r#"{"do": "flaky", "calls": ["spin"]}"#, &CancelToken::new()).map(|o| o.output)
    });
    let beside_busy = runtime.run(&program, now, &CancelToken::new()).unwrap().output;
    assert_eq!((quiet.as_str(), beside_busy.as_str()), (r#"[{"ok":0},{"ok":0}]"#, r#"[{"ok":0},{"ok":0}]"#));
    let spun = busy.join().unwrap().unwrap();
    assert_eq!(spun, r#"[{"error":"tool `flaky` exceeded its 500ms time limit in `spin`"}]"#);
}

/// A component that imports `import` (component-model text) and exports a `run` that
/// returns `{}`.
fn importing(import: &str) -> Vec<u8> {
    let wat = format!(
        r#"(component
            {import}
            (core module $main
                (memory (export "memory") 1)
                (data (i32.const 16) "\00\00\00\00\40\00\00\00\02\00\00\00")
                (data (i32.const 64) "{{}}")
                (func (export "realloc") (param i32 i32 i32 i32) (result i32) (i32.const 1024))
                (func (export "run") (param i32 i32) (result i32) (i32.const 16)))
            (core instance $m (instantiate $main))
            (func (export "run") (param "input" string) (result (result string (error string)))
                (canon lift (core func $m "run") (memory (core memory $m "memory")) (realloc (core func $m "realloc")))))"#
    );
    wat::parse_str(wat).unwrap()
}

#[test]
fn wasi_interfaces_the_host_does_not_serve_programs_are_refused_before_running() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let not_served = "which cemcp does not serve programs (they get wasi:cli, wasi:clocks, wasi:filesystem, \
                      wasi:io, wasi:random and wasi:sockets, with no files, variables or network granted); a \
                      program reaches the network and everything else through the tools its profile grants";
    let http = format!("program refused: it imports `wasi:http/outgoing-handler@0.2.6`, {not_served}");
    let keyvalue = format!("program refused: it imports `wasi:keyvalue/store@0.2.0`, {not_served}");
    let cases = [
        (r#"(import "wasi:http/outgoing-handler@0.2.6" (instance (export "handle" (func))))"#, http.as_str()),
        (r#"(import "wasi:keyvalue/store@0.2.0" (instance (export "open" (func))))"#, keyvalue.as_str()),
        (
            r#"(import "wasi:cli/environment@0.2.6" (instance (export "get-environment" (func (param "x" u32)))))"#,
            "the program cannot be linked: component imports instance `wasi:cli/environment@0.2.6`, but a matching \
             implementation was not found in the linker: instance export `get-environment` has the wrong type",
        ),
    ];
    for (import, words) in cases {
        let error = runtime.load_program(&importing(import), None).err().expect("refused").to_string();
        assert!(error.starts_with(words), "{import}: {error}");
    }
    // The same component without the import is a program that runs.
    let plain = runtime.load_program(&importing(""), None).unwrap();
    assert_eq!(runtime.run(&plain, "{}", &CancelToken::new()).unwrap().output, "{}");
}
