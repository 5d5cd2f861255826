//! Manifest parsing: what is accepted, and what each problem says.

use super::*;

fn parse(text: &str) -> Result<Manifest, ManifestError> {
    Manifest::parse(text, Path::new("test.toml"), Path::new("/base"))
}

const MINIMAL: &str = r#"
    version = 1
    default-profile = "p"
    [tool.files]
    component = "files.wasm"
    dir = [{ host = "docs", guest = "/docs", access = "read-only" }]
    [profile.p]
    tools = ["files"]
"#;

#[test]
fn relative_paths_are_resolved_against_the_manifest_lexically() {
    let m = parse(&MINIMAL.replace("\"files.wasm\"", "\"../x/./files.wasm\"")).unwrap();
    assert_eq!(m.tools["files"].component, Path::new("/x/files.wasm"));
}

#[test]
fn minimal_manifest_resolves_paths_and_defaults() {
    let m = parse(MINIMAL).unwrap();
    let files = &m.tools["files"];
    assert_eq!(files.component, Path::new("/base/files.wasm"));
    assert_eq!(files.dirs[0].host, Path::new("/base/docs"));
    assert_eq!(files.limits, Limits::TOOL_DEFAULT);
    assert_eq!(m.profile(None).unwrap().limits, Limits::PROGRAM_DEFAULT);
}

#[test]
fn unknown_key_is_named() {
    let err = parse(&MINIMAL.replace("[profile.p]", "[profile.p]\nnetwork = true")).unwrap_err();
    assert!(err.to_string().contains("unknown field `network`"), "{err}");
}

#[test]
fn every_problem_is_listed_with_component_and_field() {
    let text = MINIMAL
        .replace("guest = \"/docs\"", "guest = \"docs/../x\"")
        .replace("tools = [\"files\"]", "tools = [\"files\", \"kv\"]\nlimits = { time = \"0s\" }");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("3 problems"), "{err}");
    assert!(err.contains("tool `files`, field `dir[0].guest`"), "{err}");
    assert!(err.contains("profile `p`, field `tools[1]`: no tool `kv` is declared"), "{err}");
    assert!(err.contains("profile `p`, field `limits.time`"), "{err}");
}

#[test]
fn limits_overlay_defaults_then_component() {
    let text = MINIMAL.replace(
        "[tool.files]",
        "[defaults]\ntool-limits = { time = \"3s\", memory = \"1 MiB\" }\n[tool.files]\nlimits = { memory = \"2 MiB\" }",
    );
    let m = parse(&text).unwrap();
    assert_eq!(
        m.tools["files"].limits,
        Limits { time: Duration::from_secs(3), memory: 2 << 20, ..Limits::TOOL_DEFAULT }
    );
}

#[test]
fn bad_duration_says_what_is_expected() {
    let err = parse(&MINIMAL.replace("tools = [\"files\"]", "tools = [\"files\"]\nlimits = { time = \"soon\" }"))
        .unwrap_err();
    assert!(err.to_string().contains("`soon` is not a duration"), "{err}");
}

#[test]
fn missing_default_profile_is_named() {
    let err = parse(&MINIMAL.replace("default-profile = \"p\"", "default-profile = \"q\"")).unwrap_err();
    assert!(err.to_string().contains("`q` is not a profile here (profiles: `p`)"), "{err}");
}

#[test]
fn create_requires_read_write() {
    let err = parse(&MINIMAL.replace("access = \"read-only\"", "access = \"read-only\", create = true")).unwrap_err();
    assert!(err.to_string().contains("dir[0].create"), "{err}");
}

