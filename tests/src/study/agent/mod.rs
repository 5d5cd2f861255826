//! A real agent loop through both modes, for a user who has a model: an
//! OpenAI-compatible Chat Completions endpoint (`--endpoint`) is asked turn by turn,
//! its tool calls are made through `cemcp serve` (tools mode: the task's servers and
//! the real servers among its distractions, one call at a time; code mode:
//! `search_tools`, `run_script`), and their results go back to it until it answers
//! without calling a tool. What it costs is what the endpoint reports (`usage`), so
//! this measures what the replay cannot: the model's own mistakes and retries.
//!
//! The task text: the benchmark's task descriptions are not in this repository. A
//! prompts file (`--prompts`, TOML: `<task id> = "text"`) gives them; without one, the
//! first paragraph of the task script's leading comment (the repository's own
//! one-sentence statement of the task) stands in, and the report says so. Such a
//! statement may lack the task's data (math_mcp_000's yields are in its script), so
//! without a prompts file the live figures measure the loop, not the benchmark.

pub mod fake;
pub mod openai;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use serde::Serialize;
use serde_json::{Value, json};

use self::openai::{Usage, assistant, function_tool, tool_answer};
use super::serve::{Served, is_error, text_of};

/// Where the model is.
#[derive(Debug, Clone)]
pub struct Endpoint {
    /// The API's base URL, e.g. `http://127.0.0.1:8080/v1` (`/chat/completions` is
    /// appended).
    pub url: String,
    /// The model's name.
    pub model: String,
    /// The bearer token, if the endpoint needs one.
    pub api_key: Option<String>,
    /// The most model turns per task and mode.
    pub max_turns: usize,
    /// Task texts by task id (`--prompts`).
    pub prompts: Option<PathBuf>,
}

/// The system prompt both agents get.
pub const SYSTEM: &str = "You are an agent with tools. Use them to complete the user's task, then answer with \
     the result as JSON and call no more tools.";

/// What one agent did for one task.
#[derive(Debug, Clone, Default, Serialize)]
pub struct AgentRun {
    /// Requests to the model.
    pub turns: usize,
    /// Input tokens the endpoint reported, summed over turns.
    pub prompt_tokens: u64,
    /// Output tokens the endpoint reported.
    pub completion_tokens: u64,
    /// Whether every response reported its usage.
    pub usage_reported: bool,
    /// Tool calls the model made.
    pub tool_calls: usize,
    /// Of those, the ones that failed (bad arguments, a tool error, an unknown tool).
    pub failed_calls: usize,
    /// Its final answer, if it gave one within the turn limit.
    pub answer: Option<String>,
    /// Time waiting for the model.
    pub model_ms: f64,
    /// Time in tool calls (client round trips to `cemcp serve`).
    pub host_ms: f64,
}

/// The OpenAI-compatible client. It uses `ureq` (blocking, run off the async
/// threads), whose rustls uses *ring* by default: reqwest with rustls would need a
/// process-wide crypto provider, and through cargo's feature unification its TLS
/// features would reach every other reqwest user in the workspace's tests.
pub struct Client {
    http: ureq::Agent,
    endpoint: Endpoint,
}

impl Client {
    /// A client for `endpoint` (https through rustls, with the webpki roots).
    ///
    /// # Errors
    ///
    /// When the HTTP client cannot be built.
    pub fn new(endpoint: Endpoint) -> anyhow::Result<Self> {
        let http = ureq::Agent::config_builder()
            .timeout_global(Some(Duration::from_secs(600)))
            .http_status_as_error(false)
            .build()
            .new_agent();
        Ok(Self { http, endpoint })
    }

