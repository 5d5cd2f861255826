//! Many concurrent `run_program` requests over Streamable HTTP, from a client on
//! loopback, against a `cemcp serve --http` this process starts: every answer must be
//! the run's output or the documented busy refusal (HTTP 503 with `Retry-After`, or a
//! result starting `[cemcp: busy]`); anything else is a failure and is shown.
//!
//! Requests are stateless (MCP 2026-07-28: one POST, no session), so each is a whole
//! `tools/call` on its own connection, as independent agents would send them.

use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, BufReader, Lines};
use tokio::process::ChildStderr;

use crate::study::serve::Cemcp;
use crate::{TestBed, artifacts, workspace_root};

/// What to send.
#[derive(Debug, Clone)]
pub struct Load {
    /// Requests in all.
    pub requests: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// The manifest's `[server]` lines (`max-runs = 4`), empty for the defaults.
    pub server: String,
    /// The `probe` program's input for every run.
    pub input: Value,
    /// Everything must be answered within this.
    pub deadline: Duration,
}

/// How each request was answered, with the time each took.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Runs that succeeded.
    pub ok: Vec<Duration>,
    /// Requests refused as busy.
    pub busy: Vec<Duration>,
    /// Every other answer, in words.
    pub failed: Vec<String>,
    /// From the first request sent to the last answer.
    pub wall: Duration,
}

/// How one request was answered.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// The run's output.
    Ok,
    /// The documented busy refusal.
    Busy,
    /// Anything else, in words.
    Failed(String),
}

