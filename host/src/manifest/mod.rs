//! The capability manifest: what an admin grants to each component.
//!
//! A manifest is a TOML file (see `capabilities/README.md`; its format is in
//! [`file`], its JSON Schema from [`json_schema`]). Parsing is strict: unknown keys are
//! errors, and every semantic problem is collected and reported together, each naming
//! the component and the field. Parsing touches no file and reads no environment;
//! resolving grants into host resources is the job of [`crate::sandbox::grants`], the one
//! module that does.

mod file;
mod gates;
mod network;
mod programs;
mod tools;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component as PathPart, Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;

pub use self::file::json_schema;
use self::file::{LimitsFile, ManifestFile};
pub use self::gates::{
    ANNOTATED, ArgumentRule, DefenceSpec, Flows, FunctionPattern, GateKind, GatePoint, GateSpec, JudgeSpec, Marks,
    Precision, RateRule, RulesSpec,
};
pub use self::network::{HostPattern, NetRule, NetScheme};
pub use self::programs::{InterpreterSpec, Language, ProgramSource, ProgramSpec};

/// The manifest format version this build understands.
pub const MANIFEST_VERSION: u32 = 1;

/// A parsed, validated manifest. Paths are absolute (resolved against the manifest's
/// directory) but not yet checked on disk.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Where the manifest was read from.
    pub path: PathBuf,
    /// The sha256 of its text (`sha256:<hex>`): this version of it.
    pub digest: String,
    /// Tool components by name, in name order.
    pub tools: BTreeMap<String, ToolSpec>,
    /// Program profiles by name.
    pub profiles: BTreeMap<String, ProfileSpec>,
    /// The profile used when none is named.
    pub default_profile: String,
    /// Settings of the HTTP server.
    pub server: ServerSpec,
    /// Programs registered by name.
    pub programs: BTreeMap<String, ProgramSpec>,
    /// Script interpreters by language.
    pub interpreters: BTreeMap<Language, InterpreterSpec>,
    /// Gates, by name.
    pub gates: Vec<GateSpec>,
}

/// How runs are served: how many at once, and who may connect to
/// `cemcp serve --http`.
#[derive(Debug, Clone, Default)]
pub struct ServerSpec {
    /// Bearer tokens by the hex sha256 of the token, each with its profile.
    pub tokens: Vec<(String, String)>,
    /// Extra allowed `Host` values.
    pub allowed_hosts: Vec<String>,
    /// Allowed browser origins.
    pub allowed_origins: Vec<String>,
    /// Programs and scripts run at once.
    pub max_runs: usize,
    /// Runs that may wait for a turn.
    pub queue: usize,
    /// How long a stopping server lets runs in flight finish.
    pub drain: Duration,
}

/// One tool component and its grants.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// The tool's name in the manifest (`[tool.NAME]`).
    pub name: String,
    /// Absolute path of the component's `.wasm` file.
    pub component: PathBuf,
    /// The pinned digest (lowercase hex, without `sha256:`), if any.
    pub sha256: Option<String>,
    /// Directories the tool may open.
    pub dirs: Vec<DirGrant>,
    /// Environment variables with explicit values.
    pub env: BTreeMap<String, String>,
    /// Host environment variables passed through by name.
    pub env_pass: Vec<String>,
    /// The outbound network allowlist.
    pub network: Vec<NetRule>,
    /// What the tool's clocks read.
    pub clocks: Clocks,
    /// How MCP tools mode names its functions: `<mcp_prefix><function>`.
    pub mcp_prefix: String,
    /// Real randomness (false: a fixed sequence).
    pub random: bool,
    /// The most bytes its read-write directories may hold together; `None` when it
    /// has no read-write directory.
    pub storage_quota: Option<u64>,
    /// Limits for each call into the tool.
    pub limits: Limits,
    /// The labels on what it returns, and its marked functions.
    pub marks: Marks,
}

