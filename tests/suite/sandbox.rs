//! Filesystem isolation: what the program and the `files` tool can and cannot reach.

use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};
use serde_json::{Value, json};

fn probe(bed: &TestBed, input: Value) -> Value {
    let runtime = bed.base_runtime();
    bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input.to_string()).unwrap().unwrap()
}

fn error_of(outcome: &Value) -> &str {
    outcome["error"].as_str().unwrap_or_else(|| panic!("expected an error, got {outcome}"))
}

#[test]
fn program_cannot_read_the_tools_directory_through_its_own_wasi() {
    let bed = TestBed::new();
    // The guest path the tool sees, and the real host path: neither is open to the program.
    let guest_path = probe(&bed, json!({ "do": "fs-read", "path": "/docs/alpha.txt" }));
    assert!(error_of(&guest_path).contains("No such file or directory"), "{guest_path}");
    let host_path = bed.path().join("docs/alpha.txt").display().to_string();
    let direct = probe(&bed, json!({ "do": "fs-read", "path": host_path }));
    assert!(error_of(&direct).contains("No such file or directory"), "{direct}");
    let root = probe(&bed, json!({ "do": "fs-list", "path": "/" }));
    assert!(root.get("ok").is_none(), "{root}");
    // ... while the same file is readable through the tool that was granted it.
    let via_tool = probe(&bed, json!({ "do": "files-read", "path": "alpha.txt" }));
    assert_eq!(via_tool["ok"], "the quick brown fox\njumps over the lazy dog\n");
}

#[test]
fn program_sees_no_environment_variables() {
    let bed = TestBed::new();
    assert!(std::env::var_os("PATH").is_some(), "the host has an environment to leak");
    assert_eq!(probe(&bed, json!({ "do": "env" })), json!({ "ok": [] }));
}

#[test]
fn files_tool_cannot_leave_its_grant() {
    let bed = TestBed::new();
    let secret = bed.path().join("outside/secret.txt");
    std::os::unix::fs::symlink(&secret, bed.path().join("docs/link-out")).unwrap();
    std::os::unix::fs::symlink("alpha.txt", bed.path().join("docs/link-in")).unwrap();

    let cases = [
        ("../outside/secret.txt", "`..` above the root"),
        ("notes/../../outside/secret.txt", "`..` through a subdirectory"),
        (secret.to_str().unwrap(), "the absolute host path"),
        ("/etc/passwd", "an absolute path"),
        ("link-out", "a symlink pointing outside"),
    ];
    for (path, what) in cases {
        let outcome = probe(&bed, json!({ "do": "files-read", "path": path }));
        let error = error_of(&outcome);
        assert!(error.starts_with(&format!("cannot read `{path}`")), "{what}: {outcome}");
        assert!(!outcome.to_string().contains("TOP SECRET"), "{what} leaked: {outcome}");
    }
    // Listing and stat are confined the same way.
    let listing = probe(&bed, json!({ "do": "files-list", "path": ".." }));
    assert!(error_of(&listing).starts_with("cannot list `..`"), "{listing}");
    let stat = probe(&bed, json!({ "do": "files-stat", "path": "../outside" }));
    assert!(error_of(&stat).starts_with("cannot stat `../outside`"), "{stat}");

    // A symlink that stays inside the grant is followed.
    let inside = probe(&bed, json!({ "do": "files-read", "path": "link-in" }));
    assert_eq!(inside["ok"], "the quick brown fox\njumps over the lazy dog\n");
}

#[test]
fn read_only_grant_refuses_writes() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest().edit(
        r#"host = "store", guest = "/store", access = "read-write""#,
        r#"host = "store", guest = "/store", access = "read-only""#,
    );
    let runtime = bed.runtime(&manifest).unwrap();
    let put = json!({ "do": "kv-put", "key": "k", "value": "v" }).to_string();
    let outcome = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &put).unwrap().unwrap();
    let error = error_of(&outcome);
    assert!(error.starts_with("cannot write key `k`:"), "{outcome}");
    assert!(error.contains("Operation not permitted"), "{outcome}");
    assert_eq!(std::fs::read_dir(bed.path().join("store")).unwrap().count(), 0, "nothing was written");
}

#[test]
fn read_write_grant_persists_across_runs() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let put = json!({ "do": "kv-put", "key": "a/b", "value": "hello" }).to_string();
    let get = json!({ "do": "kv-get", "key": "a/b" }).to_string();
    assert_eq!(bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &put).unwrap().unwrap(), json!({ "ok": null }));
    assert_eq!(bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &get).unwrap().unwrap(), json!({ "ok": "hello" }));
    assert_eq!(std::fs::read_to_string(bed.path().join("store/a%2Fb")).unwrap(), "hello");
}

