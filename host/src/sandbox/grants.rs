//! Turning grants into host resources: what guests may reach of the host.
//!
//! Everything else in the sandbox works on what this module hands it: resolved
//! grants and WASI contexts.
//!
//! # Ambient authority
//!
//! Every function in cemcp that reaches the host's files or environment with the
//! rights of the user running it says so in a `# Ambient authority` section of its
//! docs: `grep -rn "# Ambient authority" host/src` lists them all (and a test keeps
//! it so). Those that act for guests are here: [`resolve_tool`] looks host paths up
//! (creating the ones marked `create`) and reads the variables a manifest passes
//! through; [`tool_wasi`] opens the directories as WASI preopens; [`read_component`]
//! reads a component file and checks its pin; [`disk_usage`] measures granted
//! read-write directories for storage quotas. They touch only what an admin's
//! manifest names. The others are the edges: reading the manifest
//! ([`crate::manifest::Manifest::load`]), the compiled-component cache in its own
//! directory ([`crate::cache`]), and the files named on the command line
//! ([`crate::cli`]).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use wasmtime_wasi::sockets::SocketAddrUse;
use wasmtime_wasi::{Deterministic, FsPerms, HostMonotonicClock, HostWallClock, WasiCtx, WasiCtxBuilder};

use crate::manifest::{Access, Clocks, DirGrant, Location, NetRule, NetScheme, Problem, ToolSpec};
use crate::sandbox::capture::Stdio;
use crate::sandbox::fs_guard::StorageQuota;

/// A tool's grants, resolved on the host once, when the manifest is loaded.
#[derive(Debug, Clone)]
pub struct ToolGrants {
    /// Directories, with canonical host paths.
    pub dirs: Vec<DirGrant>,
    /// Every environment variable the tool sees: explicit ones and those passed through.
    pub env: Vec<(String, String)>,
    /// The outbound network allowlist.
    pub network: Arc<[NetRule]>,
    /// What its clocks read.
    pub clocks: Clocks,
    /// Real randomness.
    pub random: bool,
    /// Bytes of stdout and of stderr kept per instance.
    pub log: u64,
    /// The quota over its read-write directories, shared by all its instances.
    pub storage: Option<Arc<StorageQuota>>,
}

/// Resolves a tool's grants on the host: directories must exist (or are created, for
/// `create = true`) and are canonicalised, so that later symlink swaps of the
/// configured path cannot redirect a grant; passed-through variables must be set.
///
/// # Ambient authority
///
/// Looks up and creates the manifest's directories and reads the host variables it
/// passes through, as the user running cemcp.
///
/// # Errors
///
/// Every problem, naming the tool and the field.
pub fn resolve_tool(spec: &ToolSpec) -> Result<ToolGrants, Vec<Problem>> {
    let at = Location::Tool(spec.name.clone());
    let mut problems = Vec::new();
    let mut dirs = Vec::with_capacity(spec.dirs.len());
    for (i, grant) in spec.dirs.iter().enumerate() {
        let field = format!("dir[{i}].host");
        let shown = grant.host.display();
        if grant.create
            && !grant.host.exists()
            && let Err(e) = std::fs::create_dir_all(&grant.host)
        {
            problems.push(Problem::new(&at, &field, format!("cannot create `{shown}`: {e}")));
            continue;
        }
        match grant.host.canonicalize() {
            Ok(host) if host.is_dir() => dirs.push(DirGrant { host, ..grant.clone() }),
            Ok(_) => problems.push(Problem::new(&at, &field, format!("`{shown}` is not a directory"))),
            Err(e) => problems.push(Problem::new(
                &at,
                &field,
                format!("`{shown}` cannot be used: {e} (create it, or set `create = true` on a read-write grant)"),
            )),
        }
    }
    let mut env: Vec<(String, String)> = spec.env.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    for (i, name) in spec.env_pass.iter().enumerate() {
        match std::env::var(name) {
            Ok(value) => env.push((name.clone(), value)),
            Err(e) => problems.push(Problem::new(
                &at,
                format!("env-pass[{i}]"),
                format!("`{name}` cannot be passed through: {e}"),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let writable = dirs.iter().filter(|d| d.access == Access::ReadWrite).map(|d| d.host.clone()).collect();
    let storage = spec.storage_quota.map(|limit| Arc::new(StorageQuota::new(limit, writable)));
    Ok(ToolGrants {
        storage,
        dirs,
        env,
        network: spec.network.clone().into(),
        clocks: spec.clocks,
        random: spec.random,
        log: spec.limits.log,
    })
}

/// Why a component file named by the manifest cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum ComponentFileError {
    /// The file cannot be read.
    #[error("cannot read `{path}`: {error}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        error: std::io::Error,
    },
    /// Its digest is not the one pinned.
    #[error("`{path}` has digest {digest}, but the manifest pins sha256:{pin}; refusing to load it")]
    Pin {
        /// The file.
        path: String,
        /// Its digest, `sha256:<hex>`.
        digest: String,
        /// The pinned hex digest.
        pin: String,
    },
}

impl ComponentFileError {
    /// The manifest field the error belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::Read { .. } => "component",
            Self::Pin { .. } => "sha256",
        }
    }
}

