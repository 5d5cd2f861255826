//! Data-driven capability tests: every folder under `tests/cases/` is one case, with a
//! `manifest.toml` and a `case.toml` saying which program to run, with what input, and
//! which text the outcome must contain (a manifest error, a refusal, a run error, or
//! the program's output). Add a case by adding a folder.
//!
//! Placeholders in both files: `{FILES}`, `{KV}`, `{FLAKY}`, `{HTTP}`, `{CONFIG}` (the
//! built components) and `{PORT}` (a loopback HTTP server started for the case).
//!
//! `CEMCP_SHOW_CASES=1 cargo test -p cemcp-tests --test suite cases -- --nocapture`
//! prints every case's outcome.

use std::path::Path;

use cemcp_tests::http_server::TestServer;
use cemcp_tests::{TestBed, artifacts, workspace_root};
use serde_json::Value;

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct Case {
    program: String,
    profile: Option<String>,
    input: String,
    expect: String,
    /// How many requests the loopback server must have received.
    server_requests: Option<usize>,
    /// Symlinks to create in the test bed: `[link, target]`.
    #[serde(default)]
    symlinks: Vec<(String, String)>,
}

fn program_path(name: &str) -> &'static str {
    match name {
        "probe" => artifacts::PROBE_COMPONENT,
        "report" => artifacts::REPORT_COMPONENT,
        other => panic!("unknown program `{other}`"),
    }
}

/// What a user would see: the first error on the way, or the program's output.
fn outcome(bed: &TestBed, manifest: &str, case: &Case) -> String {
    let runtime = match bed.runtime(manifest) {
        Ok(runtime) => runtime,
        Err(e) => return format!("{e:#}"),
    };
    match bed.run(&runtime, program_path(&case.program), case.profile.as_deref(), &case.input) {
        Err(refused) => format!("{refused:#}"),
        Ok(Err(failed)) => failed.to_string(),
        Ok(Ok(output)) => Value::to_string(&output),
    }
}

fn run_case(dir: &Path) -> Result<(), String> {
    let server = TestServer::start();
    let fill = |text: String| {
        text.replace("{FILES}", artifacts::FILES_COMPONENT)
            .replace("{KV}", artifacts::KV_COMPONENT)
            .replace("{FLAKY}", artifacts::FLAKY_COMPONENT)
            .replace("{HTTP}", artifacts::HTTP_COMPONENT)
            .replace("{CONFIG}", artifacts::CONFIG_COMPONENT)
            .replace("{PORT}", &server.port().to_string())
    };
    let read = |file: &str| std::fs::read_to_string(dir.join(file)).map_err(|e| format!("cannot read {file}: {e}"));
    let case: Case = toml::from_str(&fill(read("case.toml")?)).map_err(|e| format!("case.toml: {e}"))?;
    let manifest = fill(read("manifest.toml")?);
    let bed = TestBed::new();
    for (link, target) in &case.symlinks {
        std::os::unix::fs::symlink(target, bed.path().join(link)).map_err(|e| format!("symlink {link}: {e}"))?;
    }
    let seen = outcome(&bed, &manifest, &case);
    if std::env::var_os("CEMCP_SHOW_CASES").is_some() {
        println!("{}: {seen}", dir.display());
    }
    if !seen.contains(&case.expect) {
        return Err(format!("expected `{}`\n      in `{seen}`", case.expect));
    }
    match case.server_requests {
        Some(expected) if server.requests() != expected => {
            Err(format!("the server saw {} request(s), expected {expected}; outcome `{seen}`", server.requests()))
        }
        _ => Ok(()),
    }
}

#[test]
fn every_case_folder_behaves_as_it_says() {
    let root = workspace_root().join("tests").join("cases");
    let mut dirs: Vec<_> =
        std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    dirs.sort();
    assert!(dirs.len() >= 20, "expected the case folders under {}", root.display());
    let failures: Vec<String> = dirs
        .iter()
        .filter_map(|dir| {
            let name = dir.file_name().unwrap().to_string_lossy().into_owned();
            run_case(dir).err().map(|e| format!("{name}: {e}"))
        })
        .collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n  {}", failures.len(), dirs.len(), failures.join("\n  "));
}
