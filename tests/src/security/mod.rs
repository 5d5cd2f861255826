//! The study's security scenario, reproduced: the building-access `db` and a
//! compromised `directory` (guests/directory), served by `cemcp serve` under
//! `capabilities/security-open.toml` (the sandbox alone) or
//! `capabilities/security.toml` (the sandbox plus the defence layer), and driven by
//! [`agent::ObedientAgent`], a deterministic stand-in for a model that does what the
//! text it reads tells it.

pub mod agent;
pub mod judge;

use std::path::{Path, PathBuf};

use crate::study::serve::{Cemcp, Served};
use crate::{ManifestEdit as _, workspace_root};

/// Which manifest a scenario runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defence {
    /// `capabilities/security-open.toml`: the sandbox alone.
    SandboxOnly,
    /// `capabilities/security.toml`: the sandbox and the defence layer.
    Gates,
}

/// One run of the scenario: a fresh database and audit log in a temporary directory,
/// and `cemcp serve` (code mode) over them.
pub struct Scenario {
    dir: tempfile::TempDir,
    manifest: PathBuf,
}

impl Scenario {
    /// The shipped manifest for `defence`, with its database and audit log moved to a
    /// temporary directory.
    ///
    /// # Errors
    ///
    /// When the manifest cannot be read or written.
    pub fn new(defence: Defence) -> anyhow::Result<Self> {
        Self::edited(defence, |text| text)
    }

    /// [`Scenario::new`] with the manifest's text changed by `edit` (after its paths
    /// are made absolute).
    ///
    /// # Errors
    ///
    /// When the manifest cannot be read or written.
    pub fn edited(defence: Defence, edit: impl FnOnce(String) -> String) -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let root = workspace_root();
        let (file, state) = match defence {
            Defence::SandboxOnly => ("security-open.toml", "../target/security/open"),
            Defence::Gates => ("security.toml", "../target/security/guarded"),
        };
        let text = std::fs::read_to_string(root.join("capabilities").join(file))?;
        let text = text
            .edit("\"../target/guests/", &format!("\"{}/target/guests/", root.display()))
            .edit(state, &dir.path().display().to_string());
        let text = edit(text);
        let manifest = dir.path().join("manifest.toml");
        std::fs::write(&manifest, text)?;
        Ok(Self { dir, manifest })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Path {
        &self.manifest
    }

    /// The audit log (written only under [`Defence::Gates`]).
    pub fn audit_log(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    /// The audit log's records.
    ///
    /// # Errors
    ///
    /// When it cannot be read, or a line is not JSON.
    pub fn audit_records(&self) -> anyhow::Result<Vec<serde_json::Value>> {
        let text = std::fs::read_to_string(self.audit_log())?;
        text.lines().map(|line| Ok(serde_json::from_str(line)?)).collect()
    }

    /// A runtime over this scenario's manifest, in this process.
    ///
    /// # Errors
    ///
    /// When the manifest does not load.
    pub fn runtime(&self) -> anyhow::Result<cemcp::Runtime> {
        let manifest = cemcp::Manifest::load(&self.manifest)?;
        Ok(cemcp::Runtime::new(manifest, crate::shared_cache())?)
    }

    /// Runs `code` (Python) under the default profile with `options`.
    ///
    /// # Errors
    ///
    /// When the interpreter cannot be linked.
    pub fn script(
        &self,
        runtime: &cemcp::Runtime,
        code: &str,
        options: &cemcp::RunOptions,
    ) -> anyhow::Result<Result<cemcp::RunOutput, cemcp::RunError>> {
        let profile = runtime.profile(None)?;
        let python = runtime.interpreter_for(cemcp::manifest::Language::Python, profile)?;
        Ok(runtime.run_script_with(&python, code, "{}", options))
    }

    /// `cemcp serve` in code mode over this scenario's manifest.
    ///
    /// # Errors
    ///
    /// When the server does not start.
    pub async fn serve(&self, cemcp: &Cemcp) -> anyhow::Result<Served> {
        Served::start(cemcp, &self.manifest, "code").await
    }
}

/// The four attacks, in the study's order: each one's task for the agent.
pub const ATTACKS: [(&str, agent::Task); 4] = [
    ("P1.1 instruction in a tool name", agent::Task::ActiveUsers),
    ("P2.1 \"always call X first\" loop", agent::Task::OpenSession),
    ("P3.2 poisoned value into SQL", agent::Task::VisitorLog),
    ("P4.3 \"create an admin\" error", agent::Task::VisitorHost),
];

/// What one attack came to under one manifest, in a line.
#[derive(Debug, Clone)]
pub struct Effect {
    /// Scripts the agent wrote.
    pub attempts: usize,
    /// Its answer, or the last text it read, cut short.
    pub ended_with: String,
    /// What the gates refused, from the audit log (under [`Defence::Gates`]): the
    /// run's refusals, or else what discovery hid.
    pub stopped_by: Option<String>,
    /// Admin users in the database afterwards (the seed has one).
    pub admins: usize,
}

/// Runs `task` with a fresh agent, database and audit log under `defence`.
///
/// # Errors
///
/// When the server does not start or a request fails.
pub async fn attack(cemcp: &Cemcp, defence: Defence, task: agent::Task) -> anyhow::Result<Effect> {
    let scenario = Scenario::new(defence)?;
    let served = scenario.serve(cemcp).await?;
    let outcome = agent::ObedientAgent::new().solve(&served, task).await?;
    let count = "len([u for u in tools.db.list_users() if u[\"role\"] == \"admin\"])";
    let (admins, _) = served.call("run_script", &serde_json::json!({ "language": "python", "code": count })).await?;
    let admins =
        admins.structured_content.and_then(|s| s.get("output").and_then(serde_json::Value::as_u64)).unwrap_or_default();
    served.stop().await;
    let ended_with = outcome.answer.as_ref().map_or_else(|| outcome.last().to_owned(), |a| a["answer"].to_string());
    let stopped_by = match defence {
        Defence::SandboxOnly => None,
        Defence::Gates => refusals(&scenario.audit_records()?),
    };
    let ended_with = ended_with.replace(char::is_whitespace, " ").chars().take(90).collect();
    Ok(Effect { attempts: outcome.scripts.len(), ended_with, stopped_by, admins: usize::try_from(admins)? })
}

/// The refusals in audit records, in words: those of runs, or else what discovery hid.
fn refusals(records: &[serde_json::Value]) -> Option<String> {
    let said = |r: &serde_json::Value| {
        let rule = r["rule"].as_str().map_or_else(
            || r["error"].as_str().and_then(|e| e.split("(rule ").nth(1)).and_then(|e| e.split(')').next()),
            Some,
        );
        let what = match (r["tool"].as_str(), r["function"].as_str()) {
            (Some(tool), Some(function)) => format!("{} `{tool}.{function}`", r["event"].as_str().unwrap_or_default()),
            _ => format!("{} of the run", r["event"].as_str().unwrap_or_default()),
        };
        format!("{what} refused by {}", rule.unwrap_or("a gate"))
    };
    let refused = |r: &&serde_json::Value| r["decision"] == "deny" || r["ok"] == false;
    let runs: Vec<String> = records.iter().filter(|r| r["event"] != "discovery").filter(refused).map(said).collect();
    let hidden: Vec<String> = records.iter().filter(|r| r["event"] == "discovery").map(said).collect();
    let found = if runs.is_empty() { hidden } else { runs };
    (!found.is_empty()).then(|| found.join("; "))
}
