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