#[test]
fn two_tools_in_one_run_have_separate_grants() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let store_file = bed.path().join("store/secret").display().to_string();
    let input = json!({ "do": "steps", "steps": [
        { "do": "kv-put", "key": "secret", "value": "kv's data" },
        { "do": "files-read", "path": "/store/secret" },
        { "do": "files-list", "path": "/store" },
        { "do": "files-read", "path": store_file },
        { "do": "files-read", "path": "../store/secret" },
        { "do": "kv-get", "key": "secret" },
    ]});
    let outcome = bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input.to_string()).unwrap().unwrap();
    assert_eq!(outcome[0], json!({ "ok": null }), "kv wrote into its own directory");
    for (i, attempt) in ["/store/secret", "/store", "the host path", "../store/secret"].iter().enumerate() {
        let seen = &outcome[i + 1];
        assert!(seen.get("error").is_some(), "files reached kv's directory through {attempt}: {seen}");
        assert!(!seen.to_string().contains("kv's data"), "{attempt} leaked: {seen}");
    }
    assert_eq!(outcome[5], json!({ "ok": "kv's data" }), "while kv itself still reads it");
}

#[test]
fn randomness_and_clocks_can_be_turned_off() {
    let bed = TestBed::new();
    let input = json!({ "do": "flaky", "calls": ["random", "now", "boom", "random", "now"] }).to_string();
    let run = |manifest: &str| {
        let runtime = bed.runtime(manifest).unwrap();
        bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &input).unwrap().unwrap()
    };
    // Real: two instances draw different numbers, and the clock reads the present.
    let real = run(&TestBed::base_manifest());
    assert_ne!(real[0], real[3], "{real}");
    assert!(real[1]["ok"].as_u64().unwrap() > 1_700_000_000, "{real}");
    // Off: every instance draws the same fixed sequence, and the clock reads 0.
    let off = run(&TestBed::base_manifest().edit("[tool.flaky]\n", "[tool.flaky]\nclocks = false\nrandom = false\n"));
    assert_eq!(off[0], off[3], "{off}");
    assert_eq!((&off[1], &off[4]), (&json!({ "ok": 0 }), &json!({ "ok": 0 })), "{off}");
}

#[test]
fn a_fifo_inside_a_grant_cannot_block_a_tool() {
    let bed = TestBed::new();
    let fifo = bed.path().join("docs/pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success(), "mkfifo failed");
    let started = std::time::Instant::now();
    // Opening a FIFO with no writer would block the host thread forever: refused.
    let read = probe(&bed, json!({ "do": "files-read", "path": "pipe" }));
    assert!(error_of(&read).starts_with("cannot read `pipe`: Not supported"), "{read}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());
    // Looking at it is harmless and allowed.
    let listed = probe(&bed, json!({ "do": "files-list", "path": "" }));
    assert!(listed.to_string().contains("pipe"), "{listed}");
}

#[test]
fn files_cannot_reach_the_kv_tools_directory_by_any_path() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let store = bed.path().join("store");
    let put = json!({ "do": "kv-put", "key": "../x", "value": "kv's data" }).to_string();
    assert_eq!(bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &put).unwrap().unwrap(), json!({ "ok": null }));
    let file = store.join("%2E%2E%2Fx");
    assert!(file.is_file(), "kv keeps the key as an encoded file name in its own directory");
    // Links inside the files tool's grant, into the kv tool's.
    let docs = bed.path().join("docs");
    std::os::unix::fs::symlink("../store", docs.join("to-store")).unwrap();
    std::os::unix::fs::symlink(&store, docs.join("to-store-absolute")).unwrap();
    std::os::unix::fs::symlink(&file, docs.join("to-the-file")).unwrap();
    let host_path = file.display().to_string();
    let cases = [
        ("files-read", "../store/%2E%2E%2Fx", "`..` out of the grant"),
        ("files-read", "notes/../../store/%2E%2E%2Fx", "`..` through a subdirectory"),
        ("files-read", "/store/%2E%2E%2Fx", "the path kv sees"),
        ("files-read", host_path.as_str(), "the host path"),
        ("files-read", "to-store/%2E%2E%2Fx", "a relative link to kv's directory"),
        ("files-read", "to-store-absolute/%2E%2E%2Fx", "an absolute link to kv's directory"),
        ("files-read", "to-the-file", "a link to the file itself"),
        ("files-read", "../x", "the key as a path"),
        ("files-list", "../store", "listing kv's directory"),
        ("files-list", "to-store", "listing through a link"),
        ("files-list", "/store", "listing the path kv sees"),
        ("files-stat", "to-store/%2E%2E%2Fx", "stat through a link"),
    ];
    for (action, path, what) in cases {
        let outcome = probe(&bed, json!({ "do": action, "path": path }));
        let verb = action.trim_start_matches("files-");
        assert!(error_of(&outcome).starts_with(&format!("cannot {verb} `{path}`: ")), "{what}: {outcome}");
        assert!(!outcome.to_string().contains("kv's data"), "{what} leaked: {outcome}");
    }
    // A search from the top of the grant does not follow links out of it.
    for path in ["", "to-store", "../store"] {
        let search = json!({ "do": "files-search", "pattern": "kv's data", "regex": false, "path": path, "max": 10 });
        let outcome = probe(&bed, search);
        assert!(!outcome.to_string().contains("%2E"), "search from `{path}` found kv's file: {outcome}");
        if path.is_empty() {
            assert_eq!(outcome, json!({ "ok": [] }));
        } else {
            assert!(error_of(&outcome).starts_with(&format!("cannot search `{path}`: ")), "{outcome}");
        }
    }
}

