//! One task, measured: its script's traced run replayed tool by tool through
//! `cemcp serve --expose tools`, and run whole through `cemcp serve --expose code`
//! after the discovery calls a model needs; tokens counted for both agents at each
//! step of the task's catalogue, and host time taken for both.

use std::collections::HashMap;
use std::time::Duration;

use anyhow::{anyhow, bail};
use cemcp::TracedCall;
use serde::Serialize;
use serde_json::{Value, json};

use super::catalogue::{Catalogue, Listed, Step};
use super::discovery;
use super::prompt::server_name;
use super::replay::{Conversation, Count, Exchange, call_text};
use super::serve::{Served, is_error, text_of};
use super::tokens::Tokenizer;
use crate::mcpbench::{Task, same_json};

/// What is shared by every task's measurement.
pub struct Bed<'a> {
    /// The tokenizer.
    pub tokenizer: &'a Tokenizer,
    /// `cemcp serve --expose tools`.
    pub tools: &'a Served,
    /// `cemcp serve --expose code`.
    pub code: &'a Served,
    /// The ten servers' tools as listed.
    pub listed: &'a [Listed],
    /// Every server's tools, real and synthetic.
    pub catalogue: &'a Catalogue,
    /// Tokens of the code-mode tools' definitions as the prompt shows them.
    pub code_definitions: u64,
    /// Tokens of each listing counted so far, by its servers.
    pub listings: &'a mut HashMap<Vec<String>, (u64, usize)>,
    /// How many times each host time is measured (the median is kept).
    pub repeat: usize,
}

/// What the traced in-process run of a task's script gave.
pub struct Traced<'a> {
    /// The task.
    pub task: &'a Task,
    /// The script's source.
    pub source: &'a str,
    /// Its output.
    pub output: &'a Value,
    /// What it should output.
    pub expected: &'a Value,
    /// Its tool calls.
    pub trace: &'a [TracedCall],
    /// Its run time in the runtime (no MCP).
    pub wall_time: Duration,
}

/// One step of the context-coupled agent's catalogue.
#[derive(Debug, Clone, Serialize)]
pub struct StepCount {
    /// What is connected.
    #[serde(flatten)]
    pub step: Step,
    /// Tools listed.
    pub tools: usize,
    /// Tokens of the listing.
    pub listing_tokens: u64,
    /// The agent's tokens with this catalogue.
    pub count: Count,
}

/// The context-decoupled agent.
#[derive(Debug, Clone, Serialize)]
pub struct Decoupled {
    /// Its tokens.
    pub count: Count,
    /// `search_tools` calls made.
    pub searches: usize,
    /// Functions the script uses.
    pub functions: usize,
    /// Tokens of the discovery answers.
    pub search_result_tokens: u64,
    /// Tokens of the `run_script` call (the script, as JSON arguments).
    pub script_call_tokens: u64,
    /// Tokens of the script's leading comment, which explains its expected output and
    /// is left out of what the model writes.
    pub header_tokens_left_out: u64,
    /// Tokens of the program's output as the client shows it.
    pub program_output_tokens: u64,
}

/// Host time, as the client measures it (request written to response read); each
/// the median of [`Bed::repeat`] measurements.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct HostTime {
    /// The coupled replay: every call's round trip, summed.
    pub coupled_ms: f64,
    /// One `run_script` of the script.
    pub code_ms: f64,
    /// Time inside the tool calls in the traced in-process run (instantiation
    /// included): the work both agents share.
    pub traced_tools_ms: f64,
    /// The discovery calls before it (not part of `code_ms`).
    pub search_ms: f64,
    /// The traced in-process run (no MCP, no JSON-RPC), for reference.
    pub in_process_ms: f64,
}

/// One task's measurement.
#[derive(Debug, Clone, Serialize)]
pub struct TaskResult {
    /// The task id.
    pub id: String,
    /// Its servers (tool components).
    pub servers: Vec<String>,
    /// Tool calls its script made.
    pub calls: usize,
    /// Whether the traced run's output was the expected one.
    pub traced_output_matches: bool,
    /// Whether `run_script`'s output over MCP was the expected one.
    pub script_output_matches: bool,
    /// Calls that succeeded in the traced run but failed in the tool-by-tool replay
    /// (tools mode keeps no state between calls: a Scientific Computing tensor stored
    /// by one call is gone in the next).
    pub replay_failures: usize,
    /// The coupled agent, at each step of the catalogue (the last: the full set).
    pub coupled: Vec<StepCount>,
    /// The decoupled agent.
    pub decoupled: Decoupled,
    /// Host time.
    pub host: HostTime,
}

impl TaskResult {
    /// The coupled agent with the full distraction set connected.
    pub fn coupled_full(&self) -> Count {
        self.coupled.last().map(|s| s.count).unwrap_or_default()
    }
}

/// The task's text: a fixed template, as the benchmark's fuzzy task descriptions are
/// not in this repository. The same text goes to both agents.
pub fn task_text(task: &Task) -> String {
    let names: Vec<&str> = task.servers.iter().map(|s| server_name(s).unwrap_or(s.as_str())).collect();
    format!("Complete MCP-Bench task `{}` using the {} server(s).", task.id, names.join(", "))
}