    /// One Chat Completions request.
    async fn complete(&self, messages: &[Value], tools: &[Value]) -> anyhow::Result<openai::Response> {
        let url = format!("{}/chat/completions", self.endpoint.url.trim_end_matches('/'));
        let body = json!({ "model": self.endpoint.model, "messages": messages, "tools": tools });
        let (http, key, target) = (self.http.clone(), self.endpoint.api_key.clone(), url.clone());
        let (status, text) = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
            let mut request = http.post(&target).header("content-type", "application/json");
            if let Some(key) = key {
                request = request.header("authorization", format!("Bearer {key}"));
            }
            let mut response = request.send(body.to_string()).with_context(|| format!("POST {target}"))?;
            let text =
                response.body_mut().read_to_string().with_context(|| format!("reading the answer of {target}"))?;
            Ok((response.status(), text))
        })
        .await??;
        if !status.is_success() {
            bail!("{url} answered {status}: {}", text.chars().take(500).collect::<String>());
        }
        serde_json::from_str(&text).with_context(|| format!("{url} answered something that is not a chat completion"))
    }

    /// Runs the agent loop: `task` to the model with `tools` (the MCP tools of
    /// `served`), each tool call made through `served`, until the model answers
    /// without a call or the turn limit is reached.
    ///
    /// # Errors
    ///
    /// When the endpoint fails or answers with no message, or a request to `served`
    /// fails (a tool's error is the model's to read, not an error here).
    pub async fn run(&self, served: &Served, tools: &[rmcp::model::Tool], task: &str) -> anyhow::Result<AgentRun> {
        let functions: Vec<Value> = tools.iter().map(function_tool).collect();
        let mut messages =
            vec![json!({ "role": "system", "content": SYSTEM }), json!({ "role": "user", "content": task })];
        let mut run = AgentRun { usage_reported: true, ..AgentRun::default() };
        let (mut model, mut host) = (Duration::ZERO, Duration::ZERO);
        while run.turns < self.endpoint.max_turns {
            let started = Instant::now();
            let response = self.complete(&messages, &functions).await?;
            model += started.elapsed();
            run.turns += 1;
            match response.usage {
                Some(Usage { prompt_tokens, completion_tokens }) => {
                    run.prompt_tokens += prompt_tokens;
                    run.completion_tokens += completion_tokens;
                }
                None => run.usage_reported = false,
            }
            let message = response.message().ok_or_else(|| anyhow!("the model's answer has no message"))?.clone();
            messages.push(assistant(&message));
            if message.tool_calls.is_empty() {
                run.answer = Some(message.content.unwrap_or_default());
                break;
            }
            for call in &message.tool_calls {
                run.tool_calls += 1;
                let text = match serde_json::from_str::<Value>(&call.function.arguments) {
                    Ok(arguments) if arguments.is_object() || arguments.is_null() => {
                        if !tools.iter().any(|t| t.name == call.function.name) {
                            run.failed_calls += 1;
                            format!("no tool is named `{}`", call.function.name)
                        } else {
                            let (result, took) = served.call(&call.function.name, &arguments).await?;
                            host += took;
                            if is_error(&result) {
                                run.failed_calls += 1;
                            }
                            text_of(&result)
                        }
                    }
                    _ => {
                        run.failed_calls += 1;
                        "the arguments are not a JSON object".to_owned()
                    }
                };
                messages.push(tool_answer(&call.id, &text));
            }
        }
        run.model_ms = model.as_secs_f64() * 1000.0;
        run.host_ms = host.as_secs_f64() * 1000.0;
        Ok(run)
    }
}

/// The task texts of a prompts file (TOML, `<task id> = "text"`).
///
/// # Errors
///
/// When it cannot be read or is not such a table.
pub fn prompts(path: &std::path::Path) -> anyhow::Result<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(path).with_context(|| path.display().to_string())?;
    toml::from_str(&text).with_context(|| format!("{}: expected `<task id> = \"text\"` lines", path.display()))
}

/// The first paragraph of a script's leading comment, as one line: the repository's
/// own statement of the task.
pub fn statement(source: &str) -> String {
    let mut words = Vec::new();
    for line in source.lines() {
        let Some(text) = line.trim_start().strip_prefix('#') else { break };
        let text = text.trim();
        if text.is_empty() {
            break;
        }
        words.push(text);
    }
    words.join(" ")
}

/// Both agents on one task.
#[derive(Debug, Clone, Serialize)]
pub struct AgentTask {
    /// The task id.
    pub id: String,
    /// Where its text came from: "prompts file" or "script comment".
    pub text_from: String,
    /// Tools offered to the coupled agent.
    pub coupled_tools: usize,
    /// The coupled agent (tools mode).
    pub coupled: AgentRun,
    /// The decoupled agent (code mode).
    pub decoupled: AgentRun,
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_statement_is_the_first_comment_paragraph() {
        let source = "# t (X): do this\n# and that.\n#\n# Chain: ...\nx = 1\n";
        assert_eq!(super::statement(source), "t (X): do this and that.");
    }
}