/// What a tool's clocks read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clocks {
    /// The host's clocks.
    Real,
    /// A wall clock that always reads this time since the Unix epoch, and a
    /// monotonic clock that reads zero (`clocks = false` is the epoch itself).
    FrozenAt(Duration),
}

/// One directory grant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirGrant {
    /// Absolute host path.
    pub host: PathBuf,
    /// Absolute path the guest sees.
    pub guest: String,
    /// What the guest may do there.
    pub access: Access,
    /// Create the host directory at load if it is missing (read-write grants only).
    pub create: bool,
}

/// Access mode of a directory grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Read files and list directories; every write is refused.
    ReadOnly,
    /// Read, create, write, rename and remove files and directories.
    ReadWrite,
}

impl fmt::Display for Access {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ReadOnly => "read-only",
            Self::ReadWrite => "read-write",
        })
    }
}

/// A profile: what a program run under it may import, and its own limits.
#[derive(Debug, Clone)]
pub struct ProfileSpec {
    /// The profile's name (`[profile.NAME]`).
    pub name: String,
    /// Names of the tools whose interfaces programs may import.
    pub tools: Vec<String>,
    /// Limits for the whole program run.
    pub limits: Limits,
    /// Its gates, flows, approvals and audit log.
    pub defence: DefenceSpec,
}

/// The storage quota of a tool with a read-write directory and no `storage-quota`.
pub const DEFAULT_STORAGE_QUOTA: u64 = 256 << 20;

/// Effective limits for one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time: per run for programs, per call for tools.
    pub time: Duration,
    /// Bytes all of a component's linear memories may hold together.
    pub memory: u64,
    /// Fuel per run (programs) or per call (tools); `None` is unmetered.
    pub fuel: Option<u64>,
    /// Largest output in bytes: a program's JSON, or a tool call's returned values.
    pub output: u64,
    /// Bytes of stdout and of stderr kept from each instance for the log.
    pub log: u64,
    /// Most tool calls per run (programs only).
    pub calls: Option<u64>,
}

impl Limits {
    /// Defaults for programs when neither the profile nor `[defaults]` sets a limit.
    pub const PROGRAM_DEFAULT: Self = Self {
        time: Duration::from_secs(30),
        memory: 256 << 20,
        fuel: None,
        output: 1 << 20,
        log: 64 << 10,
        calls: Some(10_000),
    };
    /// Defaults for each tool call when neither the tool nor `[defaults]` sets a limit.
    pub const TOOL_DEFAULT: Self = Self {
        time: Duration::from_secs(10),
        memory: 128 << 20,
        fuel: None,
        output: 1 << 20,
        log: 64 << 10,
        calls: None,
    };

    fn overlay(self, spec: &LimitsFile) -> Self {
        Self {
            time: spec.time.map_or(self.time, |t| t.0),
            memory: spec.memory.map_or(self.memory, |m| m.as_u64()),
            fuel: spec.fuel.or(self.fuel),
            output: spec.output.map_or(self.output, |m| m.as_u64()),
            log: spec.log.map_or(self.log, |m| m.as_u64()),
            calls: spec.calls.or(self.calls),
        }
    }
}

/// A manifest that could not be used, with every problem found.
#[derive(Debug, thiserror::Error)]
pub struct ManifestError {
    /// The manifest file.
    pub path: PathBuf,
    /// Each problem, naming where it is.
    pub problems: Vec<Problem>,
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let count = self.problems.len();
        let noun = if count == 1 { "problem" } else { "problems" };
        write!(f, "manifest {} has {count} {noun}:", self.path.display())?;
        for problem in &self.problems {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

/// Where in a manifest a problem is: a section, or one named component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// The manifest as a whole (or its top-level keys).
    Manifest,
    /// `[defaults]`.
    Defaults,
    /// `[server]`.
    Server,
    /// `[tool.NAME]`.
    Tool(String),
    /// `[profile.NAME]`.
    Profile(String),
    /// `[program.NAME]`.
    Program(String),
    /// `[interpreter.LANGUAGE]`.
    Interpreter(String),
    /// `[gate.NAME]`.
    Gate(String),
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Manifest => f.write_str("manifest"),
            Self::Defaults => f.write_str("defaults"),
            Self::Server => f.write_str("server"),
            Self::Tool(name) => write!(f, "tool `{name}`"),
            Self::Profile(name) => write!(f, "profile `{name}`"),
            Self::Program(name) => write!(f, "program `{name}`"),
            Self::Interpreter(name) => write!(f, "interpreter `{name}`"),
            Self::Gate(name) => write!(f, "gate `{name}`"),
        }
    }
}