/// The script as a model would write it: without its leading comment, which
/// documents how the expected output was worked out.
pub fn as_written(source: &str) -> (String, String) {
    let mut header = String::new();
    let mut lines = source.lines().peekable();
    while let Some(line) = lines.next_if(|l| l.trim().is_empty() || l.trim_start().starts_with('#')) {
        header.push_str(line);
        header.push('\n');
    }
    (lines.collect::<Vec<_>>().join("\n") + "\n", header)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median of `times` (the lower middle one of an even count), in milliseconds.
pub fn median_ms(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times.get(times.len().saturating_sub(1) / 2).copied().map_or(0.0, ms)
}

/// Measures one task.
///
/// # Errors
///
/// When a request to either server fails, or a traced call names a function that is
/// not listed.
pub async fn task(bed: &mut Bed<'_>, run: &Traced<'_>) -> anyhow::Result<TaskResult> {
    let tokenizer = bed.tokenizer;
    let answer = tokenizer.count(&run.output.to_string());
    let task_tokens = tokenizer.count(&task_text(run.task));

    // Context-coupled: every traced call, by its MCP name, through tools mode; the
    // results of the first pass are what is counted, every pass is timed.
    let mut names = Vec::new();
    for call in run.trace {
        let tool = bed
            .listed
            .iter()
            .find(|t| t.component == call.tool && t.wit_function.replace('-', "_") == call.function)
            .ok_or_else(|| anyhow!("{}: `{}.{}` is not listed in tools mode", run.task.id, call.tool, call.function))?;
        names.push(tool.def.name.as_str());
    }
    let (mut exchanges, mut replay_failures, mut coupled_times) = (Vec::new(), 0, Vec::new());
    for pass in 0..bed.repeat.max(1) {
        let mut total = Duration::ZERO;
        for (call, name) in run.trace.iter().zip(&names) {
            let (result, took) = bed.tools.call(name, &call.arguments).await?;
            total += took;
            if pass == 0 {
                if call.ok && is_error(&result) {
                    replay_failures += 1;
                }
                exchanges.push(Exchange {
                    written: tokenizer.count(&call_text(name, &call.arguments)),
                    returned: tokenizer.count(&text_of(&result)),
                });
            }
        }
        coupled_times.push(total);
    }
    let mut coupled = Vec::new();
    for step in bed.catalogue.steps(run.task)? {
        let (listing_tokens, tools) = match bed.listings.get(&step.servers) {
            Some(known) => *known,
            None => {
                let listing = bed.catalogue.listing(&step.servers)?;
                let tools = listing.matches("\nTool: `").count();
                let known = (tokenizer.count(&listing), tools);
                bed.listings.insert(step.servers.clone(), known);
                known
            }
        };
        let conversation = Conversation { prefix: listing_tokens + task_tokens, exchanges: exchanges.clone(), answer };
        coupled.push(StepCount { step, tools, listing_tokens, count: conversation.count() });
    }

    // Context-decoupled: discovery, then the script.
    let components: Vec<String> = run.task.servers.iter().cloned().chain(["time-mcp".to_owned()]).collect();
    let used = discovery::used(run.source, run.trace, bed.listed, &components);
    let (mut searches, mut shown) = (Vec::new(), String::new());
    let mut search_time = Duration::ZERO;
    for function in &used {
        if shown.contains(&function.declared_as()) {
            continue;
        }
        let (result, took) = bed.code.call("search_tools", &function.query()).await?;
        search_time += took;
        let text = text_of(&result);
        if is_error(&result) || !text.contains(&function.declared_as()) {
            bail!("{}: search_tools {} did not declare it: {text}", run.task.id, function.query());
        }
        shown.push_str(&text);
        searches.push((call_text("search_tools", &function.query()), text));
    }
    let (script, header) = as_written(run.source);
    let arguments = json!({ "language": "python", "code": script });
    let (result, first) = bed.code.call("run_script", &arguments).await?;
    let mut code_times = vec![first];
    for _ in 1..bed.repeat.max(1) {
        code_times.push(bed.code.call("run_script", &arguments).await?.1);
    }
    let program_output = text_of(&result);
    let script_output_matches =
        !is_error(&result) && serde_json::from_str::<Value>(&program_output).is_ok_and(|v| same_json(&v, run.expected));
    let script_call_tokens = tokenizer.count(&call_text("run_script", &arguments));
    let program_output_tokens = tokenizer.count(&program_output);
    let search_result_tokens = searches.iter().map(|(_, r)| tokenizer.count(r)).sum();
    let conversation = Conversation {
        prefix: bed.code_definitions + task_tokens,
        exchanges: vec![
            Exchange {
                written: searches.iter().map(|(c, _)| tokenizer.count(c)).sum(),
                returned: search_result_tokens,
            },
            Exchange { written: script_call_tokens, returned: program_output_tokens },
        ],
        answer,
    };

    Ok(TaskResult {
        id: run.task.id.clone(),
        servers: run.task.servers.clone(),
        calls: run.trace.len(),
        traced_output_matches: same_json(run.output, run.expected),
        script_output_matches,
        replay_failures,
        coupled,
        decoupled: Decoupled {
            count: conversation.count(),
            searches: searches.len(),
            functions: used.len(),
            search_result_tokens,
            script_call_tokens,
            header_tokens_left_out: tokenizer.count(&header),
            program_output_tokens,
        },
        host: HostTime {
            coupled_ms: median_ms(coupled_times),
            code_ms: median_ms(code_times),
            traced_tools_ms: run.trace.iter().map(|c| c.micros as f64 / 1000.0).sum(),
            search_ms: ms(search_time),
            in_process_ms: ms(run.wall_time),
        },
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_leading_comment_is_left_out() {
        let (script, header) = super::as_written("# how\n#  it works\n\nx = 1  # keep\n# keep too\nx\n");
        assert_eq!(script, "x = 1  # keep\n# keep too\nx\n");
        assert_eq!(header, "# how\n#  it works\n\n");
    }
}