/// A component file the manifest names, known by its digest (checked against its
/// pin) and read whole only if needed: to compile it or decode its docs when the
/// cache has neither. Hashing streams the file through a small buffer, which costs
/// less than reading it into fresh memory (issue 14: a cached start-up reads no
/// component whole).
///
/// # Ambient authority
///
/// Reads `path` with the rights of the user running cemcp; only a manifest names it.
#[derive(Debug)]
pub struct ComponentFile {
    path: std::path::PathBuf,
    digest: String,
    bytes: std::sync::OnceLock<Result<Vec<u8>, String>>,
}

impl ComponentFile {
    /// Hashes the file at `path` (or takes its digest from `cache`'s memo, when the
    /// file is unchanged since it was hashed) and checks the digest against `pin`.
    ///
    /// # Errors
    ///
    /// When the file cannot be read or its digest is not the pinned one.
    pub fn open(
        path: &std::path::Path,
        pin: Option<&str>,
        cache: &crate::cache::ComponentCache,
    ) -> Result<Self, ComponentFileError> {
        let shown = || path.display().to_string();
        let digest = cache.digest_file(path).map_err(|error| ComponentFileError::Read { path: shown(), error })?;
        let digest = pinned(path, digest, pin)?;
        Ok(Self { path: path.to_owned(), digest, bytes: std::sync::OnceLock::new() })
    }

    /// Its digest, `sha256:<hex>`.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Its bytes, read on the first call and checked against the digest taken
    /// when it was opened (so that what is compiled is what was hashed and pinned).
    ///
    /// # Errors
    ///
    /// When the file cannot be read now, or has changed since it was opened.
    pub fn bytes(&self) -> Result<&[u8], &str> {
        let read = || {
            let wasm = std::fs::read(&self.path).map_err(|e| format!("cannot read `{}`: {e}", self.path.display()))?;
            if crate::cache::digest(&wasm) != self.digest {
                return Err(format!("`{}` changed while it was being loaded; load it again", self.path.display()));
            }
            Ok(wasm)
        };
        self.bytes.get_or_init(read).as_deref().map_err(String::as_str)
    }
}

/// Reads a component file the manifest names and checks it against its pin, before
/// anything compiles it. Returns its bytes and its digest (`sha256:<hex>`).
///
/// # Ambient authority
///
/// Reads `path` with the rights of the user running cemcp; only a manifest names it.
///
/// # Errors
///
/// When the file cannot be read or its digest is not the pinned one.
pub fn read_component(path: &std::path::Path, pin: Option<&str>) -> Result<(Vec<u8>, String), ComponentFileError> {
    let shown = || path.display().to_string();
    let wasm = std::fs::read(path).map_err(|error| ComponentFileError::Read { path: shown(), error })?;
    let digest = pinned(path, crate::cache::digest(&wasm), pin)?;
    Ok((wasm, digest))
}

