//! Capability cases: every `tests/cases/<name>.toml` but `base.toml` is one test,
//! named after its file (`cargo test -p cemcp-tests --test cases fs-symlink-escape`
//! runs one). A case says which program to run, with what input, and which text the
//! outcome must contain (a manifest error, a refusal, a run error, or the program's
//! output); its `[manifest]` table is merged into `base.toml` (tables key by key,
//! other values replaced). Add a case by adding a file.
//!
//! Placeholders in both files: `{FILES}`, `{KV}`, `{FLAKY}`, `{HTTP}`, `{CONFIG}`
//! (the built components) and `{PORT}` (a loopback HTTP server started for the case).
//!
//! `CEMCP_SHOW_CASES=1 cargo test -p cemcp-tests --test cases -- --nocapture` prints
//! every case's outcome.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::{Path, PathBuf};

use cemcp_tests::http_server::TestServer;
use cemcp_tests::{TestBed, artifacts, workspace_root};
use libtest_mimic::{Arguments, Failed, Trial};
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
    /// What the case changes in `base.toml`.
    #[serde(default)]
    manifest: toml::Table,
}

fn main() {
    let args = Arguments::from_args();
    let dir = workspace_root().join("tests").join("cases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml") && p.file_stem().is_some_and(|s| s != "base"))
        .collect();
    files.sort();
    assert!(files.len() >= 20, "expected the case files under {}", dir.display());
    let trials = files
        .into_iter()
        .map(|path| {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            Trial::test(name, move || run_case(&path).map_err(Failed::from))
        })
        .collect();
    libtest_mimic::run(&args, trials).exit();
}

fn program_path(name: &str) -> Result<&'static str, String> {
    match name {
        "probe" => Ok(artifacts::PROBE_COMPONENT),
        "report" => Ok(artifacts::REPORT_COMPONENT),
        other => Err(format!("unknown program `{other}`")),
    }
}

/// What a user would see: the first error on the way, or the program's output.
fn outcome(bed: &TestBed, manifest: &str, case: &Case) -> Result<String, String> {
    let runtime = match bed.runtime(manifest) {
        Ok(runtime) => runtime,
        Err(e) => return Ok(format!("{e:#}")),
    };
    Ok(match bed.run(&runtime, program_path(&case.program)?, case.profile.as_deref(), &case.input) {
        Err(refused) => format!("{refused:#}"),
        Ok(Err(failed)) => failed.to_string(),
        Ok(Ok(output)) => Value::to_string(&output),
    })
}

/// `overlay` merged into `base`: tables key by key, any other value replaced.
fn merge(base: &mut toml::Table, overlay: toml::Table) {
    for (key, value) in overlay {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(into)), toml::Value::Table(from)) => merge(into, from),
            (_, value) => {
                base.insert(key, value);
            }
        }
    }
}

fn run_case(path: &Path) -> Result<(), String> {
    let server = TestServer::start();
    let fill = |text: String| {
        [
            ("{FILES}", artifacts::FILES_COMPONENT),
            ("{KV}", artifacts::KV_COMPONENT),
            ("{FLAKY}", artifacts::FLAKY_COMPONENT),
            ("{HTTP}", artifacts::HTTP_COMPONENT),
            ("{CONFIG}", artifacts::CONFIG_COMPONENT),
        ]
        .iter()
        .fold(text, |text, (from, to)| text.replace(from, to))
        .replace("{PORT}", &server.port().to_string())
    };
    let read = |path: &Path| std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()));
    let case: Case = toml::from_str(&fill(read(path)?)).map_err(|e| format!("{}: {e}", path.display()))?;
    let base_path = path.with_file_name("base.toml");
    let mut manifest: toml::Table = toml::from_str(&fill(read(&base_path)?)).map_err(|e| format!("base.toml: {e}"))?;
    merge(&mut manifest, case.manifest.clone());
    let manifest = toml::to_string(&manifest).map_err(|e| e.to_string())?;
    let bed = TestBed::new();
    for (link, target) in &case.symlinks {
        std::os::unix::fs::symlink(target, bed.path().join(link)).map_err(|e| format!("symlink {link}: {e}"))?;
    }
    let seen = outcome(&bed, &manifest, &case)?;
    if std::env::var_os("CEMCP_SHOW_CASES").is_some() {
        println!("{}: {seen}", path.display());
    }
    if !seen.contains(&case.expect) {
        return Err(format!("expected `{}`\n  in `{seen}`", case.expect));
    }
    match case.server_requests {
        Some(expected) if server.requests() != expected => {
            Err(format!("the server saw {} request(s), expected {expected}; outcome `{seen}`", server.requests()))
        }
        _ => Ok(()),
    }
}
