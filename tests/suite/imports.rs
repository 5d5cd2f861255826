//! Programs are checked against their profile before they run.

use cemcp::ProgramError;
use cemcp_tests::{ManifestEdit as _, TestBed, artifacts};

fn refusal(bed: &TestBed, manifest: &str, program: &str, profile: Option<&str>) -> String {
    let runtime = bed.runtime(manifest).unwrap();
    let wasm = std::fs::read(program).unwrap();
    let error: ProgramError = runtime.load_program(&wasm, profile).err().expect("the program should be refused");
    error.to_string()
}

#[test]
fn import_of_a_tool_the_profile_does_not_grant_is_refused_before_running() {
    let bed = TestBed::new();
    let message = refusal(&bed, &TestBed::base_manifest(), artifacts::PROBE_COMPONENT, Some("files-only"));
    assert_eq!(
        message,
        "program refused: it imports `cemcp:kv/kv@0.1.0`, which tool `kv` provides but profile `files-only` \
         does not grant (granted tools: files)"
    );
    // Nothing ran: the kv store is untouched and no instance was made.
    assert_eq!(std::fs::read_dir(bed.path().join("store")).unwrap().count(), 0);
}

#[test]
fn import_that_no_tool_provides_is_refused() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest()
        .edit("[tool.flaky]", "[tool.unused]")
        .edit(r#"tools = ["files", "kv", "flaky", "http", "config"]"#, r#"tools = ["files", "kv", "http", "config"]"#);
    let manifest = manifest.edit(artifacts::FLAKY_COMPONENT, artifacts::KV_COMPONENT);
    let message = refusal(&bed, &manifest, artifacts::PROBE_COMPONENT, None);
    assert_eq!(
        message,
        "program refused: it imports `cemcp:fixtures/flaky@0.1.0`, which no tool granted to profile `all` \
         provides (granted tools: files, kv, http, config)"
    );
}

#[test]
fn a_component_without_run_is_not_a_program() {
    let bed = TestBed::new();
    let message = refusal(&bed, &TestBed::base_manifest(), artifacts::KV_COMPONENT, None);
    assert!(message.starts_with("the program does not export `run: func(input: string) -> result<string, string>`"));
}

#[test]
fn bytes_that_are_not_a_component_are_refused() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let error = runtime.load_program(b"\0asm garbage", None).err().unwrap();
    assert!(error.to_string().starts_with("the program is not a valid WebAssembly component"), "{error}");
}

#[test]
fn unknown_profile_is_named_with_the_known_ones() {
    let bed = TestBed::new();
    let runtime = bed.base_runtime();
    let wasm = std::fs::read(artifacts::REPORT_COMPONENT).unwrap();
    let error = runtime.load_program(&wasm, Some("admin")).err().unwrap();
    assert!(error.to_string().contains("no profile `admin`"), "{error}");
    assert!(error.to_string().contains("(profiles: all, files-only)"), "{error}");
}

#[test]
fn tool_that_imports_a_non_wasi_interface_is_rejected_at_load() {
    let bed = TestBed::new();
    // A program component imports tool interfaces; declared as a tool it must be refused.
    let manifest = TestBed::base_manifest().edit(artifacts::FLAKY_COMPONENT, artifacts::REPORT_COMPONENT);
    let error = bed.runtime(&manifest).err().unwrap().to_string();
    assert!(
        error.contains(
            "tool `flaky`, field `component`: imports `cemcp:files/files@0.1.0`; tools may import only WASI interfaces"
        ),
        "{error}"
    );
}

#[test]
fn missing_component_and_directory_are_both_reported() {
    let bed = TestBed::new();
    let manifest = TestBed::base_manifest()
        .edit(artifacts::KV_COMPONENT, "/nonexistent/kv.wasm")
        .edit(r#"host = "docs""#, r#"host = "no-such-dir""#);
    let error = bed.runtime(&manifest).err().unwrap().to_string();
    assert!(error.contains("2 problems"), "{error}");
    assert!(error.contains("tool `files`, field `dir[0].host`: `"), "{error}");
    assert!(error.contains("no-such-dir` cannot be used: No such file or directory"), "{error}");
    assert!(error.contains("tool `kv`, field `component`: cannot read `/nonexistent/kv.wasm`"), "{error}");
}
