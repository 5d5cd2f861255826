//! A `[tool.NAME]` table resolved into a [`ToolSpec`]: paths against the manifest's
//! directory, limits over the defaults, and every problem named by its field.

use std::path::{Component as PathPart, Path};
use std::time::Duration;

use super::file::{ClocksFile, DirFile, ToolFile};
use super::{
    Access, Clocks, DEFAULT_STORAGE_QUOTA, DirGrant, Limits, Location, NetRule, Problem, ToolSpec, check_limits,
    check_name, pin, resolve,
};

/// The resolved tool `name`; what is wrong is added to `problems`.
pub(super) fn tool_spec(
    name: &str,
    mut tool: ToolFile,
    base: &Path,
    defaults: Limits,
    problems: &mut Vec<Problem>,
) -> ToolSpec {
    let at = Location::Tool(name.to_owned());
    check_name(&at, name, problems);
    let marks = super::gates::marks(&at, &mut tool, problems);
    let limits = defaults.overlay(&tool.limits);
    check_limits(&at, "limits", limits, false, problems);
    if tool.limits.calls.is_some() {
        problems.push(Problem::new(&at, "limits.calls", "`calls` limits programs; set it on a profile"));
    }
    let sha256 = tool.sha256.as_deref().and_then(|text| pin(&at, text, problems));
    let dirs: Vec<DirGrant> = tool
        .dir
        .into_iter()
        .enumerate()
        .map(|(i, dir)| {
            check_dir(&at, i, &dir, problems);
            DirGrant { host: resolve(base, &dir.host), guest: dir.guest, access: dir.access, create: dir.create }
        })
        .collect();
    for (key, value) in &tool.env {
        check_env_name(&at, &format!("env.{key}"), key, problems);
        if value.contains('\0') {
            problems.push(Problem::new(&at, format!("env.{key}"), "the value contains a NUL character"));
        }
    }
    for (i, key) in tool.env_pass.iter().enumerate() {
        check_env_name(&at, &format!("env-pass[{i}]"), key, problems);
        if tool.env.contains_key(key) {
            problems.push(Problem::new(
                &at,
                format!("env-pass[{i}]"),
                format!("`{key}` is also set in `env`; keep one"),
            ));
        }
    }
    let network = tool
        .network
        .iter()
        .enumerate()
        .filter_map(|(i, rule)| {
            NetRule::parse(rule).map_err(|e| problems.push(Problem::new(&at, format!("network[{i}]"), e))).ok()
        })
        .collect();
    let writable = dirs.iter().any(|d: &DirGrant| d.access == Access::ReadWrite);
    let storage_quota = match (tool.storage_quota, writable) {
        (Some(quota), true) if quota.as_u64() == 0 => {
            problems.push(Problem::new(&at, "storage-quota", "the storage quota must be more than zero"));
            None
        }
        (Some(_), false) => {
            problems.push(Problem::new(
                &at,
                "storage-quota",
                "it bounds read-write directories, and this tool has none; remove it",
            ));
            None
        }
        (quota, true) => Some(quota.map_or(DEFAULT_STORAGE_QUOTA, |q| q.as_u64())),
        (None, false) => None,
    };
    let clocks = match tool.clocks {
        None | Some(ClocksFile::Real(true)) => Clocks::Real,
        Some(ClocksFile::Real(false)) => Clocks::FrozenAt(Duration::ZERO),
        Some(ClocksFile::FrozenAt(text)) => match humantime::parse_rfc3339_weak(&text) {
            Ok(time) => Clocks::FrozenAt(time.duration_since(std::time::UNIX_EPOCH).unwrap_or_default()),
            Err(e) => {
                problems.push(Problem::new(
                    &at,
                    "clocks",
                    format!("`{text}` is not an RFC 3339 time such as \"2026-11-23T15:30:00Z\" ({e})"),
                ));
                Clocks::Real
            }
        },
    };
    let mcp_prefix = tool.mcp_prefix.unwrap_or_else(|| format!("{}_", name.replace('-', "_")));
    let prefix_ok =
        mcp_prefix.len() <= 32 && mcp_prefix.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !prefix_ok {
        problems.push(Problem::new(&at, "mcp-prefix", "at most 32 characters of A-Z, a-z, 0-9, `_` and `-`"));
    }
    ToolSpec {
        name: name.to_owned(),
        marks,
        component: resolve(base, &tool.component),
        sha256,
        storage_quota,
        dirs,
        env: tool.env,
        env_pass: tool.env_pass,
        network,
        clocks,
        mcp_prefix,
        random: tool.random.unwrap_or(true),
        limits,
    }
}

fn check_env_name(at: &Location, field: &str, name: &str, problems: &mut Vec<Problem>) {
    if name.is_empty() || name.contains(['=', '\0']) {
        problems.push(Problem::new(at, field, format!("`{name}` is not an environment variable name")));
    }
}

fn check_dir(at: &Location, index: usize, dir: &DirFile, problems: &mut Vec<Problem>) {
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
