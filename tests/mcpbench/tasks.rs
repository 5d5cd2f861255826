//! The 30 MCP-Bench tasks (tests/mcpbench/tasks.toml), each a script run in code mode
//! against the ten servers and their offline services, its output checked against
//! `<id>.expected.json`. One test per script: `<id>.py`, and `<id>.js` where there is
//! one (`cargo test -p cemcp-tests --test mcpbench weather_data_000` runs one task).
//!
//! Each run is traced; the traces are written to `target/mcpbench/traces/<id>.<ext>.jsonl`
//! (what `cemcp run --trace` writes), for the study benchmark to replay, and checked:
//! at least one call, and only to the task's own servers and Time MCP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::Path;
use std::sync::Arc;

use cemcp::manifest::Language;
use cemcp::{CancelToken, Runtime, TracedCall};
use cemcp_tests::mcpbench::{self, Bench, Task};
use cemcp_tests::{artifacts, workspace_root};
use libtest_mimic::{Arguments, Failed, Trial};
use serde_json::Value;

fn main() {
    let args = Arguments::from_args();
    let tasks = mcpbench::tasks().unwrap();
    assert_eq!(tasks.len(), 30, "tasks.toml lists the study's 30 tasks");
    let bench = Arc::new(Bench::start());
    let runtime = Arc::new(bench.runtime().unwrap_or_else(|e| panic!("capabilities/mcpbench.toml: {e:#}")));
    let traces = workspace_root().join("target").join("mcpbench").join("traces");
    std::fs::create_dir_all(&traces).unwrap();

    let mut trials = vec![every_task_has_a_python_script(&tasks)];
    for task in tasks {
        for language in [Language::Python, Language::Javascript] {
            let Some(script) = mcpbench::script(&task, language) else { continue };
            let (runtime, bench, task, traces) =
                (Arc::clone(&runtime), Arc::clone(&bench), task.clone(), traces.clone());
            let name = script.file_name().unwrap().to_string_lossy().into_owned();
            trials.push(Trial::test(name, move || {
                let _alive = &bench; // the services answer for as long as any task runs
                check_task(&runtime, &task, language, &script, &traces).map_err(Failed::from)
            }));
        }
    }
    let (runtime_for_denials, bench_for_denials) = (Arc::clone(&runtime), Arc::clone(&bench));
    trials.push(Trial::test("every server is refused to a profile that does not grant it", move || {
        let _alive = &bench_for_denials;
        refusals(&runtime_for_denials).map_err(Failed::from)
    }));
    let (runtime_for_program, bench_for_program) = (Arc::clone(&runtime), Arc::clone(&bench));
    trials.push(Trial::test("math_mcp_000.wasm (a Rust component program)", move || {
        let _alive = &bench_for_program;
        component_task(&runtime_for_program).map_err(Failed::from)
    }));
    libtest_mimic::run(&args, trials).exit();
}

/// A script under a profile that does not grant a server cannot call it: for each
/// server but Time MCP (which every profile grants, as the benchmark keeps it
/// connected), the call is refused with the reason, before anything runs.
fn refusals(runtime: &Runtime) -> Result<(), String> {
    let calls = [
        ("weather-data", "get_current_weather_tool(city=\"Springfield\")"),
        ("unit-converter", "convert_length(value=1, from_unit=\"mile\", to_unit=\"meter\")"),
        ("wikipedia", "get_summary(title=\"CRISPR\")"),
        ("call-for-papers", "get_events(keywords=\"CRISPR\")"),
        ("math-mcp", "add(firstNumber=1, secondNumber=2)"),
        ("paper-search", "search_arxiv(query=\"CRISPR\")"),
        ("car-price-evaluator", "get_car_brands()"),
        ("scientific-computing", "gradient(f_str=\"x*y\")"),
        ("reddit", "fetch_reddit_hot_threads(subreddit=\"MachineLearning\")"),
    ];
    for (server, call) in calls {
        // Profile `math-mcp` grants Math MCP and Time MCP only.
        let denied = if server == "math-mcp" { "reddit" } else { "math-mcp" };
        let profile = runtime.profile(Some(denied)).map_err(|e| e.to_string())?;
        let interpreter = runtime.interpreter_for(Language::Python, profile).map_err(|e| e.to_string())?;
        let tool = server.replace('-', "_");
        let source = format!("tools.{tool}.{call}");
        match runtime.run_script(&interpreter, &source, "{}", &CancelToken::new()) {
            Ok(out) => return Err(format!("{server} was reachable from profile `{denied}`: {}", out.output)),
            Err(e) if e.to_string().contains(&format!("tool `{tool}` is not granted to profile `{denied}`")) => {}
            Err(e) => return Err(format!("{server}: unexpected failure: {e}")),
        }
    }
    Ok(())
}

