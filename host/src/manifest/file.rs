//! The manifest file format, as serde reads it and as the JSON Schema describes it.
//!
//! These types are only the shape of the TOML; [`super::Manifest::parse`] checks
//! meaning (names, paths, rules, limits) and builds the resolved types. Unknown keys
//! are errors everywhere.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use bytesize::ByteSize;
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};

use super::Access;
use super::gates::{GateFile, Precision};
use super::programs::Language;

/// A cemcp capability manifest.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ManifestFile {
    /// The format version; this cemcp reads 1.
    pub version: u32,
    /// The profile programs run under when none is named, e.g. "analyst".
    pub default_profile: String,
    /// Limits for every tool and every program unless their own say otherwise.
    #[serde(default)]
    pub defaults: DefaultsFile,
    /// Tool components by name: `[tool.files]`.
    #[serde(default)]
    pub tool: BTreeMap<String, ToolFile>,
    /// Program profiles by name: `[profile.analyst]`.
    #[serde(default)]
    pub profile: BTreeMap<String, ProfileFile>,
    /// Settings of `cemcp serve --http`.
    #[serde(default)]
    pub server: ServerFile,
    /// Programs clients may run by name: `[program.report]`.
    #[serde(default)]
    pub program: BTreeMap<String, ProgramFile>,
    /// The interpreters that run scripts, by language: `[interpreter.python]`. A
    /// script runs only in a language whose interpreter is declared here.
    #[serde(default)]
    pub interpreter: BTreeMap<Language, InterpreterFile>,
    /// Gates profiles may use, by name: `[gate.screen]` with `kind = "rules"` or
    /// `kind = "judge"`.
    #[serde(default)]
    pub gate: BTreeMap<String, GateFile>,
}

/// `[program.NAME]`: a program registered under a name: a component or a script.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ProgramFile {
    /// A component file, relative to the manifest: "programs/report.wasm".
    pub component: Option<PathBuf>,
    /// Or a script, relative to the manifest, its language named by its extension:
    /// "programs/summary.py", "programs/summary.js".
    pub script: Option<PathBuf>,
    /// Refuse to load unless the file's sha256 is this: "sha256:3f5a…".
    pub sha256: Option<String>,
}

/// `[interpreter.LANGUAGE]`: the component that runs scripts in LANGUAGE (`python`
/// or `javascript`). It is granted nothing; scripts reach tools only through it.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct InterpreterFile {
    /// The interpreter component, relative to the manifest: "interpreters/python.wasm".
    pub component: PathBuf,
    /// Refuse to load unless the file's sha256 is this: "sha256:3f5a…".
    pub sha256: Option<String>,
}

/// `[server]`: who may connect to `cemcp serve --http`.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ServerFile {
    /// Bearer tokens, each mapped to a profile, stored as the sha256 of the token (never the
    /// token itself): `[{ sha256 = "…", profile = "analyst" }]`. `cemcp token` makes one.
    #[serde(default)]
    pub tokens: Vec<TokenFile>,
    /// Host names (or host:port) accepted in the `Host` header besides loopback ones.
    #[serde(default)]
    pub allowed_hosts: Vec<String>,
    /// Browser origins allowed to call the server, e.g. "https://app.example.com".
    #[serde(default)]
    pub allowed_origins: Vec<String>,
    /// Programs and scripts run at once (default: one per core of this machine).
    pub max_runs: Option<usize>,
    /// Runs that may wait for a turn beyond those (default: 32 per run at once);
    /// past that a run is refused at once, as retryable ("busy"; over HTTP, 503).
    pub queue: Option<usize>,
    /// When stopped (SIGINT, SIGTERM), how long `cemcp serve` lets runs in flight
    /// finish before cancelling them (default "10s").
    pub drain: Option<HumanDuration>,
}

/// One bearer token.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct TokenFile {
    /// The sha256 of the token, as "sha256:" and 64 hex digits.
    pub sha256: String,
    /// The profile requests with this token are served under.
    pub profile: String,
}

/// `[defaults]`
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct DefaultsFile {
    /// Limits for each tool call, e.g. `{ time = "10s", memory = "128 MiB" }`.
    #[serde(default)]
    pub tool_limits: LimitsFile,
    /// Limits for each program run, e.g. `{ time = "30s", calls = 1000 }`.
    #[serde(default)]
    pub program_limits: LimitsFile,
}