#[test]
fn kv_keys_that_look_like_paths_stay_keys_in_its_own_store() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let entries = || {
        let mut names: Vec<_> = std::fs::read_dir(bed.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        names
    };
    let before = entries();
    let keys = [
        ("../x", "%2E%2E%2Fx"),
        ("..", "%2E%2E"),
        (".", "%2E"),
        ("%2E%2E", "%252E%252E"),
        ("/etc/passwd", "%2Fetc%2Fpasswd"),
        ("../docs/alpha.txt", "%2E%2E%2Fdocs%2Falpha%2Etxt"),
        ("a\0b", "a%00b"),
        ("\0", "%00"),
        ("store/../../outside/secret.txt", "store%2F%2E%2E%2F%2E%2E%2Foutside%2Fsecret%2Etxt"),
    ];
    let steps: Vec<Value> = keys
        .iter()
        .map(|(key, _)| json!({ "do": "kv-put", "key": key, "value": format!("value of {key:?}") }))
        .collect();
    let put =
        bed.run(&runtime, artifacts::PROBE_COMPONENT, None, &json!({ "do": "steps", "steps": steps }).to_string());
    assert!(put.unwrap().unwrap().as_array().unwrap().iter().all(|o| o == &json!({ "ok": null })));
    let mut stored: Vec<String> = std::fs::read_dir(bed.path().join("store"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    stored.sort();
    let mut expected: Vec<String> = keys.iter().map(|(_, file)| (*file).to_owned()).collect();
    expected.sort();
    assert_eq!(stored, expected, "one file per key, inside kv's directory");
    for (key, _) in keys {
        let got = probe(&bed, json!({ "do": "kv-get", "key": key }));
        assert_eq!(got, json!({ "ok": format!("value of {key:?}") }), "{key:?}");
    }
    let mut listed = probe(&bed, json!({ "do": "kv-list", "prefix": "" }))["ok"].as_array().unwrap().clone();
    listed.sort_by_key(|k| k.as_str().unwrap().to_owned());
    let mut names: Vec<Value> = keys.iter().map(|(key, _)| json!(key)).collect();
    names.sort_by_key(|k| k.as_str().unwrap().to_owned());
    assert_eq!(listed, names);
    // Nothing outside the store changed.
    assert_eq!(entries(), before);
    assert_eq!(
        std::fs::read_to_string(bed.path().join("docs/alpha.txt")).unwrap(),
        "the quick brown fox\njumps over the lazy dog\n"
    );
    assert_eq!(std::fs::read_to_string(bed.path().join("outside/secret.txt")).unwrap(), "TOP SECRET");
}

/// Freed memory slots are reset in place where the kernel allows it (`PAGEMAP_SCAN`,
/// `engine.rs`) rather than unmapped: a run must still find its memory exactly as
/// the program's image has it, whatever the run before it wrote, below and past the
/// part reset in place.
#[test]
fn no_run_finds_what_an_earlier_run_wrote_in_its_memory() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let program = cemcp_tests::load_program(&runtime, artifacts::PROBE_COMPONENT);
    let kib = [16, 64, 200, 1024, 8192];
    assert!(kib.iter().sum::<usize>() * 1024 > cemcp::engine::MEMORY_KEEP_RESIDENT);
    let input = json!({ "do": "residue", "kib": kib }).to_string();
    for run in 0..5 {
        let out = runtime.run(&program, &input, &cemcp::CancelToken::new()).unwrap();
        let out: Value = serde_json::from_str(&out.output).unwrap();
        assert_eq!(out, json!({ "ok": { "image-word": "5eedcafe", "nonzero": 0 } }), "run {run}");
    }
}