/// `math_mcp_000` as a Rust component (guests/mcpbench/task-math-mcp-000): the same
/// output as its script, through typed WIT calls instead of JSON.
fn component_task(runtime: &Runtime) -> Result<(), String> {
    let wasm = std::fs::read(artifacts::TASK_MATH_MCP_000_COMPONENT).map_err(|e| e.to_string())?;
    let program = runtime.load_program(&wasm, Some("math-mcp")).map_err(|e| e.to_string())?;
    let out = runtime.run_traced(&program, "{}", &CancelToken::new()).map_err(|e| e.to_string())?;
    let expected =
        std::fs::read_to_string(mcpbench::tasks_dir().join("math_mcp_000.expected.json")).map_err(|e| e.to_string())?;
    let (output, expected): (Value, Value) = (
        serde_json::from_str(&out.output).map_err(|e| e.to_string())?,
        serde_json::from_str(&expected).map_err(|e| e.to_string())?,
    );
    if !mcpbench::same_json(&output, &expected) {
        return Err(format!("got {output}, expected {expected}"));
    }
    if out.trace.len() != 16 || out.trace.iter().any(|c| c.tool != "math-mcp") {
        return Err(format!("expected 16 Math MCP calls, traced {:?}", out.trace));
    }
    Ok(())
}

fn every_task_has_a_python_script(tasks: &[Task]) -> Trial {
    let missing: Vec<String> = tasks
        .iter()
        .filter(|t| {
            mcpbench::script(t, Language::Python).is_none()
                || !mcpbench::tasks_dir().join(format!("{}.expected.json", t.id)).is_file()
        })
        .map(|t| t.id.clone())
        .collect();
    Trial::test("every task has a python script and an expected output", move || {
        if missing.is_empty() { Ok(()) } else { Err(format!("missing: {}", missing.join(", ")).into()) }
    })
}

fn check_task(runtime: &Runtime, task: &Task, language: Language, script: &Path, traces: &Path) -> Result<(), String> {
    let run = mcpbench::run_task(runtime, task, language, script)?;
    let file = traces.join(format!("{}.jsonl", script.file_name().unwrap_or_default().to_string_lossy()));
    std::fs::write(&file, mcpbench::trace_lines(&run.trace)).map_err(|e| format!("{}: {e}", file.display()))?;
    check_trace(task, &run.trace)?;
    if !run.matches() {
        return Err(format!(
            "{}: the output differs from {}.expected.json\n  got:      {}\n  expected: {}",
            task.id, task.id, run.output, run.expected
        ));
    }
    Ok(())
}

fn check_trace(task: &Task, trace: &[TracedCall]) -> Result<(), String> {
    if trace.is_empty() {
        return Err(format!("{} called no tool", task.id));
    }
    match trace.iter().find(|call| call.tool != "time-mcp" && !task.servers.contains(&call.tool)) {
        Some(call) => Err(format!("{} called `{}`, which is not one of its servers", task.id, call.tool)),
        None => Ok(()),
    }
}
