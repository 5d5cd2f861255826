//! The capability manifest: what an admin grants to each component.
//!
//! A manifest is a TOML file (see `capabilities/README.md`). Parsing is strict: unknown
//! keys are errors, and every semantic problem is collected and reported together, each
//! naming the component and the field. Parsing touches no file; resolving grants into
//! host resources is the job of [`crate::grants`], the one module that does.

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Component as PathPart, Path, PathBuf};
use std::time::Duration;

use bytesize::ByteSize;
use serde::{Deserialize, Deserializer};

/// The manifest format version this build understands.
pub const MANIFEST_VERSION: u32 = 1;

/// A parsed, validated manifest. Paths are absolute (resolved against the manifest's
/// directory) but not yet checked on disk.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// Where the manifest was read from.
    pub path: PathBuf,
    /// Tool components by name, in name order.
    pub tools: BTreeMap<String, ToolSpec>,
    /// Program profiles by name.
    pub profiles: BTreeMap<String, ProfileSpec>,
    /// The profile used when none is named.
    pub default_profile: String,
}

/// One tool component and its grants.
#[derive(Debug, Clone)]
pub struct ToolSpec {
    /// The tool's name in the manifest (`[tool.NAME]`).
    pub name: String,
    /// Absolute path of the component's `.wasm` file.
    pub component: PathBuf,
    /// Directories the tool may open.
    pub dirs: Vec<DirGrant>,
    /// Limits for each call into the tool.
    pub limits: Limits,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
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
}

/// Effective limits for one component.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Wall-clock time: per run for programs, per call for tools.
    pub time: Duration,
    /// Size of each linear memory, in bytes.
    pub memory: u64,
}

impl Limits {
    /// Defaults for programs when neither the profile nor `[defaults]` sets a limit.
    pub const PROGRAM_DEFAULT: Self = Self { time: Duration::from_secs(30), memory: 256 << 20 };
    /// Defaults for each tool call when neither the tool nor `[defaults]` sets a limit.
    pub const TOOL_DEFAULT: Self = Self { time: Duration::from_secs(10), memory: 128 << 20 };