/// `[tool.NAME]`: one tool component and everything it is granted.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ToolFile {
    /// The component file, relative to the manifest: "tools/files.wasm".
    pub component: PathBuf,
    /// Refuse to load unless the file's sha256 is this: "sha256:3f5a…" (64 hex digits).
    pub sha256: Option<String>,
    /// Directories the tool may open: `[{ host = "docs", guest = "/docs", access = "read-only" }]`.
    #[serde(default)]
    pub dir: Vec<DirFile>,
    /// Environment variables the tool sees, with their values: `{ LANG = "C" }`.
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Host environment variables passed through by name: `["API_TOKEN"]`.
    #[serde(default)]
    pub env_pass: Vec<String>,
    /// Outbound network allowlist: `["https://api.example.com", "tcp://127.0.0.1:5432"]`.
    #[serde(default)]
    pub network: Vec<String>,
    /// Real clocks (default true); false gives a clock frozen at the Unix epoch, and
    /// an RFC 3339 time ("2026-11-23T15:30:00Z") a clock frozen at that instant, for
    /// reproducible runs.
    pub clocks: Option<ClocksFile>,
    /// How MCP tools mode names this tool's functions: `<mcp-prefix><function>`.
    /// The default is the tool's name and `_` (`files_read`); "" gives the functions'
    /// own names (`read`), as a server that names its tools itself would.
    pub mcp_prefix: Option<String>,
    /// Real randomness (default true); false gives a fixed, repeatable sequence.
    pub random: Option<bool>,
    /// The most bytes the tool's read-write directories may hold, all together:
    /// "100 MiB" (default 256 MiB when it has a read-write directory). A write past it
    /// fails with "No space left on device".
    #[schemars(with = "Option<String>")]
    pub storage_quota: Option<ByteSize>,
    /// Limits for each call into this tool.
    #[serde(default)]
    pub limits: LimitsFile,
    /// Labels on everything this tool returns: `["untrusted"]`, `["secret"]`. A
    /// profile's gates refuse `untrusted` data reaching a sink and `secret` data
    /// reaching an egress tool.
    #[serde(default)]
    pub labels: Vec<String>,
    /// Functions that change state: each call needs approval. "@annotated" confirms
    /// every function whose WIT doc has an `@state-changing` line.
    #[serde(default)]
    pub state_changing: Vec<String>,
    /// Functions that execute their arguments (SQL, shell): `untrusted` data may not
    /// reach them. "@annotated" confirms every function whose WIT doc says `@sink`.
    #[serde(default)]
    pub sinks: Vec<String>,
    /// Whether the tool sends data out of the host, so that `secret` data may not
    /// reach it (default: whether it has a network grant).
    pub egress: Option<bool>,
}

/// `clocks = true | false | "2026-11-23T15:30:00Z"`.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub(super) enum ClocksFile {
    /// Real clocks, or frozen at the Unix epoch.
    Real(bool),
    /// Frozen at this RFC 3339 instant.
    FrozenAt(String),
}

/// One directory grant.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct DirFile {
    /// The host directory, relative to the manifest: "data/docs".
    pub host: PathBuf,
    /// Where the tool sees it: an absolute path such as "/docs".
    pub guest: String,
    /// "read-only" or "read-write".
    pub access: Access,
    /// Create the host directory when loading if it is missing (read-write only).
    #[serde(default)]
    pub create: bool,
}

/// `[profile.NAME]`: what programs run under this profile may import, and their limits.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct ProfileFile {
    /// Tools whose interfaces these programs may import: `["files", "kv"]`.
    pub tools: Vec<String>,
    /// Limits for each run.
    #[serde(default)]
    pub limits: LimitsFile,
    /// Gates every run under this profile passes, in order: names of `[gate.NAME]`.
    #[serde(default)]
    pub gates: Vec<String>,
    /// Labelled flows this profile allows: "untrusted->sink", "secret->egress"
    /// (both refused unless listed).
    #[serde(default)]
    pub allow_flows: Vec<String>,
    /// How precisely labels follow data: "value" (default) or "run".
    pub flow_precision: Option<Precision>,
    /// Append every run, call, gate decision and approval to this JSON Lines file
    /// (relative to the manifest), each record chained to the one before by its hash.
    pub audit: Option<PathBuf>,
    /// Record argument values in the audit log (default false: their digests).
    #[serde(default)]
    pub audit_arguments: bool,
    /// How long a run waits for an approval (default "5m"); the run's time limit does
    /// not count the wait.
    pub approval_timeout: Option<HumanDuration>,
}

/// Limits; every key is optional and falls back to `[defaults]`, then built-in values.
#[derive(Deserialize, Default, JsonSchema)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub(super) struct LimitsFile {
    /// Wall-clock time: "500ms", "2s", "1m 30s". Per call for tools, per run for programs.
    pub time: Option<HumanDuration>,
    /// Bytes the component's linear memories may hold together: "64 MiB".
    #[schemars(with = "Option<String>")]
    pub memory: Option<ByteSize>,
    /// Fuel (roughly, wasm instructions) per tool call or per program run: 1000000000.
    pub fuel: Option<u64>,
    /// Largest result: a tool call's returned values, or a program's output: "1 MiB".
    #[schemars(with = "Option<String>")]
    pub output: Option<ByteSize>,
    /// Most stdout plus stderr kept from each instance for the log: "64 KiB".
    #[schemars(with = "Option<String>")]
    pub log: Option<ByteSize>,
    /// Most tool calls in one run (programs only): 1000.
    pub calls: Option<u64>,
}

/// A duration written as text: "500ms", "2s", "1m 30s".
#[derive(Clone, Copy, JsonSchema)]
#[schemars(with = "String")]
pub(super) struct HumanDuration(pub Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text)
            .map(HumanDuration)
            .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a duration like \"2s\" or \"500ms\": {e}")))
    }
}

/// The JSON Schema of the manifest format, for editors (`cemcp schema`).
pub fn json_schema() -> String {
    let schema = schemars::schema_for!(ManifestFile);
    serde_json::to_string_pretty(&schema).unwrap_or_default() + "\n"
}
