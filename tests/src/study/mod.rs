//! The study's efficiency comparison, reproduced: for each of the 30 MCP-Bench tasks,
//! two agents replayed over the same tool calls, and what each puts through a model
//! counted with a real tokenizer; host time measured through `cemcp serve`.
//!
//! - **Context-coupled** (tool by tool, as MCP clients do today): every turn carries
//!   every connected server's tool listing, the task, and every call and result so
//!   far; one call per turn. The calls are the task script's traced calls, re-issued
//!   one by one over stdio to `cemcp serve --expose tools`; their results (the text a
//!   client shows the model) are what is counted.
//! - **Context-decoupled** (code mode): the code-mode tools' definitions, the
//!   `search_tools` calls that declare the functions the script uses, the script,
//!   and the program's output, through `cemcp serve --expose code`: three turns.
//!
//! The catalogue grows as the study's did: the task's own servers, then the resident
//! Time MCP, then its ten distraction servers one by one (the ones outside the ten
//! are SYNTHETIC filler of the originals' sizes: see [`filler`]).
//!
//! This lives in the test crate, as the `study` binary, rather than in `cemcp` as a
//! subcommand: it needs the test bed (the offline API services, the tasks, their
//! scripts and expected outputs), a tokenizer and a chart library, none of which the
//! product binary should carry.

pub mod agent;
pub mod catalogue;
pub mod discovery;
pub mod filler;
pub mod measure;
pub mod plots;
pub mod prompt;
pub mod replay;
pub mod report;
pub mod serve;
pub mod tokens;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::{Instant, SystemTime};

use anyhow::{Context as _, anyhow, bail};
use cemcp::manifest::Language;
use serde::Serialize;
use serde_json::json;

use self::catalogue::Catalogue;
use self::filler::{FillerServer, Published};
use self::measure::{Bed, TaskResult, Traced};
use self::serve::{Served, text_of};
use self::tokens::Tokenizer;
use crate::mcpbench::{self, Bench};

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// Where to write the report, data and charts.
    pub out: PathBuf,
    /// Task ids to run (all 30 when empty).
    pub tasks: Vec<String>,
    /// How many times each host time is measured (the median is reported).
    pub repeat: usize,
    /// The command line, for the report.
    pub command: String,
    /// A model to run a live agent loop with, in both modes, after the replay.
    pub agent: Option<agent::Endpoint>,
    /// What serves MCP (see [`serve::Cemcp`]).
    pub cemcp: serve::Cemcp,
}

/// A listing's size.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ListingSize {
    /// Tools.
    pub tools: usize,
    /// Characters of the prompt-format listing.
    pub chars: u64,
    /// Its tokens.
    pub tokens: u64,
}

/// One-time costs paid before the first task, and the round trip of a trivial
/// request in each mode once warm (medians of [`BASELINE_RUNS`]).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct WarmUp {
    /// The first `run_script` (a trivial script): the interpreter loaded and linked.
    pub first_script_ms: f64,
    /// The first tools-mode call (`time_mcp_get_current_time`).
    pub first_tool_call_ms: f64,
    /// A trivial `run_script` (`0`), warm.
    pub trivial_script_ms: f64,
    /// A trivial tools-mode call (`time_mcp_get_current_time`), warm.
    pub trivial_tool_call_ms: f64,
}

/// How many trivial requests the warm round trips are the median of.
pub const BASELINE_RUNS: usize = 9;

/// How the study was run.
#[derive(Debug, Clone, Serialize)]
pub struct Meta {
    /// The command line.
    pub command: String,
    /// When it started (RFC 3339, UTC).
    pub started: String,
    /// Seconds from start to the last task measured.
    pub elapsed_s: f64,
    /// Cores available.
    pub cores: usize,
    /// The build profile (`release` or `debug`).
    pub build: String,
    /// The tokenizer.
    pub tokenizer: String,
    /// The ten servers' listing, from cemcp's tools/list.
    pub ten_servers: ListingSize,
    /// The study's published prompt-format size of the same ten servers.
    pub study_ten_servers_chars: u64,
    /// The code-mode tools' definitions.
    pub code_definitions: ListingSize,
    /// Their names.
    pub code_tools: Vec<String>,
    /// The synthetic filler servers.
    pub filler: Vec<FillerServer>,
    /// Largest residual of the published sums with the filler sizes (chars, tools).
    pub filler_residuals: (i64, i64),
    /// The task text's template.
    pub task_template: String,
    /// How many times each host time was measured (the median is reported).
    pub repeat: usize,
    /// One-time costs.
    pub warm_up: WarmUp,
    /// The live agent's endpoint and model, when one was used.
    pub agent_endpoint: Option<String>,
}

/// The study's results.
#[derive(Debug, Clone, Serialize)]
pub struct Study {
    /// How it was run.
    pub meta: Meta,
    /// Each task.
    pub tasks: Vec<TaskResult>,
    /// The live agent loop's runs, when an endpoint was given.
    pub agent: Vec<agent::AgentTask>,
}