    fn overlay(self, spec: &LimitsFile) -> Self {
        Self { time: spec.time.map_or(self.time, |t| t.0), memory: spec.memory.map_or(self.memory, |m| m.as_u64()) }
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

/// One problem in a manifest: where, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The component or section, e.g. "tool `files`".
    pub at: String,
    /// The field, e.g. "dir[0].host"; empty when the whole section is meant.
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
    /// A problem at `at`, in `field`.
    pub fn new(at: impl Into<String>, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { at: at.into(), field: field.into(), message: message.into() }
    }
}

// ---- The file format (serde) ----

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ManifestFile {
    version: u32,
    default_profile: String,
    #[serde(default)]
    defaults: DefaultsFile,
    #[serde(default)]
    tool: BTreeMap<String, ToolFile>,
    #[serde(default)]
    profile: BTreeMap<String, ProfileFile>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DefaultsFile {
    #[serde(default)]
    tool_limits: LimitsFile,
    #[serde(default)]
    program_limits: LimitsFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ToolFile {
    component: PathBuf,
    #[serde(default)]
    dir: Vec<DirFile>,
    #[serde(default)]
    limits: LimitsFile,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct DirFile {
    host: PathBuf,
    guest: String,
    access: Access,
    #[serde(default)]
    create: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct ProfileFile {
    tools: Vec<String>,
    #[serde(default)]
    limits: LimitsFile,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct LimitsFile {
    time: Option<HumanDuration>,
    memory: Option<ByteSize>,
}

/// A duration written as text: "500ms", "2s", "1m 30s".
#[derive(Clone, Copy)]
struct HumanDuration(Duration);

impl<'de> Deserialize<'de> for HumanDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        humantime::parse_duration(&text)
            .map(HumanDuration)
            .map_err(|e| serde::de::Error::custom(format!("`{text}` is not a duration like \"2s\" or \"500ms\": {e}")))
    }
}

impl Manifest {
    /// Reads and validates the manifest at `path`.
    ///
    /// # Errors
    ///
    /// A [`ManifestError`] listing every problem: an unreadable file, TOML syntax,
    /// unknown keys, unknown tool names in profiles, bad paths or limits.
    pub fn load(path: &Path) -> Result<Self, ManifestError> {
        let fail = |message: String| ManifestError {
            path: path.to_path_buf(),
            problems: vec![Problem::new("manifest", "", message)],
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
            problems: vec![Problem::new("manifest", "", e.to_string().trim_end().to_owned())],
        })?;
        let mut problems = Vec::new();
        if file.version != MANIFEST_VERSION {
            problems.push(Problem::new(
                "manifest",
                "version",
                format!("version {} is not supported; this cemcp reads version {MANIFEST_VERSION}", file.version),
            ));
        }
        let tool_default = Limits::TOOL_DEFAULT.overlay(&file.defaults.tool_limits);
        let program_default = Limits::PROGRAM_DEFAULT.overlay(&file.defaults.program_limits);
        check_limits("defaults", "tool-limits", tool_default, &mut problems);
        check_limits("defaults", "program-limits", program_default, &mut problems);

        let mut tools = BTreeMap::new();
        for (name, tool) in file.tool {
            let at = format!("tool `{name}`");
            check_name(&at, &name, &mut problems);
            let limits = tool_default.overlay(&tool.limits);
            check_limits(&at, "limits", limits, &mut problems);
            let dirs = tool
                .dir
                .into_iter()
                .enumerate()
                .map(|(i, dir)| {
                    check_dir(&at, i, &dir, &mut problems);
                    DirGrant { host: base.join(&dir.host), guest: dir.guest, access: dir.access, create: dir.create }
                })
                .collect();
            let spec = ToolSpec { name: name.clone(), component: base.join(&tool.component), dirs, limits };
            tools.insert(name, spec);
        }

        let mut profiles = BTreeMap::new();
        for (name, profile) in file.profile {
            let at = format!("profile `{name}`");
            check_name(&at, &name, &mut problems);
            for (i, tool) in profile.tools.iter().enumerate() {
                if !tools.contains_key(tool) {
                    problems.push(Problem::new(&at, format!("tools[{i}]"), unknown_tool(tool, &tools)));
                }
            }
            let limits = program_default.overlay(&profile.limits);
            check_limits(&at, "limits", limits, &mut problems);
            profiles.insert(name.clone(), ProfileSpec { name, tools: profile.tools, limits });
        }
        if !profiles.contains_key(&file.default_profile) {
            let known: Vec<_> = profiles.keys().map(|k| format!("`{k}`")).collect();
            problems.push(Problem::new(
                "manifest",
                "default-profile",
                format!(
                    "`{}` is not a profile here (profiles: {})",
                    file.default_profile,
                    if known.is_empty() { "none".to_owned() } else { known.join(", ") }
                ),
            ));
        }

        if problems.is_empty() {
            Ok(Self { path: path.to_path_buf(), tools, profiles, default_profile: file.default_profile })
        } else {
            Err(ManifestError { path: path.to_path_buf(), problems })
        }
    }

    /// The profile called `name`, or the default profile for `None`.
    ///
    /// # Errors
    ///
    /// When no profile has that name; the message lists the profiles there are.
    pub fn profile(&self, name: Option<&str>) -> anyhow::Result<&ProfileSpec> {
        let name = name.unwrap_or(&self.default_profile);
        self.profiles.get(name).ok_or_else(|| {
            let known: Vec<_> = self.profiles.keys().map(String::as_str).collect();
            anyhow::anyhow!("no profile `{name}` in {} (profiles: {})", self.path.display(), known.join(", "))
        })
    }
}

fn unknown_tool(tool: &str, tools: &BTreeMap<String, ToolSpec>) -> String {
    let known: Vec<_> = tools.keys().map(|k| format!("`{k}`")).collect();
    format!(
        "no tool `{tool}` is declared (declare it as [tool.{tool}]; tools: {})",
        if known.is_empty() { "none".to_owned() } else { known.join(", ") }
    )
}

/// Component and profile names: lowercase letters, digits and `-`, starting with a
/// letter, at most 32 characters. They appear in tool names that MCP clients see.
fn check_name(at: &str, name: &str, problems: &mut Vec<Problem>) {
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

fn check_dir(at: &str, index: usize, dir: &DirFile, problems: &mut Vec<Problem>) {
    let field = |name: &str| format!("dir[{index}].{name}");
    let guest = Path::new(&dir.guest);
    if !guest.is_absolute() || guest.components().any(|p| matches!(p, PathPart::ParentDir | PathPart::CurDir)) {
        problems.push(Problem::new(
            at,
            field("guest"),
            format!("`{}` must be an absolute path without `.` or `..`, like \"/data\"", dir.guest),
        ));
    }
    if dir.create && dir.access != Access::ReadWrite {
        problems.push(Problem::new(at, field("create"), "only read-write directories can be created"));
    }
    if dir.host.as_os_str().is_empty() {
        problems.push(Problem::new(at, field("host"), "the host path is empty"));
    }
}

fn check_limits(at: &str, field: &str, limits: Limits, problems: &mut Vec<Problem>) {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ManifestError> {
        Manifest::parse(text, Path::new("test.toml"), Path::new("/base"))
    }

    const MINIMAL: &str = r#"
        version = 1
        default-profile = "p"
        [tool.files]
        component = "files.wasm"
        dir = [{ host = "docs", guest = "/docs", access = "read-only" }]
        [profile.p]
        tools = ["files"]
    "#;

    #[test]
    fn minimal_manifest_resolves_paths_and_defaults() {
        let m = parse(MINIMAL).unwrap();
        let files = &m.tools["files"];
        assert_eq!(files.component, Path::new("/base/files.wasm"));
        assert_eq!(files.dirs[0].host, Path::new("/base/docs"));
        assert_eq!(files.limits, Limits::TOOL_DEFAULT);
        assert_eq!(m.profile(None).unwrap().limits, Limits::PROGRAM_DEFAULT);
    }

    #[test]
    fn unknown_key_is_named() {
        let err = parse(&MINIMAL.replace("[profile.p]", "[profile.p]\nnetwork = true")).unwrap_err();
        assert!(err.to_string().contains("unknown field `network`"), "{err}");
    }

    #[test]
    fn every_problem_is_listed_with_component_and_field() {
        let text = MINIMAL
            .replace("guest = \"/docs\"", "guest = \"docs/../x\"")
            .replace("tools = [\"files\"]", "tools = [\"files\", \"kv\"]\nlimits = { time = \"0s\" }");
        let err = parse(&text).unwrap_err().to_string();
        assert!(err.contains("3 problems"), "{err}");
        assert!(err.contains("tool `files`, field `dir[0].guest`"), "{err}");
        assert!(err.contains("profile `p`, field `tools[1]`: no tool `kv` is declared"), "{err}");
        assert!(err.contains("profile `p`, field `limits.time`"), "{err}");
    }

    #[test]
    fn limits_overlay_defaults_then_component() {
        let text = MINIMAL.replace(
            "[tool.files]",
            "[defaults]\ntool-limits = { time = \"3s\", memory = \"1 MiB\" }\n[tool.files]\nlimits = { memory = \"2 MiB\" }",
        );
        let m = parse(&text).unwrap();
        assert_eq!(m.tools["files"].limits, Limits { time: Duration::from_secs(3), memory: 2 << 20 });
    }

    #[test]
    fn bad_duration_says_what_is_expected() {
        let err = parse(&MINIMAL.replace("tools = [\"files\"]", "tools = [\"files\"]\nlimits = { time = \"soon\" }"))
            .unwrap_err();
        assert!(err.to_string().contains("`soon` is not a duration"), "{err}");
    }

    #[test]
    fn missing_default_profile_is_named() {
        let err = parse(&MINIMAL.replace("default-profile = \"p\"", "default-profile = \"q\"")).unwrap_err();
        assert!(err.to_string().contains("`q` is not a profile here (profiles: `p`)"), "{err}");
    }

    #[test]
    fn create_requires_read_write() {
        let err =
            parse(&MINIMAL.replace("access = \"read-only\"", "access = \"read-only\", create = true")).unwrap_err();
        assert!(err.to_string().contains("dir[0].create"), "{err}");
    }
}