/// A stateless (2026-07-28) `tools/call` of `run_program` with `arguments` posted to
/// `url`: the status, the headers (one `name: value` line each) and the body.
///
/// # Errors
///
/// When the request cannot be sent or its answer read.
pub async fn post_run(client: &reqwest::Client, url: &str, arguments: &Value) -> anyhow::Result<(u16, String, String)> {
    let body = json!({ "jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {
        "name": "run_program", "arguments": arguments,
        "_meta": { "io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {} } } });
    let response = client
        .post(url)
        .header("Content-Type", "application/json")
        .header("Accept", "application/json, text/event-stream")
        .header("MCP-Protocol-Version", "2026-07-28")
        .header("Mcp-Method", "tools/call")
        .header("Mcp-Name", "run_program")
        .body(body.to_string())
        .send()
        .await?;
    let status = response.status().as_u16();
    let headers = response.headers().iter().map(|(k, v)| format!("{k}: {}\n", v.to_str().unwrap_or(""))).collect();
    Ok((status, headers, response.text().await?))
}

/// Classifies an answer to [`post_run`]: a 503 with `Retry-After` and a busy
/// JSON-RPC error, or a 200 whose result is the run's output or `[cemcp: busy]`.
#[must_use]
pub fn classify(status: u16, headers: &str, body: &str) -> Answer {
    if status == 503 {
        return if headers.contains("retry-after: ") && body.contains("the host is busy") {
            Answer::Busy
        } else {
            Answer::Failed(format!("503 without the documented busy answer: {headers}{body}"))
        };
    }
    // The answer is JSON, or server-sent events whose last data line is the answer.
    let json = body.lines().filter_map(|line| line.strip_prefix("data:")).next_back().unwrap_or(body);
    let Ok(message) = serde_json::from_str::<Value>(json.trim()) else {
        return Answer::Failed(format!("{status}: not a JSON-RPC answer: {body}"));
    };
    let text = message.pointer("/result/content/0/text").and_then(Value::as_str).unwrap_or_default();
    match message.pointer("/result/isError").and_then(Value::as_bool) {
        Some(false) if status == 200 => Answer::Ok,
        Some(true) if text.starts_with("[cemcp: busy]") => Answer::Busy,
        _ => Answer::Failed(format!("{status}: {}", message.to_string().chars().take(400).collect::<String>())),
    }
}

/// Reads `cemcp serve --http`'s stderr up to the line with its address and returns
/// the URL (`http://127.0.0.1:<port>/mcp`), or everything it printed if it exited
/// before listening.
///
/// # Errors
///
/// What it printed, when it exited (or its stderr failed) before listening.
pub async fn wait_for_url(log: &mut Lines<BufReader<ChildStderr>>) -> Result<String, String> {
    let mut seen = String::new();
    while let Some(line) = log.next_line().await.map_err(|e| e.to_string())? {
        if let Some(url) = line.strip_prefix("cemcp: serving MCP on ") {
            return Ok(url.to_owned());
        }
        seen.push_str(&line);
        seen.push('\n');
    }
    Err(seen)
}

/// A `cemcp serve --http` on loopback, on the base manifest with `probe` registered;
/// killed when dropped.
pub struct Served {
    child: tokio::process::Child,
    /// Its MCP endpoint.
    pub url: String,
    _bed: TestBed,
}

impl Served {
    /// Starts it with `server` as the manifest's `[server]` section.
    ///
    /// # Errors
    ///
    /// When it does not start listening.
    pub async fn start(cemcp: &Cemcp, server: &str) -> anyhow::Result<Self> {
        let bed = TestBed::new();
        let manifest = format!(
            "{}\n[program.probe]\ncomponent = \"{}\"\n\n[server]\n{server}\n",
            TestBed::base_manifest(),
            artifacts::PROBE_COMPONENT,
        );
        let mut child = tokio::process::Command::new(cemcp.path())
            .args(["cemcp", "serve", "-m"])
            .arg(bed.write_manifest(&manifest))
            .args(["--expose", "code", "--http", "127.0.0.1:0"])
            .env("CEMCP_CACHE_DIR", workspace_root().join("target/test-cache"))
            .env_remove("CEMCP_MANIFEST")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .context("starting cemcp serve --http")?;
        let mut log = BufReader::new(child.stderr.take().context("stderr is piped")?).lines();
        let url = wait_for_url(&mut log)
            .await
            .map_err(|said| anyhow::anyhow!("cemcp serve exited before listening:\n{said}"))?;
        // Keep reading its log, so that a full pipe never stalls the server.
        tokio::spawn(async move { while let Ok(Some(_)) = log.next_line().await {} });
        Ok(Self { child, url, _bed: bed })
    }

    /// The server's process id.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// Runs `probe` with `input` once and says how it was answered.
    ///
    /// # Errors
    ///
    /// When the request cannot be sent or its answer read.
    pub async fn run_probe(&self, client: &reqwest::Client, input: &Value) -> anyhow::Result<Answer> {
        let (status, headers, body) = post_run(client, &self.url, &json!({ "name": "probe", "input": input })).await?;
        Ok(classify(status, &headers, &body))
    }
}

/// Starts a server with `load.server`, warms it with one run, and sends the load.
///
/// # Errors
///
/// When the server does not start or the warm-up run fails.
pub async fn run(cemcp: &Cemcp, load: &Load) -> anyhow::Result<Outcome> {
    let server = Served::start(cemcp, &load.server).await?;
    let client = reqwest::Client::builder().pool_max_idle_per_host(load.concurrency).timeout(load.deadline).build()?;
    let warm = server.run_probe(&client, &load.input).await?;
    if warm != Answer::Ok {
        bail!("the warm-up run failed: {warm:?}");
    }
    let arguments = json!({ "name": "probe", "input": load.input });
    let url = server.url.clone();

    let permits = std::sync::Arc::new(tokio::sync::Semaphore::new(load.concurrency));
    let started = Instant::now();
    let tasks: Vec<_> = (0..load.requests)
        .map(|_| {
            let (client, url, arguments, permits) =
                (client.clone(), url.clone(), arguments.clone(), std::sync::Arc::clone(&permits));
            tokio::spawn(async move {
                let _permit = permits.acquire_owned().await;
                let sent = Instant::now();
                let answer = match post_run(&client, &url, &arguments).await {
                    Ok((status, headers, body)) => classify(status, &headers, &body),
                    Err(e) => Answer::Failed(format!("no answer: {e:#}")),
                };
                (answer, sent.elapsed())
            })
        })
        .collect();
    let mut outcome = Outcome::default();
    let deadline = tokio::time::Instant::now() + load.deadline;
    for task in tasks {
        match tokio::time::timeout_at(deadline, task).await {
            Ok(Ok((Answer::Ok, took))) => outcome.ok.push(took),
            Ok(Ok((Answer::Busy, took))) => outcome.busy.push(took),
            Ok(Ok((Answer::Failed(why), _))) => outcome.failed.push(why),
            Ok(Err(e)) => outcome.failed.push(format!("the request's task failed: {e}")),
            Err(_) => outcome.failed.push(format!("no answer within {:?}", load.deadline)),
        }
    }
    outcome.wall = started.elapsed();
    outcome.ok.sort();
    outcome.busy.sort();
    Ok(outcome)
}
