//! `study`: the study's efficiency comparison, reproduced by one command, with no model
//! and no network (see `cemcp_tests::study`).
//!
//! ```sh
//! cargo run -p cemcp-tests --release --bin study              # all 30 tasks, into target/study
//! cargo run -p cemcp-tests --release --bin study -- --out /tmp/s --task math_mcp_000
//! ```

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use cemcp_tests::study::agent::Endpoint;
use cemcp_tests::study::serve::Cemcp;
use cemcp_tests::study::{self, Options};
use cemcp_tests::workspace_root;
use clap::Parser;

/// Replays the study's 30 MCP-Bench tasks as two agents and counts what each puts
/// through a model.
///
/// For each task, its Python script runs in code mode (traced), then:
///
/// - context-coupled (tool by tool): the traced calls are re-issued one by one to
///   `cemcp serve --expose tools` over stdio with the official Rust SDK client. Each
///   turn carries the tool listing of every connected server (MCP-Bench's prompt
///   format), the task, and every call and result so far: turns = calls + 1.
///
/// - context-decoupled (code mode): through `cemcp serve --expose code`, the code-mode
///   tool definitions, `search_tools` (detail "full", language "python") for each
///   function the script uses, one `run_script` of the script, and its output: 3 turns.
///
/// Tokens are counted with o200k_base (GPT-4o, GPT-4.1). The coupled agent's catalogue
/// grows as the study's did: the task's own servers, + the resident Time MCP, + each
/// of its ten distraction servers; those outside the ten are SYNTHETIC filler tools of
/// the originals' published sizes. Host time is each mode's client-measured round
/// trips. The task text is a fixed template (the benchmark's descriptions are not in
/// this repository); a live model's mistakes and retries are not replayed.
///
/// Writes into the output folder: study.md (the report: per-task and total tokens,
/// savings, turns, host time; the goals), study.json (every figure, per task and per
/// catalogue step), tokens-GROUP.svg (tokens vs servers connected, per task group)
/// and host-time.svg; then lists them. With --endpoint, a live model also runs each task
/// in both modes (its reported tokens, turns and failed calls go in the report). Needs `target/<profile>/cemcp` (built first if
/// missing) and the guest components (built with this binary).
#[derive(Debug, Parser)]
#[command(name = "study", version)]
struct Args {
    /// The folder to write the report, data and charts into [default: target/study].
    #[arg(long, value_name = "DIR")]
    out: Option<PathBuf>,
    /// Run only this task (repeatable), e.g. `--task math_mcp_000`.
    #[arg(long = "task", value_name = "ID")]
    tasks: Vec<String>,
    /// Measure each host time this many times and report the median.
    #[arg(long, value_name = "N", default_value_t = 3)]
    repeat: usize,
    /// Also run a live agent loop in both modes against this OpenAI-compatible Chat
    /// Completions endpoint (its base URL, e.g. `http://127.0.0.1:8080/v1` for a local
    /// server), counting the tokens it reports.
    #[arg(long, value_name = "URL", requires = "model")]
    endpoint: Option<String>,
    /// The model to ask at --endpoint.
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// The environment variable holding the endpoint's API key, if it needs one.
    #[arg(long, value_name = "VAR", default_value = "OPENAI_API_KEY")]
    api_key_env: String,
    /// The most model turns per task and mode in the live loop.
    #[arg(long, value_name = "N", default_value_t = 40)]
    max_turns: usize,
    /// Task texts for the live loop (TOML: `<task id> = "text"`); without it, each
    /// script's first comment paragraph stands in (the benchmark's texts are not here).
    #[arg(long, value_name = "FILE")]
    prompts: Option<PathBuf>,
}

fn main() -> ExitCode {
    // `study cemcp ...` is cemcp itself: the benchmark's MCP server (see `Cemcp`).
    if std::env::args().nth(1).as_deref() == Some("cemcp") {
        return cemcp::cli::main(std::env::args().skip(1));
    }
    let cemcp = match Cemcp::this_binary() {
        Ok(cemcp) => cemcp,
        Err(e) => {
            eprintln!("error: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let args = Args::parse();
    let started = Instant::now();
    let options = Options {
        out: args.out.unwrap_or_else(|| workspace_root().join("target").join("study")),
        tasks: args.tasks,
        repeat: args.repeat,
        agent: args.endpoint.map(|url| Endpoint {
            url,
            model: args.model.unwrap_or_default(),
            api_key: std::env::var(&args.api_key_env).ok().filter(|k| !k.is_empty()),
            max_turns: args.max_turns,
            prompts: args.prompts,
        }),
        command: std::iter::once("study".to_owned()).chain(std::env::args().skip(1)).collect::<Vec<_>>().join(" "),
        cemcp,
    };
    let say = |line: &str| eprintln!("study: {line}");
    match study::run(&options, &say) {
        Ok((study, files)) => {
            let goals = study::report::Goals::of(&study);
            eprintln!(
                "study: {} task(s) in {:.1} s: code mode used {:.2} % of the coupled agent's tokens; \
                 worst host-time ratio {:.3} ({})",
                study.tasks.len(),
                started.elapsed().as_secs_f64(),
                goals.decoupled_percent,
                goals.worst_time_ratio.1,
                goals.worst_time_ratio.0
            );
            println!("wrote:");
            for file in files {
                println!("  {}", file.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("study: error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
