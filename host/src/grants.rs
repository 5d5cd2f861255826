//! Turning grants into host resources: the only module that uses ambient authority.
//!
//! Everything else in cemcp works on what this module hands it: checked directory
//! grants and WASI contexts. A grep for `preopened_dir` or `canonicalize` should find
//! nothing outside this file.
//!
//! # Ambient Authority
//!
//! [`resolve_dirs`] looks host paths up (and creates the ones marked `create`);
//! [`tool_wasi`] opens them as WASI preopens. Both act with the rights of the user
//! running cemcp, on paths only an admin's manifest can name.

use wasmtime_wasi::{FsPerms, WasiCtx, WasiCtxBuilder};

use crate::manifest::{Access, DirGrant, Problem};

/// Checks each grant's host directory once, at load: it must exist (or be created, for
/// `create = true`) and be a directory. Returns the grants with canonical host paths,
/// so that later symlink swaps of the configured path cannot redirect a grant.
///
/// # Errors
///
/// Every problem, naming `at` (the component) and the field.
pub fn resolve_dirs(at: &str, dirs: &[DirGrant]) -> Result<Vec<DirGrant>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut resolved = Vec::with_capacity(dirs.len());
    for (i, grant) in dirs.iter().enumerate() {
        let field = format!("dir[{i}].host");
        let shown = grant.host.display();
        if grant.create
            && !grant.host.exists()
            && let Err(e) = std::fs::create_dir_all(&grant.host)
        {
            problems.push(Problem::new(at, &field, format!("cannot create `{shown}`: {e}")));
            continue;
        }
        match grant.host.canonicalize() {
            Ok(host) if host.is_dir() => resolved.push(DirGrant { host, ..grant.clone() }),
            Ok(_) => problems.push(Problem::new(at, &field, format!("`{shown}` is not a directory"))),
            Err(e) => problems.push(Problem::new(
                at,
                &field,
                format!("`{shown}` cannot be used: {e} (create it, or set `create = true` on a read-write grant)"),
            )),
        }
    }
    if problems.is_empty() { Ok(resolved) } else { Err(problems) }
}

/// The WASI context of one tool instance: its directory grants and nothing else
/// (no environment, no arguments, stdin closed, stdout/stderr discarded, every socket
/// address denied).
///
/// # Errors
///
/// When a granted directory cannot be opened (it was removed after load).
pub fn tool_wasi(dirs: &[DirGrant]) -> wasmtime::Result<WasiCtx> {
    let mut builder = base_builder();
    for grant in dirs {
        let perms = match grant.access {
            Access::ReadOnly => FsPerms::ReadOnly,
            Access::ReadWrite => FsPerms::ReadWrite,
        };
        builder
            .preopened_dir(&grant.host, &grant.guest, perms)
            .map_err(|e| e.context(format!("cannot open granted directory `{}`", grant.host.display())))?;
    }
    Ok(builder.build())
}

/// The WASI context of a program: nothing granted at all.
pub fn program_wasi() -> WasiCtx {
    base_builder().build()
}

fn base_builder() -> WasiCtxBuilder {
    let mut builder = WasiCtxBuilder::new();
    // Runs execute on blocking threads (see `run`), so file access may block the
    // current thread instead of hopping to a tokio blocking pool for every read.
    builder.allow_blocking_current_thread(true);
    builder
}
