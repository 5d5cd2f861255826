//! The `cemcp` command line, run as a user would: output, messages and exit status.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "a test fails by panicking"
)]

use std::process::Output;

use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use common::{CEMCP, command};

mod common;

fn cemcp(bed: &TestBed, args: &[&str]) -> Output {
    command(bed, CEMCP).args(args).output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn run_prints_json_on_stdout_and_stats_on_stderr() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest());
    let out = cemcp(
        &bed,
        &[
            "run",
            artifacts::REPORT_COMPONENT,
            "--manifest",
            "manifest.toml",
            "--input",
            r#"{"pattern":"fox"}"#,
            "--stats",
        ],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["total_words"], 18);
    let stderr = text(&out.stderr);
    assert!(stderr.contains("run statistics"), "{stderr}");
    assert!(stderr.contains("instances        3 (files 1, kv 1, program 1)"), "{stderr}");
    assert!(stderr.contains("files.search"), "{stderr}");
}

#[test]
fn input_can_come_from_a_file() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest());
    std::fs::write(bed.path().join("input.json"), r#"{"pattern": "lazy"}"#).unwrap();
    let out = cemcp(&bed, &["run", artifacts::REPORT_COMPONENT, "-m", "manifest.toml", "--input-file", "input.json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains(r#""pattern":"lazy""#));
}

#[test]
fn failures_exit_non_zero_with_a_clear_message() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest().edit(r#"time = "5s", memory = "64 MiB""#, r#"time = "200ms""#));
    let probe = artifacts::PROBE_COMPONENT;
    let cases: [(&[&str], u8, &str); 5] = [
        (
            &["run", probe, "-m", "manifest.toml", "-i", r#"{"do":"loop"}"#],
            1,
            "error: program exceeded its 200ms time limit\n",
        ),
        (
            &["run", probe, "-m", "manifest.toml", "-p", "files-only"],
            2,
            "error: program refused: it imports `cemcp:kv/kv@0.1.0`",
        ),
        (
            &["run", probe, "-m", "manifest.toml", "-i", "{not json"],
            2,
            "error: the input is not valid JSON: key must be a string",
        ),
        (&["run", "missing.wasm", "-m", "manifest.toml"], 2, "error: cannot read program `missing.wasm`: No such file"),
        (
            &["run", probe, "-m", "nope.toml"],
            2,
            "error: manifest nope.toml has 1 problem:\n  - manifest: cannot read it",
        ),
    ];
    for (args, code, message) in cases {
        let out = cemcp(&bed, args);
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(i32::from(code)), "{args:?}: {stderr}");
        assert!(stderr.starts_with(message), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: nothing on stdout");
    }
}

#[test]
fn tools_lists_granted_functions_with_signatures_and_docs() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest());
    let out = cemcp(&bed, &["tools", "-m", "manifest.toml", "--profile", "files-only"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("profile `files-only` grants 1 tool(s)\n"), "{stdout}");
    assert!(stdout.contains("interface cemcp:files/files@0.1.0"), "{stdout}");
    assert!(stdout.contains("read: func(path: string, offset: u64, length: option<u64>) -> result<string, string>"));
    assert!(stdout.contains("        Reads a text file, or a byte range of it."), "{stdout}");
    assert!(!stdout.contains("cemcp:kv"), "kv is not granted to files-only: {stdout}");
}

#[test]
fn help_explains_the_commands() {
    let bed = TestBed::new();
    let out = cemcp(&bed, &["--help"]);
    let stdout = text(&out.stdout);
    assert!(stdout.contains("run     Run an agent program or script and print its JSON output on stdout"), "{stdout}");
    assert!(stdout.contains("tools   List the tool functions a profile grants"), "{stdout}");
    assert!(stdout.contains("check   Validate a manifest and show what each component and profile can touch"));
    assert!(stdout.contains("schema  Print the JSON Schema of the manifest format"), "{stdout}");
    let out = cemcp(&bed, &["run"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--manifest <FILE>"), "{}", text(&out.stderr));
}

#[test]
fn runs_even_where_the_pooling_allocator_cannot_reserve_its_address_space() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest());
    // 64 GiB of address space: far less than the pool reserves, enough on demand.
    let script = format!(
        "ulimit -v 67108864 && exec {} run {} -m manifest.toml -i '{{\"pattern\":\"fox\"}}'",
        env!("CARGO_BIN_EXE_cemcp"),
        artifacts::REPORT_COMPONENT
    );
    let out = command(&bed, "sh").args(["-c", &script]).output().unwrap();
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("the pooling allocator is unavailable"), "{stderr}");
    assert!(text(&out.stdout).contains(r#""total_words":18"#));
}

#[test]
fn check_shows_effective_capabilities_and_hides_env_values() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest()
        .edit(r#"env = { GREETING = "hello" }"#, r#"env = { GREETING = "hello", TOKEN = "s3cr3t" }"#)
        .edit("network = []", r#"network = ["https://*.example.com", "http://127.0.0.1:8080"]"#);
    bed.write_manifest(&manifest);
    let out = cemcp(&bed, &["check", "manifest.toml"]);
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.starts_with("manifest manifest.toml is valid: 5 tool(s), 2 profile(s)\n"), "{stdout}");
    assert!(stdout.contains("\ntool files\n"), "{stdout}");
    assert!(stdout.contains("  files      /docs read-only <- "), "{stdout}");
    assert!(stdout.contains("  network    https://*.example.com:443, http://127.0.0.1:8080"), "{stdout}");
    assert!(stdout.contains("  env        GREETING, TOKEN"), "{stdout}");
    assert!(!stdout.contains("s3cr3t"), "values are never shown: {stdout}");
    assert!(
        stdout.contains("  limits     500ms per call, 16.0 MiB memory, unmetered fuel, 1.0 MiB output"),
        "{stdout}"
    );
    assert!(stdout.contains("\nprofile all (default)\n"), "{stdout}");
    assert!(
        stdout.contains(
            "  own access no files, no environment, no network; real clocks and randomness; stdout and stderr captured\n"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("10000 tool calls"), "{stdout}");
    assert!(stdout.contains("\nprogram report\n  component  "), "{stdout}");
}

#[test]
fn check_lists_every_problem_and_exits_2() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest()
        .edit(r#"host = "docs""#, r#"host = "missing""#)
        .edit("network = []", r#"network = ["ftp://x"]"#)
        .edit(r#"tools = ["files"]"#, r#"tools = ["files", "nope"]"#);
    bed.write_manifest(&manifest);
    let out = cemcp(&bed, &["check", "manifest.toml"]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.starts_with("error: manifest manifest.toml has 2 problems:\n"), "{stderr}");
    assert!(stderr.contains("tool `http`, field `network[0]`: `ftp` is not a scheme"), "{stderr}");
    assert!(stderr.contains("profile `files-only`, field `tools[1]`: no tool `nope` is declared"), "{stderr}");
    // Problems found on disk come once the file's own problems are fixed.
    bed.write_manifest(&TestBed::base_manifest().edit(r#"host = "docs""#, r#"host = "missing""#));
    let stderr = text(&cemcp(&bed, &["check", "manifest.toml"]).stderr);
    assert!(stderr.contains("tool `files`, field `dir[0].host`: `"), "{stderr}");
}

#[test]
fn schema_matches_the_committed_copy() {
    let bed = TestBed::new();
    let out = cemcp(&bed, &["schema"]);
    assert!(out.status.success());
    let committed = cemcp_tests::workspace_root().join("capabilities/manifest.schema.json");
    let committed = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        text(&out.stdout) == committed,
        "capabilities/manifest.schema.json is stale: regenerate it with `cemcp schema > capabilities/manifest.schema.json`"
    );
}

#[test]
fn guest_stdout_and_stderr_are_captured_bounded_and_logged_never_in_the_output() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest().edit(
        r#"limits = { time = "500ms", memory = "16 MiB" }"#,
        r#"limits = { time = "5s", memory = "16 MiB", log = "1 KiB" }"#,
    ));
    let input = r#"{"do":"flaky","calls":["shout:1000"]}"#;
    let out = command(&bed, CEMCP)
        .args(["run", artifacts::PROBE_COMPONENT, "-m", "manifest.toml", "-i", input])
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert!(out.status.success(), "{stderr}");
    assert_eq!(stdout, "[{\"ok\":1000}]\n", "only the program's output on stdout");
    assert!(stderr.contains("INFO cemcp::guest: flaky stdout line 0\n"), "{stderr}");
    assert!(stderr.contains("component=\"flaky\" stream=\"stdout\""), "{stderr}");
    assert!(stderr.contains("INFO cemcp::guest: flaky stderr line 0\n"), "{stderr}");
    assert!(stderr.contains("component=\"flaky\" stream=\"stderr\""), "{stderr}");
    assert!(stderr.contains("more bytes dropped]"), "bounded: {stderr}");
    assert!(!stderr.contains("line 999"), "bounded: {stderr}");
}

#[test]
fn a_programs_words_cannot_drive_the_terminal() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest());
    // The probe echoes an unknown action's name in its error.
    let input = r#"{"do": "\u001b]0;pwned\u0007\u001b[2J"}"#;
    let out = cemcp(&bed, &["run", artifacts::PROBE_COMPONENT, "-m", "manifest.toml", "--input", input]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(!stderr.contains('\u{1b}') && !stderr.contains('\u{7}'), "raw control characters: {stderr:?}");
    assert!(stderr.contains(r"unknown variant `\u{1b}]0;pwned\u{7}\u{1b}[2J`"), "{stderr}");
}

#[test]
fn run_takes_a_script_and_prints_what_it_printed_on_stderr() {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest().edit(
        "[program.report]",
        &format!("[interpreter.python]\ncomponent = \"{}\"\n\n[program.report]", artifacts::PYTHON_COMPONENT),
    ));
    std::fs::write(bed.path().join("count.py"), "print('counting')\n{'n': tools.flaky.count(), 'input': input}")
        .unwrap();
    let out = cemcp(&bed, &["run", "count.py", "-m", "manifest.toml", "--input", "[7]", "--stats"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(text(&out.stdout), "{\"input\":[7],\"n\":1}\n", "only the output on stdout");
    let stderr = text(&out.stderr);
    assert!(stderr.starts_with("counting\n"), "{stderr}");
    assert!(stderr.contains("flaky.count"), "{stderr}");

    std::fs::write(bed.path().join("broken.js"), "1 +").unwrap();
    let out = cemcp(&bed, &["run", "broken.js", "-m", "manifest.toml"]);
    assert_eq!(out.status.code(), Some(2), "no JavaScript interpreter is declared: nothing ran");
    assert!(text(&out.stderr).contains("no interpreter for javascript scripts is declared"), "{}", text(&out.stderr));
}

/// `cemcp` run with `stdin` as its standard input; its output, or a panic naming it if
/// it has not finished within a minute (it is then killed).
fn cemcp_with_stdin(bed: &TestBed, args: &[&str], stdin: Vec<u8>) -> Output {
    use std::io::Write as _;
    use std::process::Stdio;
    let mut child = command(bed, CEMCP)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut pipe = child.stdin.take().unwrap();
    // cemcp may stop reading early (and close the pipe): that is not the test's concern.
    let writer = std::thread::spawn(move || drop(pipe.write_all(&stdin)));
    let (done, finished) = std::sync::mpsc::channel();
    std::thread::spawn(move || done.send(child.wait_with_output()));
    let Ok(output) = finished.recv_timeout(std::time::Duration::from_secs(60)) else {
        let _ = std::process::Command::new("kill").args(["-9", &pid.to_string()]).status();
        panic!("`cemcp {}` did not finish within 60s", args.join(" "));
    };
    writer.join().unwrap();
    output.unwrap()
}

/// The base manifest, with room in the profile for the largest hostile input to be
/// echoed back, and the echo program written beside it.
fn echo_bed() -> TestBed {
    let bed = TestBed::new();
    bed.write_manifest(&TestBed::base_manifest().edit(
        r#"limits = { time = "5s", memory = "64 MiB" }"#,
        r#"limits = { time = "60s", memory = "256 MiB", output = "64 MiB" }"#,
    ));
    std::fs::write(bed.path().join("echo.wasm"), cemcp_tests::hostile_json::echo_program()).unwrap();
    bed
}

#[test]
fn hostile_json_input_is_refused_in_words_or_reaches_the_program_unchanged() {
    use cemcp_tests::hostile_json::{Verdict, cases};
    let bed = echo_bed();
    for case in cases() {
        let name = case.name;
        let by_stdin = cemcp_with_stdin(
            &bed,
            &["run", "echo.wasm", "-m", "manifest.toml", "--input-file", "-"],
            case.text.clone(),
        );
        // The same text as an argument, where an argument can carry it.
        let as_argument = (case.text.len() < 100_000 && !case.text.contains(&0))
            .then(|| String::from_utf8(case.text.clone()).ok())
            .flatten()
            .map(|text| cemcp(&bed, &["run", "echo.wasm", "-m", "manifest.toml", "--input", &text]));
        for out in std::iter::once(by_stdin).chain(as_argument) {
            let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
            match case.verdict {
                Verdict::Refused(words) => {
                    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
                    assert!(stderr.starts_with("error: the input is not valid JSON: "), "{name}: {stderr}");
                    assert!(stderr.contains(words), "{name}: expected `{words}` in {stderr}");
                    assert!(stdout.is_empty(), "{name}: nothing ran");
                }
                Verdict::NotUtf8 => {
                    assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
                    assert_eq!(stderr, "error: cannot read the input from stdin: stream did not contain valid UTF-8\n");
                }
                Verdict::Accepted(_) | Verdict::OverRequestLimit => {
                    assert!(out.status.success(), "{name}: {}", stderr.chars().take(500).collect::<String>());
                    assert!(out.stdout == [case.text.as_slice(), b"\n"].concat(), "{name}: the program got other text");
                }
            }
        }
    }
}

#[test]
fn an_input_document_is_one_json_value_and_a_byte_order_mark_is_dropped() {
    let bed = echo_bed();
    let cases: [(&str, &str, Result<&str, &str>); 6] = [
        ("empty", "", Err("EOF while parsing a value at line 1 column 0")),
        ("blank", " \n\t ", Err("EOF while parsing a value at line 2 column 2")),
        ("trailing garbage", "{} x", Err("trailing characters at line 1 column 4")),
        ("two values", "{}{}", Err("trailing characters at line 1 column 3")),
        ("a byte order mark", "\u{feff}{\"a\": 1}", Ok("{\"a\": 1}")),
        ("a scalar", "7", Ok("7")),
    ];
    for (what, input, expected) in cases {
        let out =
            cemcp_with_stdin(&bed, &["run", "echo.wasm", "-m", "manifest.toml", "--input-file", "-"], input.into());
        let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
        match expected {
            Ok(output) => {
                assert_eq!((out.status.code(), stdout.as_str()), (Some(0), &*format!("{output}\n")), "{what}: {stderr}")
            }
            Err(words) => {
                assert_eq!(out.status.code(), Some(2), "{what}: {stderr}");
                assert_eq!(stderr, format!("error: the input is not valid JSON: {words}\n"), "{what}");
            }
        }
    }
}

/// Manifests are the admin's, but their parser still owes a clear error: structural
/// attacks on the TOML are refused, naming the problem, with nothing run.
#[test]
fn hostile_manifests_are_refused_with_the_problem_named_by_check_and_run() {
    let bed = TestBed::new();
    std::fs::write(bed.path().join("echo.wasm"), cemcp_tests::hostile_json::echo_program()).unwrap();
    let deep = |open: &str, close: &str| format!("x = {}1{}\n", open.repeat(100_000), close.repeat(100_000));
    let version = "version = 1\ndefault-profile = \"p\"\n[profile.p]\ntools = []\n";
    const RECURSION: &str = "cannot recurse further; max recursion depth met";
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("inline tables 100,000 deep", format!("{version}{}", deep("{a = ", "}")).into_bytes(), RECURSION),
        ("arrays 100,000 deep", format!("{version}{}", deep("[", "]")).into_bytes(), RECURSION),
        (
            "a dotted key 100,000 long",
            format!("{version}{} = 1\n", vec!["a"; 100_000].join(".")).into_bytes(),
            "manifest: TOML parse error: recursion limit\n",
        ),
        (
            "a 20 MiB string",
            format!("{version}[tool.t]\ncomponent = \"{}\"\n", "x".repeat(20 << 20)).into_bytes(),
            "cannot read `",
        ),
        ("a duplicate key", format!("version = 2\n{version}").into_bytes(), "duplicate key"),
        ("a duplicate table", format!("{version}[profile.p]\ntools = []\n").into_bytes(), "duplicate key"),
        ("invalid UTF-8", [version.as_bytes(), b"# \xff\xfe\n"].concat(), "stream did not contain valid UTF-8"),
        (
            "a NUL in a string",
            format!("{version}[tool.t]\ncomponent = \"a\0b\"\n").into_bytes(),
            "invalid basic string",
        ),
        ("an empty file", Vec::new(), "missing field `version`"),
        ("a huge integer", b"version = 99999999999999999999\n".to_vec(), "as i128, expected u32"),
        ("nan for a number", b"version = nan\n".to_vec(), "invalid type: floating point `NaN`"),
    ];
    for (what, manifest, words) in cases {
        std::fs::write(bed.path().join("manifest.toml"), &manifest).unwrap();
        for args in [&["check", "manifest.toml"][..], &["run", "echo.wasm", "-m", "manifest.toml"][..]] {
            let out = cemcp_with_stdin(&bed, args, Vec::new());
            let stderr = text(&out.stderr);
            let shown: String = stderr.chars().take(2000).collect();
            assert_eq!(out.status.code(), Some(2), "{what}, {args:?}: {shown}");
            assert!(stderr.starts_with("error: manifest manifest.toml has 1 problem:\n"), "{what}, {args:?}: {shown}");
            assert!(stderr.contains(words), "{what}, {args:?}: expected `{words}` in {shown}");
            assert!(stderr.len() < 10_000, "{what}, {args:?}: a {}-byte message", stderr.len());
            assert!(out.stdout.is_empty(), "{what}, {args:?}");
        }
    }
    // A byte order mark is not a problem.
    std::fs::write(bed.path().join("manifest.toml"), format!("\u{feff}{version}")).unwrap();
    let out = cemcp(&bed, &["check", "manifest.toml"]);
    assert!(text(&out.stdout).starts_with("manifest manifest.toml is valid: 0 tool(s), 1 profile(s)\n"));
}