/// One problem in a manifest: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The component or section.
    pub at: Location,
    /// The field, e.g. `dir[0].host`; empty when the whole section is meant.
    pub field: String,
    /// What is wrong and, where possible, what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}: {}", self.at, self.message)
        } else {
            write!(f, "{}, field `{}`: {}", self.at, self.field, self.message)
        }
    }
}

impl Problem {
    /// A problem at `at`, in `field`. Lines of `message` longer than 300 characters
    /// are cut, saying how much was left out.
    pub fn new(at: &Location, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { at: at.clone(), field: field.into(), message: bounded(message.into()) }
    }
}

/// A TOML error as a problem's message, always saying it is one (some, such as
/// `recursion limit`, carry no position of their own).
fn toml_problem(error: &toml::de::Error) -> String {
    let text = error.to_string();
    let text = text.trim_end();
    if text.starts_with("TOML parse error") { text.to_owned() } else { format!("TOML parse error: {text}") }
}

/// The longest line of a problem's message. A manifest may hold huge values, and a
/// TOML error quotes the line it is about: past this, they are cut.
const MAX_LINE: usize = 300;

fn bounded(message: String) -> String {
    if message.lines().all(|line| line.len() <= MAX_LINE) {
        return message;
    }
    let cut = |line: &str| match line.chars().count() {
        n if n <= MAX_LINE => line.to_owned(),
        n => format!("{}... [{} more characters]", crate::failure::cut(line, MAX_LINE), n - MAX_LINE),
    };
    message.lines().map(cut).collect::<Vec<_>>().join("\n")
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    ///
    /// # Ambient authority
    ///
    /// Reads `path` as the user running cemcp (the admin's file, named by the caller).
    ///
    /// # Errors
    ///
    /// A [`ManifestError`] listing every problem: an unreadable file, TOML syntax,
    /// unknown keys, unknown tool names in profiles, bad paths, rules or limits.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let fail = |message: String| ManifestError {
            path: path.to_path_buf(),
            problems: vec![Problem::new(&Location::Manifest, "", message)],
        };
        let text = std::fs::read_to_string(path).map_err(|e| fail(format!("cannot read it: {e}")))?;
        // `parent` of a bare file name is "", which `absolute` refuses: that means ".".
        let base = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let base = std::path::absolute(base).map_err(|e| fail(format!("cannot resolve its directory: {e}")))?;
        Self::parse(&text, path, &base)
    }

    /// Parses manifest text; relative paths are resolved against `base`.
    ///
    /// # Errors
    ///
    /// As for [`Manifest::load`].
    pub fn parse(text: &str, path: &Path, base: &Path) -> Result<Self, ManifestError> {
        let file: ManifestFile = toml::from_str(text).map_err(|e| ManifestError {
            path: path.to_path_buf(),
            problems: vec![Problem::new(&Location::Manifest, "", toml_problem(&e))],
        })?;
        let mut problems = Vec::new();
        if file.version != MANIFEST_VERSION {
            problems.push(Problem::new(
                &Location::Manifest,
                "version",
                format!("version {} is not supported; this cemcp reads version {MANIFEST_VERSION}", file.version),
            ));
        }
        let tool_default = Limits::TOOL_DEFAULT.overlay(&file.defaults.tool_limits);
        let program_default = Limits::PROGRAM_DEFAULT.overlay(&file.defaults.program_limits);
        check_limits(&Location::Defaults, "tool-limits", tool_default, false, &mut problems);
        if file.defaults.tool_limits.calls.is_some() {
            problems.push(Problem::new(
                &Location::Defaults,
                "tool-limits.calls",
                "`calls` limits programs; set it in program-limits",
            ));
        }
        check_limits(&Location::Defaults, "program-limits", program_default, true, &mut problems);

        let tools: BTreeMap<String, ToolSpec> = file
            .tool
            .into_iter()
            .map(|(name, tool)| {
                let spec = tools::tool_spec(&name, tool, base, tool_default, &mut problems);
                (name, spec)
            })
            .collect();

        let gates: Vec<GateSpec> =
            file.gate.into_iter().map(|(name, gate)| gates::gate(&name, gate, &mut problems)).collect();
        let mut profiles = BTreeMap::new();
        for (name, mut profile) in file.profile {
            let at = Location::Profile(name.clone());
            check_name(&at, &name, &mut problems);
            for (i, tool) in profile.tools.iter().enumerate() {
                if !tools.contains_key(tool) {
                    problems.push(Problem::new(&at, format!("tools[{i}]"), unknown_tool(tool, &tools)));
                }
            }
            let limits = program_default.overlay(&profile.limits);
            check_limits(&at, "limits", limits, true, &mut problems);
            let defence = gates::defence(&at, &mut profile, base, &gates, &mut problems);
            profiles.insert(name.clone(), ProfileSpec { name, tools: profile.tools, limits, defence });
        }
        if !profiles.contains_key(&file.default_profile) {
            problems.push(Problem::new(
                &Location::Manifest,
                "default-profile",
                format!("`{}` is not a profile here (profiles: {})", file.default_profile, listed(profiles.keys())),
            ));
        }

        let max_runs = file.server.max_runs.unwrap_or_else(crate::cores);
        if max_runs == 0 {
            problems.push(Problem::new(&Location::Server, "max-runs", "must be at least 1"));
        }
        let mut server = ServerSpec {
            tokens: Vec::new(),
            allowed_hosts: file.server.allowed_hosts,
            allowed_origins: file.server.allowed_origins,
            max_runs,
            queue: file.server.queue.unwrap_or(max_runs.saturating_mul(crate::admission::QUEUE_PER_RUN)),
            drain: file.server.drain.map_or(Duration::from_secs(10), |d| d.0),
        };
        for (i, token) in file.server.tokens.into_iter().enumerate() {
            match parse_digest(&token.sha256) {
                Some(hex) => server.tokens.push((hex, token.profile.clone())),
                None => problems.push(Problem::new(
                    &Location::Server,
                    format!("tokens[{i}].sha256"),
                    "not \"sha256:\" and 64 hex digits (the hash of the token, never the token)",
                )),
            }
            if !profiles.contains_key(&token.profile) {
                problems.push(Problem::new(
                    &Location::Server,
                    format!("tokens[{i}].profile"),
                    format!("`{}` is not a profile here (profiles: {})", token.profile, listed(profiles.keys())),
                ));
            }
        }

        let interpreters = programs::interpreters(file.interpreter, base, &mut problems);
        let programs = programs::programs(file.program, &interpreters, base, &mut problems);

        if problems.is_empty() {
            Ok(Self {
                path: path.to_path_buf(),
                digest: crate::cache::digest(text.as_bytes()),
                tools,
                profiles,
                default_profile: file.default_profile,
                server,
                programs,
                interpreters,
                gates,
            })
        } else {
            Err(ManifestError { path: path.to_path_buf(), problems })
        }
    }

    /// The profile called `name`, or the default profile for `None`.
    ///
    /// # Errors
    ///
    /// When no profile has that name; the message lists the profiles there are.
    pub fn profile(&self, name: Option<&str>) -> Result<&ProfileSpec, UnknownProfile> {
        let name = name.unwrap_or(&self.default_profile);
        self.profiles.get(name).ok_or_else(|| self.unknown_profile(name))
    }

    /// The error for a profile `name` this manifest does not have.
    pub fn unknown_profile(&self, name: &str) -> UnknownProfile {
        UnknownProfile {
            name: name.to_owned(),
            manifest: self.path.clone(),
            known: self.profiles.keys().cloned().collect(),
        }
    }
}