#[test]
fn grants_are_parsed() {
    let text = MINIMAL.replace(
        "component = \"files.wasm\"",
        r#"component = "files.wasm"
        sha256 = "sha256:AB12000000000000000000000000000000000000000000000000000000000000"
        env = { LANG = "C" }
        env-pass = ["HOME"]
        network = ["https://*.example.com", "tcp://127.0.0.1:5432"]
        clocks = false
        random = false
        limits = { fuel = 1000, output = "2 KiB", log = "1 KiB" }"#,
    );
    let m = parse(&text).unwrap();
    let files = &m.tools["files"];
    assert_eq!(files.sha256.as_deref(), Some("ab12000000000000000000000000000000000000000000000000000000000000"));
    assert_eq!(files.env["LANG"], "C");
    assert_eq!(files.env_pass, ["HOME"]);
    assert_eq!(files.network.len(), 2);
    assert!(files.clocks == Clocks::FrozenAt(Duration::ZERO) && !files.random);
    assert_eq!(files.mcp_prefix, "files_");
    assert_eq!((files.limits.fuel, files.limits.output, files.limits.log), (Some(1000), 2048, 1024));
}

#[test]
fn bad_grants_are_each_named() {
    let text = MINIMAL.replace(
        "component = \"files.wasm\"",
        r#"component = "files.wasm"
        sha256 = "abc"
        env = { "A=B" = "x" }
        env-pass = ["LANG"]
        network = ["ftp://example.com"]
        limits = { calls = 5, fuel = 0 }"#,
    );
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("tool `files`, field `sha256`: `abc` is not \"sha256:\" and 64 hex digits"), "{err}");
    assert!(err.contains("tool `files`, field `env.A=B`: `A=B` is not an environment variable name"), "{err}");
    assert!(err.contains("tool `files`, field `network[0]`: `ftp` is not a scheme"), "{err}");
    assert!(err.contains("tool `files`, field `limits.calls`: `calls` limits programs"), "{err}");
    assert!(err.contains("tool `files`, field `limits.fuel`: fuel must be more than zero"), "{err}");
}

#[test]
fn a_clock_frozen_at_an_instant_and_an_mcp_prefix() {
    let text = MINIMAL.replace(
        "component = \"files.wasm\"",
        "component = \"files.wasm\"\nclocks = \"2026-11-23T15:30:00Z\"\nmcp-prefix = \"\"",
    );
    let m = parse(&text).unwrap();
    assert_eq!(m.tools["files"].clocks, Clocks::FrozenAt(Duration::from_secs(1_795_447_800)));
    assert_eq!(m.tools["files"].mcp_prefix, "");
    let bad = MINIMAL.replace(
        "component = \"files.wasm\"",
        "component = \"files.wasm\"\nclocks = \"tomorrow\"\nmcp-prefix = \"a b\"",
    );
    let err = parse(&bad).unwrap_err().to_string();
    assert!(err.contains("tool `files`, field `clocks`: `tomorrow` is not an RFC 3339 time"), "{err}");
    assert!(err.contains("tool `files`, field `mcp-prefix`: at most 32 characters"), "{err}");
}

#[test]
fn calls_are_a_program_limit_only() {
    let text = MINIMAL.replace("[tool.files]", "[defaults]\ntool-limits = { calls = 3 }\n[tool.files]");
    let err = parse(&text).unwrap_err().to_string();
    assert!(err.contains("defaults, field `tool-limits.calls`: `calls` limits programs"), "{err}");
}

#[test]
fn json_schema_describes_every_section() {
    let schema = json_schema();
    for key in ["default-profile", "env-pass", "network", "sha256", "read-only", "calls"] {
        assert!(schema.contains(key), "schema lacks {key}");
    }
}

#[test]
fn huge_values_and_lines_are_cut_in_problems() {
    let deep = format!("version = 1\nx = {}1{}\n", "[".repeat(100_000), "]".repeat(100_000));
    let error = parse(&deep).unwrap_err().to_string();
    assert!(error.len() < 2_000, "{} bytes", error.len());
    assert!(error.contains("[[[... [199709 more characters]\n"), "{error}");
    assert!(error.ends_with("cannot recurse further; max recursion depth met"), "{error}");
    let problem = Problem::new(&Location::Manifest, "", format!("cannot read `{}`", "x".repeat(1000)));
    assert_eq!(problem.message, format!("cannot read `{}... [714 more characters]", "x".repeat(287)));
}
