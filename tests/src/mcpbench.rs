//! The study's ten servers, ready for a test: the offline API services started on
//! ports the OS chooses, and `capabilities/mcpbench.toml` rewritten to match (ports,
//! absolute component paths, a scratch downloads directory, and Time MCP's clock
//! frozen at [`FROZEN_CLOCK`] so that every task's output is reproducible).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cemcp::manifest::Language;
use cemcp::{CancelToken, Manifest, Runtime, TracedCall};
pub use mcpbench_api::{Api, DEFAULT_BASE_PORT, Services};
use serde_json::Value;

use crate::{ManifestEdit as _, shared_cache, workspace_root};

/// The instant Time MCP's clock is frozen at in tests, and "today" in the offline data.
pub const FROZEN_CLOCK: &str = "2026-11-23T15:30:00Z";

/// The offline services and a manifest granting the ten tools access to them.
pub struct Bench {
    /// The running services (each counts the requests it receives).
    pub services: Services,
    scratch: tempfile::TempDir,
}

impl Bench {
    /// Starts the services.
    ///
    /// # Panics
    ///
    /// When they cannot start (tests only).
    #[expect(clippy::expect_used, reason = "test support: failing to set up is a test failure")]
    pub fn start() -> Self {
        let services = Services::start(None).expect("start the offline API services");
        let scratch = tempfile::tempdir().expect("a scratch directory");
        Self { services, scratch }
    }

    /// `capabilities/mcpbench.toml` as the test uses it.
    ///
    /// # Panics
    ///
    /// When the shipped manifest cannot be read or no longer has what is rewritten.
    #[expect(clippy::expect_used, reason = "test support: failing to set up is a test failure")]
    pub fn manifest(&self) -> String {
        let path = workspace_root().join("capabilities").join("mcpbench.toml");
        let mut text = std::fs::read_to_string(&path).expect("read capabilities/mcpbench.toml");
        for api in Api::ALL {
            let shipped = format!("127.0.0.1:{}", api.port(DEFAULT_BASE_PORT));
            text = text.edit(&shipped, &format!("127.0.0.1:{}", self.services.port(api)));
        }
        let target = workspace_root().join("target");
        text = text.edit("\"../target/mcpbench/downloads\"", &format!("{:?}", self.downloads()));
        text = text.edit("\"../target/", &format!("\"{}/", target.display()));
        text.edit("clocks = true", &format!("clocks = \"{FROZEN_CLOCK}\""))
    }

    /// Where Paper Search saves its downloads.
    pub fn downloads(&self) -> PathBuf {
        self.scratch.path().join("downloads")
    }

    /// The manifest written to a file, for `cemcp serve`.
    ///
    /// # Panics
    ///
    /// When it cannot be written (tests only).
    #[expect(clippy::expect_used, reason = "test support: failing to set up is a test failure")]
    pub fn manifest_file(&self) -> PathBuf {
        let path = self.scratch.path().join("mcpbench.toml");
        std::fs::write(&path, self.manifest()).expect("write the manifest");
        path
    }

    /// A runtime for the manifest.
    ///
    /// # Errors
    ///
    /// Whatever loading it reports.
    pub fn runtime(&self) -> anyhow::Result<Runtime> {
        let manifest = Manifest::load(&self.manifest_file())?;
        Ok(Runtime::new(manifest, shared_cache())?)
    }
}

/// One of the study's tasks, as tests/mcpbench/tasks.toml lists it.
#[derive(serde::Deserialize, Clone, Debug)]
#[serde(deny_unknown_fields)]
pub struct Task {
    /// The benchmark's task id, e.g. `weather_data_000`.
    pub id: String,
    /// The servers (tool names) it needs.
    pub servers: Vec<String>,
    /// The profile of capabilities/mcpbench.toml it runs under.
    pub profile: String,
    /// The ten servers the benchmark connects beside them, as distractions.
    pub distraction: Vec<String>,
}

#[derive(serde::Deserialize)]
struct TaskList {
    task: Vec<Task>,
}

/// The tasks of tests/mcpbench/tasks.toml, in order.
///
/// # Errors
///
/// When the file cannot be read or parsed.
pub fn tasks() -> anyhow::Result<Vec<Task>> {
    let path = tasks_dir().with_file_name("tasks.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    Ok(toml::from_str::<TaskList>(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?.task)
}

/// Where the task scripts and their expected outputs are.
pub fn tasks_dir() -> PathBuf {
    workspace_root().join("tests").join("mcpbench").join("tasks")
}

/// A task's script in `language`, if there is one.
pub fn script(task: &Task, language: Language) -> Option<PathBuf> {
    let ext = match language {
        Language::Python => "py",
        Language::Javascript => "js",
    };
    Some(tasks_dir().join(format!("{}.{ext}", task.id))).filter(|p| p.is_file())
}

/// What one run of a task's script did.
pub struct TaskRun {
    /// Its output.
    pub output: Value,
    /// What it should have output (`<id>.expected.json`).
    pub expected: Value,
    /// Every tool call it made.
    pub trace: Vec<TracedCall>,
    /// Wall-clock time of the run, as the runtime measured it.
    pub wall_time: Duration,
    /// Time including the interpreter's first load, if this was its first use.
    pub elapsed: Duration,
}

impl TaskRun {
    /// Whether the output is the expected one (numbers compared by value: `806` is
    /// `806.0`).
    pub fn matches(&self) -> bool {
        same_json(&self.output, &self.expected)
    }
}

/// Runs `script` (a task's script) under the task's profile.
///
/// # Errors
///
/// What failed: the expected output's file, the profile, the interpreter, the run.
pub fn run_task(runtime: &Runtime, task: &Task, language: Language, script: &Path) -> Result<TaskRun, String> {
    let started = Instant::now();
    let source = std::fs::read_to_string(script).map_err(|e| format!("{}: {e}", script.display()))?;
    let expected_path = tasks_dir().join(format!("{}.expected.json", task.id));
    let expected = std::fs::read_to_string(&expected_path)
        .map_err(|e| e.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|e| e.to_string()))
        .map_err(|e| format!("{}: {e}", expected_path.display()))?;
    let profile = runtime.profile(Some(&task.profile)).map_err(|e| e.to_string())?;
    let interpreter = runtime.interpreter_for(language, profile).map_err(|e| e.to_string())?;
    let out = runtime
        .run_script_traced(&interpreter, &source, "{}", &CancelToken::new())
        .map_err(|e| format!("{} failed: {e}", task.id))?;
    let output = serde_json::from_str(&out.output).map_err(|e| e.to_string())?;
    Ok(TaskRun { output, expected, trace: out.trace, wall_time: out.stats.wall_time, elapsed: started.elapsed() })
}

/// JSON equality with numbers compared by value (`806` is `806.0`), exactly.
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w)))
        }
        _ => a == b,
    }
}

/// A trace as JSON Lines, as `cemcp run --trace` writes it.
pub fn trace_lines(trace: &[TracedCall]) -> String {
    trace.iter().map(|c| serde_json::to_string(c).unwrap_or_default() + "\n").collect()
}