/// Runs the study and writes its report into `options.out`; the files written.
/// `say` is told what is happening.
///
/// # Errors
///
/// When a task cannot be run or measured, or the report cannot be written.
pub fn run(options: &Options, say: &dyn Fn(&str)) -> anyhow::Result<(Study, Vec<PathBuf>)> {
    let study = measure_all(options, say)?;
    say(&format!("writing the report to {}", options.out.display()));
    let files = report::write(&study, &options.out)?;
    Ok((study, files))
}

/// Runs the study.
///
/// # Errors
///
/// As [`run`].
pub fn measure_all(options: &Options, say: &dyn Fn(&str)) -> anyhow::Result<Study> {
    let started = Instant::now();
    let started_at = humantime::format_rfc3339_seconds(SystemTime::now()).to_string();
    let all = mcpbench::tasks()?;
    let tasks: Vec<_> = if options.tasks.is_empty() {
        all.clone()
    } else {
        let picked: Vec<_> = all.iter().filter(|t| options.tasks.contains(&t.id)).cloned().collect();
        if let Some(unknown) = options.tasks.iter().find(|id| !all.iter().any(|t| &t.id == *id)) {
            bail!("no task `{unknown}` in tests/mcpbench/tasks.toml");
        }
        picked
    };
    say("loading the tokenizer (o200k_base)");
    let tokenizer = Tokenizer::o200k()?;
    let published = Published::load()?;
    let (filler, filler_residuals) = filler::solve(&published, &all)?;
    say(&format!(
        "sized {} synthetic filler servers from the study's published listing sizes (largest residual: {} chars, {} tools)",
        filler.len(),
        filler_residuals.0,
        filler_residuals.1
    ));
    let cemcp = &options.cemcp;
    say("starting the offline API services and loading capabilities/mcpbench.toml");
    let bench = Bench::start();
    let runtime = bench.runtime()?;
    let manifest = bench.manifest_file();

    let tokio = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    say("starting cemcp serve --expose tools and --expose code");
    let (tools, code) = tokio.block_on(async {
        anyhow::Ok((Served::start(cemcp, &manifest, "tools").await?, Served::start(cemcp, &manifest, "code").await?))
    })?;
    let (raw_tools, raw_code) = tokio.block_on(async { anyhow::Ok((tools.tools().await?, code.tools().await?)) })?;
    let listed = catalogue::listed(&raw_tools)?;
    let code_defs = catalogue::code_mode(&raw_code);
    let warm_up = tokio.block_on(async {
        let trivial_script = json!({ "language": "python", "code": "0" });
        let trivial_call = json!({ "timezone": "UTC" });
        let (script, first_script) = code.call("run_script", &trivial_script).await?;
        if serve::is_error(&script) {
            bail!("a trivial run_script failed: {}", text_of(&script));
        }
        let (_, first_tool) = tools.call("time_mcp_get_current_time", &trivial_call).await?;
        let (mut scripts, mut calls) = (Vec::new(), Vec::new());
        for _ in 0..BASELINE_RUNS {
            scripts.push(code.call("run_script", &trivial_script).await?.1);
            calls.push(tools.call("time_mcp_get_current_time", &trivial_call).await?.1);
        }
        anyhow::Ok(WarmUp {
            first_script_ms: first_script.as_secs_f64() * 1000.0,
            first_tool_call_ms: first_tool.as_secs_f64() * 1000.0,
            trivial_script_ms: measure::median_ms(scripts),
            trivial_tool_call_ms: measure::median_ms(calls),
        })
    })?;
    let ten_listing = prompt::listing(listed.iter().map(|t| &t.def));
    let code_listing = prompt::listing(&code_defs);
    let catalogue = Catalogue::new(&listed, &filler);
    let mut listings = HashMap::new();
    let mut bed = Bed {
        tokenizer: &tokenizer,
        tools: &tools,
        code: &code,
        listed: &listed,
        catalogue: &catalogue,
        code_definitions: tokenizer.count(&code_listing),
        listings: &mut listings,
        repeat: options.repeat,
    };

    let (mut results, mut sources) = (Vec::new(), Vec::new());
    for (i, task) in tasks.iter().enumerate() {
        let script = mcpbench::script(task, Language::Python)
            .ok_or_else(|| anyhow!("{}: no Python script in tests/mcpbench/tasks", task.id))?;
        let source = std::fs::read_to_string(&script).with_context(|| script.display().to_string())?;
        let run = mcpbench::run_task(&runtime, task, Language::Python, &script).map_err(|e| anyhow!(e))?;
        let traced = Traced {
            task,
            source: &source,
            output: &run.output,
            expected: &run.expected,
            trace: &run.trace,
            wall_time: run.wall_time,
        };
        let result = tokio.block_on(measure::task(&mut bed, &traced))?;
        let (c, d) = (result.coupled_full(), result.decoupled.count);
        say(&format!(
            "[{:>2}/{}] {:<44} {:>3} calls  tokens {:>9} coupled / {:>6} code ({:>5.1} % saved)  host {:>7.1} / {:>5.1} ms",
            i + 1,
            tasks.len(),
            task.id,
            result.calls,
            report::thousands(c.total()),
            report::thousands(d.total()),
            100.0 - d.total() as f64 * 100.0 / c.total().max(1) as f64,
            result.host.coupled_ms,
            result.host.code_ms
        ));
        results.push(result);
        sources.push(source);
    }
    let live = match &options.agent {
        Some(endpoint) => {
            let served = LiveServers { tools: &tools, code: &code, raw_tools: &raw_tools, raw_code: &raw_code };
            tokio.block_on(live_agents(endpoint, &served, &listed, &tasks, &sources, say))?
        }
        None => Vec::new(),
    };
    tokio.block_on(async {
        tools.stop().await;
        code.stop().await;
    });
    drop(bench);

    let study_ten_servers_chars = published.server.values().map(|s| s.chars).sum();
    Ok(Study {
        meta: Meta {
            command: options.command.clone(),
            started: started_at,
            elapsed_s: started.elapsed().as_secs_f64(),
            cores: std::thread::available_parallelism().map_or(1, usize::from),
            build: if cfg!(debug_assertions) { "debug" } else { "release" }.to_owned(),
            tokenizer: "o200k_base (tiktoken-rs)".to_owned(),
            ten_servers: ListingSize {
                tools: listed.len(),
                chars: ten_listing.len() as u64,
                tokens: tokenizer.count(&ten_listing),
            },
            study_ten_servers_chars,
            code_definitions: ListingSize {
                tools: code_defs.len(),
                chars: code_listing.len() as u64,
                tokens: tokenizer.count(&code_listing),
            },
            code_tools: code_defs.iter().map(|t| t.name.clone()).collect(),
            filler,
            filler_residuals,
            task_template: "Complete MCP-Bench task `<id>` using the <servers> server(s).".to_owned(),
            repeat: options.repeat.max(1),
            warm_up,
            agent_endpoint: options.agent.as_ref().map(|e| format!("{} (model {})", e.url, e.model)),
        },
        tasks: results,
        agent: live,
    })
}