/// `digest` (`sha256:<hex>`) of the file at `path`, if it is what `pin` (hex)
/// says, or there is no pin.
fn pinned(path: &std::path::Path, digest: String, pin: Option<&str>) -> Result<String, ComponentFileError> {
    match pin {
        Some(pin) if digest.strip_prefix("sha256:") != Some(pin) => {
            Err(ComponentFileError::Pin { path: path.display().to_string(), digest, pin: pin.to_owned() })
        }
        _ => Ok(digest),
    }
}

/// Bytes held by the regular files under `dirs`, measured on the host (symbolic
/// links are not followed; unreadable entries count as empty). Used by storage
/// quotas.
///
/// # Ambient authority
///
/// Lists `dirs`, directories an admin granted to a tool, as the user running cemcp.
pub fn disk_usage(dirs: &[std::path::PathBuf]) -> u64 {
    let mut total = 0u64;
    let mut pending: Vec<std::path::PathBuf> = dirs.to_vec();
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            let Ok(meta) = entry.metadata() else { continue };
            if meta.is_dir() {
                pending.push(entry.path());
            } else if meta.is_file() {
                total = total.saturating_add(meta.len());
            }
        }
    }
    total
}

/// The WASI context of one tool instance: its grants and nothing else. No arguments,
/// stdin closed, stdout and stderr captured, sockets only as its network rules allow,
/// no name lookups.
///
/// # Errors
///
/// When a granted directory cannot be opened (it was removed after load).
///
/// # Ambient authority
///
/// Opens the granted (already resolved) directories as the user running cemcp.
pub fn tool_wasi(grants: &ToolGrants) -> wasmtime::Result<(WasiCtx, Stdio)> {
    let stdio = Stdio::new(grants.log);
    let mut builder = base_builder(&stdio);
    for grant in &grants.dirs {
        let perms = match grant.access {
            Access::ReadOnly => FsPerms::ReadOnly,
            Access::ReadWrite => FsPerms::ReadWrite,
        };
        builder
            .preopened_dir(&grant.host, &grant.guest, perms)
            .map_err(|e| e.context(format!("cannot open granted directory `{}`", grant.host.display())))?;
    }
    for (key, value) in &grants.env {
        builder.env(key, value);
    }
    let socket_rules = |scheme| grants.network.iter().any(|r| r.scheme == scheme);
    builder.allow_tcp(socket_rules(NetScheme::Tcp));
    builder.allow_udp(socket_rules(NetScheme::Udp));
    let rules = Arc::clone(&grants.network);
    builder.socket_addr_check(move |addr, usage| {
        let allowed = socket_allowed(&rules, addr, usage);
        if !allowed {
            tracing::warn!(%addr, ?usage, "socket use refused: not in the tool's network grant");
        }
        Box::pin(std::future::ready(allowed))
    });
    if let Clocks::FrozenAt(at) = grants.clocks {
        builder.wall_clock(FrozenClock(at)).monotonic_clock(FrozenClock(at));
    }
    if !grants.random {
        builder
            .secure_random(Deterministic::new(FIXED_RANDOM.to_vec()))
            .insecure_random(Deterministic::new(FIXED_RANDOM.to_vec()))
            .insecure_random_seed(0);
    }
    Ok((builder.build(), stdio))
}

/// The most random bytes one WASI call may ask for (programs and tools alike).
pub const MAX_RANDOM_BYTES: u64 = 1 << 20;

/// The WASI context of a program: nothing granted at all; its stdout and stderr are
/// captured like a tool's.
pub fn program_wasi(log: u64) -> (WasiCtx, Stdio) {
    let stdio = Stdio::new(log);
    let ctx = base_builder(&stdio).allow_tcp(false).allow_udp(false).build();
    (ctx, stdio)
}

