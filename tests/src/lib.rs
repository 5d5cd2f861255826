//! Shared support for cemcp's integration tests and the example runner: the paths of
//! the guest components built by `build.rs`, and a test bed that lays out directories
//! and writes small inline manifests.

use std::path::{Path, PathBuf};

use cemcp::{CancelToken, ComponentCache, Manifest, Program, RunError, Runtime};

pub mod hostile_json;
pub mod http_server;
pub mod mcpbench;
pub mod security;
pub mod stress;
pub mod study;

/// Paths of the guest components, one `<NAME>_COMPONENT` per crate under `guests/`.
pub mod artifacts {
    include!(concat!(env!("OUT_DIR"), "/gen.rs"));
}

/// Editing manifest text in tests: like `str::replace`, but an edit that does not
/// apply fails the test instead of silently leaving the text as it was (which would
/// let a test pass for the wrong reason).
pub trait ManifestEdit {
    /// The text with every `from` replaced by `to`.
    ///
    /// # Panics
    ///
    /// When the text does not contain `from`.
    fn edit(&self, from: &str, to: &str) -> String;
}

impl ManifestEdit for str {
    #[expect(clippy::panic, reason = "test support: an edit that does not apply is a broken test")]
    fn edit(&self, from: &str, to: &str) -> String {
        if !self.contains(from) {
            panic!("the edit does not apply: `{from}` is not in\n{self}");
        }
        self.replace(from, to)
    }
}

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// A compiled-component cache shared by all tests, so each component is compiled once
/// per change rather than once per test.
pub fn shared_cache() -> ComponentCache {
    ComponentCache::in_dir(workspace_root().join("target").join("test-cache"))
}

/// A manifest granting `files` (read-only, `docs/`), `kv` (read-write, `store/`),
/// `flaky` (nothing), `http` (no network) and `config` (`GREETING=hello`) to profile
/// `all`; profile `files-only` grants just `files`. Tests edit it with
/// [`ManifestEdit::edit`] to make each case.
pub const BASE_MANIFEST: &str = r#"
version = 1
default-profile = "all"

[tool.files]
component = "{FILES}"
dir = [{ host = "docs", guest = "/docs", access = "read-only" }]
limits = { time = "5s", memory = "32 MiB" }

[tool.kv]
component = "{KV}"
dir = [{ host = "store", guest = "/store", access = "read-write" }]
limits = { time = "5s", memory = "32 MiB" }

[tool.flaky]
component = "{FLAKY}"
limits = { time = "500ms", memory = "16 MiB" }

[tool.http]
component = "{HTTP}"
network = []

[tool.config]
component = "{CONFIG}"
env = { GREETING = "hello" }

[profile.all]
tools = ["files", "kv", "flaky", "http", "config"]
limits = { time = "5s", memory = "64 MiB" }

[profile.files-only]
tools = ["files"]

[program.report]
component = "{REPORT}"
"#;

/// A temporary directory holding `docs/` (a few text files), `store/` (empty) and
/// `outside/secret.txt`, which no grant covers.
pub struct TestBed {
    dir: tempfile::TempDir,
}

impl Default for TestBed {
    fn default() -> Self {
        Self::new()
    }
}

impl TestBed {
    /// Lays out a fresh test bed.
    ///
    /// # Panics
    ///
    /// When the temporary directory cannot be written (tests only).
    #[expect(clippy::unwrap_used, reason = "test support: failing to set up is a test failure")]
    pub fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let docs = dir.path().join("docs");
        std::fs::create_dir_all(docs.join("notes")).unwrap();
        std::fs::write(docs.join("alpha.txt"), "the quick brown fox\njumps over the lazy dog\n").unwrap();
        std::fs::write(docs.join("notes/beta.md"), "# Beta\nwasm components are portable\nno fox here\n").unwrap();
        std::fs::create_dir_all(dir.path().join("store")).unwrap();
        std::fs::create_dir_all(dir.path().join("outside")).unwrap();
        std::fs::write(dir.path().join("outside/secret.txt"), "TOP SECRET").unwrap();
        Self { dir }
    }

    /// The bed's root directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// [`BASE_MANIFEST`] with its component paths filled in.
    pub fn base_manifest() -> String {
        BASE_MANIFEST
            .edit("{FILES}", artifacts::FILES_COMPONENT)
            .edit("{KV}", artifacts::KV_COMPONENT)
            .edit("{FLAKY}", artifacts::FLAKY_COMPONENT)
            .edit("{HTTP}", artifacts::HTTP_COMPONENT)
            .edit("{CONFIG}", artifacts::CONFIG_COMPONENT)
            .edit("{REPORT}", artifacts::REPORT_COMPONENT)
    }

    /// Writes `text` as `manifest.toml` in the bed and returns its path.
    ///
    /// # Panics
    ///
    /// When the file cannot be written (tests only).
    #[expect(clippy::unwrap_used, reason = "test support: failing to set up is a test failure")]
    pub fn write_manifest(&self, text: &str) -> PathBuf {
        let path = self.path().join("manifest.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Loads `text` as the bed's manifest into a runtime with the shared cache.
    ///
    /// # Errors
    ///
    /// Whatever loading the manifest reports.
    pub fn runtime(&self, text: &str) -> anyhow::Result<Runtime> {
        let manifest = Manifest::load(&self.write_manifest(text))?;
        Ok(Runtime::new(manifest, shared_cache())?)
    }

    /// A runtime for [`BASE_MANIFEST`] unchanged.
    ///
    /// # Panics
    ///
    /// When the base manifest does not load (tests only).
    #[expect(clippy::unwrap_used, reason = "test support: failing to set up is a test failure")]
    pub fn base_runtime(&self) -> Runtime {
        self.runtime(&Self::base_manifest()).unwrap()
    }

    /// Runs the guest `program` (a path from [`artifacts`]) under `profile` with
    /// `input`; the outer error is a refusal before running, the inner one the run's.
    ///
    /// # Errors
    ///
    /// When the program is refused before it runs.
    pub fn run(
        &self,
        runtime: &Runtime,
        program: &str,
        profile: Option<&str>,
        input: &str,
    ) -> anyhow::Result<Result<serde_json::Value, RunError>> {
        let program = runtime.load_program(&std::fs::read(program)?, profile)?;
        Ok(runtime
            .run(&program, input, &CancelToken::new())
            .map(|out| serde_json::from_str(&out.output).unwrap_or(serde_json::Value::Null)))
    }
}

/// Loads the guest component at `path` (from [`artifacts`]) under the default profile.
///
/// # Panics
///
/// When it cannot be read or is refused (tests only).
#[expect(clippy::unwrap_used, reason = "test support: failing to set up is a test failure")]
pub fn load_program(runtime: &Runtime, path: &str) -> Program {
    runtime.load_program(&std::fs::read(path).unwrap(), None).unwrap()
}