/// The two servers and their tool lists, for the live agent.
struct LiveServers<'a> {
    tools: &'a Served,
    code: &'a Served,
    raw_tools: &'a [rmcp::model::Tool],
    raw_code: &'a [rmcp::model::Tool],
}

/// The live agent loop on each task, in both modes.
async fn live_agents(
    endpoint: &agent::Endpoint,
    served: &LiveServers<'_>,
    listed: &[catalogue::Listed],
    tasks: &[mcpbench::Task],
    sources: &[String],
    say: &dyn Fn(&str),
) -> anyhow::Result<Vec<agent::AgentTask>> {
    let client = agent::Client::new(endpoint.clone())?;
    let prompts = endpoint.prompts.as_deref().map(agent::prompts).transpose()?.unwrap_or_default();
    let mut runs = Vec::new();
    for (task, source) in tasks.iter().zip(sources) {
        let (text, text_from) = match prompts.get(&task.id) {
            Some(text) => (text.clone(), "prompts file"),
            None => (agent::statement(source), "script comment"),
        };
        // The coupled agent is offered every real server connected: its own, Time MCP,
        // and its distraction servers among the ten (the synthetic ones cannot be called).
        let connected: Vec<&str> = task
            .servers
            .iter()
            .map(String::as_str)
            .chain([prompt::RESIDENT])
            .chain(task.distraction.iter().filter_map(|d| prompt::component_of(d)))
            .collect();
        let offered: Vec<rmcp::model::Tool> = served
            .raw_tools
            .iter()
            .zip(listed)
            .filter(|(_, l)| connected.contains(&l.component.as_str()))
            .map(|(t, _)| t.clone())
            .collect();
        say(&format!("live agent: {} (tools mode, {} tools)", task.id, offered.len()));
        let coupled = client.run(served.tools, &offered, &text).await?;
        say(&format!("live agent: {} (code mode)", task.id));
        let decoupled = client.run(served.code, served.raw_code, &text).await?;
        runs.push(agent::AgentTask {
            id: task.id.clone(),
            text_from: text_from.to_owned(),
            coupled_tools: offered.len(),
            coupled,
            decoupled,
        });
    }
    Ok(runs)
}

/// The files in `dir`, sorted: what a run wrote there.
///
/// # Errors
///
/// When it cannot be read.
pub fn listing_of(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files: Vec<PathBuf> =
        std::fs::read_dir(dir)?.filter_map(Result::ok).map(|e| e.path()).filter(|p| p.is_file()).collect();
    files.sort();
    Ok(files)
}