/// A profile name the manifest does not define.
#[derive(Debug, Clone, thiserror::Error)]
#[error("no profile `{name}` in {} (profiles: {})", manifest.display(), known.join(", "))]
pub struct UnknownProfile {
    /// The name asked for.
    pub name: String,
    /// The manifest.
    pub manifest: PathBuf,
    /// The profiles it has.
    pub known: Vec<String>,
}

/// `path` against `base`, with `.` and `..` removed lexically (for readable messages;
/// directories are canonicalised on disk later, by `grants`).
pub(super) fn resolve(base: &Path, path: &Path) -> PathBuf {
    let mut resolved = PathBuf::new();
    for part in base.join(path).components() {
        match part {
            PathPart::ParentDir => {
                resolved.pop();
            }
            PathPart::CurDir => {}
            other => resolved.push(other),
        }
    }
    resolved
}

/// A component's `sha256` pin as lowercase hex, or a problem at `at`.
pub(super) fn pin(at: &Location, text: &str, problems: &mut Vec<Problem>) -> Option<String> {
    let hex = parse_digest(text);
    if hex.is_none() {
        problems.push(Problem::new(at, "sha256", format!("`{text}` is not \"sha256:\" and 64 hex digits")));
    }
    hex
}

/// `sha256:<64 hex>` (or the bare hex) as lowercase hex.
fn parse_digest(text: &str) -> Option<String> {
    let hex = text.strip_prefix("sha256:").unwrap_or(text).to_ascii_lowercase();
    (hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit())).then_some(hex)
}