fn base_builder(stdio: &Stdio) -> WasiCtxBuilder {
    let mut builder = WasiCtxBuilder::new();
    // Runs execute on blocking threads (see `run`), so file access may block the
    // current thread instead of hopping to a tokio blocking pool for every read.
    builder.allow_blocking_current_thread(true);
    builder.allow_ip_name_lookup(false);
    // The host fills a buffer of the size a guest asks for before copying it in:
    // bounded, so that randomness cannot make the host allocate outside the guest's
    // memory limit (wasmtime-wasi allows 64 MiB per call by default).
    builder.max_random_size(MAX_RANDOM_BYTES);
    builder.stdout(stdio.stdout.clone()).stderr(stdio.stderr.clone());
    builder
}

/// Which socket uses the rules allow. Connecting (TCP) or sending (UDP) must match a
/// rule; the implicit bind to the wildcard address that precedes them is allowed when
/// there are rules of that kind. Explicit binds, listening and accepting are inbound
/// and never granted.
fn socket_allowed(rules: &[NetRule], addr: SocketAddr, usage: SocketAddrUse) -> bool {
    let wildcard = addr.port() == 0 && addr.ip().is_unspecified();
    let any_of = |scheme| rules.iter().any(|r| r.scheme == scheme);
    let matches = |scheme| rules.iter().any(|r| r.allows_socket(scheme, addr));
    match usage {
        SocketAddrUse::TcpBind => wildcard && any_of(NetScheme::Tcp),
        SocketAddrUse::UdpBind => wildcard && any_of(NetScheme::Udp),
        SocketAddrUse::TcpConnect => matches(NetScheme::Tcp),
        SocketAddrUse::UdpSend => matches(NetScheme::Udp),
        _ => false,
    }
}

/// The bytes `random = false` repeats.
const FIXED_RANDOM: [u8; 8] = [0x2a, 0x17, 0x5c, 0x93, 0x08, 0xe1, 0x46, 0xbd];

/// A frozen clock (`clocks = false`, or an instant): the wall clock always reads
/// that instant and the monotonic clock reads zero.
struct FrozenClock(Duration);

impl HostWallClock for FrozenClock {
    fn resolution(&self) -> Duration {
        Duration::from_secs(1)
    }

    fn now(&self) -> Duration {
        self.0
    }
}

impl HostMonotonicClock for FrozenClock {
    fn resolution(&self) -> u64 {
        1_000_000_000
    }

    fn now(&self) -> u64 {
        0
    }
}

#[cfg(test)]
mod tests {
    use std::net::IpAddr;

    use super::*;

    #[test]
    fn sockets_need_a_matching_rule() {
        let rules = [NetRule::parse("tcp://127.0.0.1:5432").unwrap()];
        let db: SocketAddr = "127.0.0.1:5432".parse().unwrap();
        let other: SocketAddr = "127.0.0.1:22".parse().unwrap();
        let wildcard = SocketAddr::new(IpAddr::from([0, 0, 0, 0]), 0);
        assert!(socket_allowed(&rules, db, SocketAddrUse::TcpConnect));
        assert!(socket_allowed(&rules, wildcard, SocketAddrUse::TcpBind));
        assert!(!socket_allowed(&rules, other, SocketAddrUse::TcpConnect));
        assert!(!socket_allowed(&rules, db, SocketAddrUse::TcpBind), "explicit binds are inbound");
        assert!(!socket_allowed(&rules, wildcard, SocketAddrUse::TcpListen));
        assert!(!socket_allowed(&rules, db, SocketAddrUse::UdpSend));
        assert!(!socket_allowed(&[], wildcard, SocketAddrUse::TcpBind), "no rules, no sockets");
        let http_only = [NetRule::parse("http://127.0.0.1:5432").unwrap()];
        assert!(!socket_allowed(&http_only, db, SocketAddrUse::TcpConnect), "an HTTP grant opens no socket");
    }
}
