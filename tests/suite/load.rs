//! The `stress` load generator itself, small: a host with room for one run and none
//! waiting, sent 40 requests at once that each take 200 ms, answers some with runs
//! and the rest as busy, and the generator counts exactly those two and nothing else.
//! (The measured goals, 1,000 requests and 100,000 runs, are in BENCHMARKS.md.)

#[test]
fn the_load_generator_sees_runs_and_busy_refusals_and_nothing_else() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stress"))
        .args(["http", "--requests", "40", "--concurrency", "40", "--deadline", "60s"])
        .args(["--server", "max-runs = 1", "--server", "queue = 0", "--input", r#"{"do": "sleep", "ms": 200}"#])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    let counts = said.lines().find(|l| l.starts_with("answered in ")).unwrap();
    let count = |what: &str| -> usize {
        let before = counts.split(&format!(" {what}")).next().unwrap();
        before.rsplit(' ').next().unwrap().parse().unwrap()
    };
    assert!(count("ran") >= 1 && count("busy") >= 1, "{said}");
    assert_eq!(count("ran") + count("busy"), 40, "{said}");
    assert!(counts.ends_with(", 0 other"), "{said}");
    assert!(said.contains("goal (every request ran or was refused as busy): met"), "{said}");
}

/// `stress calls`, small: both servers answer every call with the value stored, and
/// the generator prints each one's median and their ratio against the goal (met or
/// missed, which is the benchmark's business, not this test's; an error is not).
#[test]
fn the_call_timer_reads_both_servers_back_and_states_the_ratio() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_stress"))
        .args(["calls", "--calls", "20", "--rounds", "2"])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(matches!(out.status.code(), Some(0 | 1)), "{said}{}", String::from_utf8_lossy(&out.stderr));
    for server in ["cemcp tools mode: median ", "native rmcp server: median "] {
        assert!(said.contains(server), "{said}");
    }
    let ratio = said.lines().find(|l| l.starts_with("cemcp / native: ")).unwrap();
    assert!(ratio.contains("goal (at most 1.2x): "), "{said}");
}
