//! Runs the shipped examples: the `report` program under `capabilities/example.toml`,
//! through the same code as `cemcp run`; then the study's 30 tasks, each a script in
//! code mode, against its ten MCP servers (`capabilities/mcpbench.toml`) and their
//! offline API services, started here on loopback; then the study's four attacks,
//! each run by an obedient agent through `cemcp serve` under
//! `capabilities/security-open.toml` and `capabilities/security.toml`. Building this
//! binary builds every guest component from source (see `build.rs`).
//!
//! `example cemcp ...` is cemcp itself (the attacks' MCP server).
//!
//! Extra arguments replace the report's default input JSON, e.g.
//! `cargo run -p cemcp-tests --bin example -- '{"pattern": "sandbox"}'`.

use std::io::Write as _;
use std::process::ExitCode;

use cemcp::manifest::Language;
use cemcp_tests::mcpbench::{self, Bench};
use cemcp_tests::security::{ATTACKS, Defence, attack};
use cemcp_tests::study::serve::Cemcp;
use cemcp_tests::{artifacts, workspace_root};

fn main() -> ExitCode {
    if std::env::args().nth(1).as_deref() == Some("cemcp") {
        return cemcp::cli::main(std::env::args().skip(1));
    }
    let input = std::env::args().nth(1).unwrap_or_else(|| r#"{"pattern": "wasm"}"#.to_owned());
    let manifest = workspace_root().join("capabilities").join("example.toml");
    let args = [
        "cemcp".to_owned(),
        "run".to_owned(),
        artifacts::REPORT_COMPONENT.to_owned(),
        "--manifest".to_owned(),
        manifest.display().to_string(),
        "--input".to_owned(),
        input,
        "--stats".to_owned(),
    ];
    eprintln!("$ {}", args.iter().map(|a| shell_quote(a)).collect::<Vec<_>>().join(" "));
    let report = cemcp::cli::main(args);
    if report != ExitCode::SUCCESS {
        return report;
    }
    match study_tasks().and_then(|tasks_ok| Ok(attacks()? && tasks_ok)) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Runs the four attacks twice and prints what each came to; whether every one
/// succeeded without the defence and was stopped with it.
fn attacks() -> anyhow::Result<bool> {
    println!(
        "\nThe study's four attacks, each run by the same obedient agent through `cemcp serve`: the sandbox alone \
         (capabilities/security-open.toml), then with the defence layer (capabilities/security.toml):"
    );
    let cemcp = Cemcp::this_binary()?;
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let mut all = true;
    for (name, task) in ATTACKS {
        let open = runtime.block_on(attack(&cemcp, Defence::SandboxOnly, task))?;
        let guarded = runtime.block_on(attack(&cemcp, Defence::Gates, task))?;
        println!("\n{name}");
        for (label, effect) in [("sandbox alone", &open), ("with defence ", &guarded)] {
            println!(
                "  {label}: {} script(s), {} admin(s) in the db; last read: {}",
                effect.attempts, effect.admins, effect.ended_with
            );
        }
        let stopped = guarded.stopped_by.clone().unwrap_or_else(|| "nothing refused".to_owned());
        println!("  audit log:     {stopped}");
        all &= guarded.stopped_by.is_some();
    }
    Ok(all)
}

/// Runs every task's Python script and prints one line per task; whether all gave
/// their expected output.
fn study_tasks() -> anyhow::Result<bool> {
    let tasks = mcpbench::tasks()?;
    let bench = Bench::start();
    println!(
        "\nThe study's {} tasks, each one Python script in code mode against capabilities/mcpbench.toml \
         (offline API services on loopback; the first script also loads the interpreter):",
        tasks.len()
    );
    println!("{:<46} {:>6} {:>10}  result", "task", "calls", "run time");
    let runtime = bench.runtime()?;
    let mut all = true;
    for task in &tasks {
        let Some(script) = mcpbench::script(task, Language::Python) else {
            println!("{:<46} {:>6} {:>10}  no script", task.id, "-", "-");
            all = false;
            continue;
        };
        let _ = std::io::stdout().flush();
        match mcpbench::run_task(&runtime, task, Language::Python, &script) {
            Ok(run) => {
                let verdict = if run.matches() { "as expected" } else { "DIFFERS from the expected output" };
                all &= run.matches();
                let time = format!("{:.1} ms", run.wall_time.as_secs_f64() * 1000.0);
                println!("{:<46} {:>6} {:>10}  {verdict}", task.id, run.trace.len(), time);
            }
            Err(e) => {
                all = false;
                println!("{:<46} {:>6} {:>10}  FAILED: {e}", task.id, "-", "-");
            }
        }
    }
    Ok(all)
}

fn shell_quote(arg: &str) -> String {
    if arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./:=".contains(c)) {
        arg.to_owned()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}