fn listed<'a>(names: impl Iterator<Item = &'a String>) -> String {
    let names: Vec<_> = names.map(|k| format!("`{k}`")).collect();
    if names.is_empty() { "none".to_owned() } else { names.join(", ") }
}

fn unknown_tool(tool: &str, tools: &BTreeMap<String, ToolSpec>) -> String {
    format!("no tool `{tool}` is declared (declare it as [tool.{tool}]; tools: {})", listed(tools.keys()))
}

/// Component and profile names: lowercase letters, digits and `-`, starting with a
/// letter, at most 32 characters. They appear in tool names that MCP clients see.
pub(super) fn check_name(at: &Location, name: &str, problems: &mut Vec<Problem>) {
    let valid = name.len() <= 32
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !valid {
        problems.push(Problem::new(
            at,
            "",
            "names must be 1 to 32 characters of a-z, 0-9 and `-`, starting with a letter",
        ));
    }
}

pub(super) fn check_limits(at: &Location, field: &str, limits: Limits, program: bool, problems: &mut Vec<Problem>) {
    if limits.time.is_zero() {
        problems.push(Problem::new(at, format!("{field}.time"), "the time limit must be more than zero"));
    }
    if limits.memory < 64 * 1024 {
        problems.push(Problem::new(
            at,
            format!("{field}.memory"),
            "the memory limit must be at least 64 KiB (one page)",
        ));
    }
    if limits.memory > 4 << 30 {
        problems.push(Problem::new(at, format!("{field}.memory"), "the memory limit can be at most 4 GiB"));
    }
    if limits.fuel == Some(0) {
        problems.push(Problem::new(
            at,
            format!("{field}.fuel"),
            "fuel must be more than zero (leave it out for unmetered)",
        ));
    }
    if limits.output == 0 {
        problems.push(Problem::new(at, format!("{field}.output"), "the output limit must be more than zero"));
    }
    if program && limits.calls == Some(0) {
        problems.push(Problem::new(at, format!("{field}.calls"), "the call limit must be more than zero"));
    }
}

#[cfg(test)]
mod tests;
