//! Compiled components, cached on disk.
//!
//! Compiling a component with cranelift takes tens of milliseconds to seconds;
//! deserializing a precompiled copy takes well under one. Entries are keyed by the
//! sha256 of the wasm bytes and by the engine's compatibility hash (wasmtime version and
//! every setting that affects code), so a changed component or engine never reuses a
//! stale entry.
//!
//! # Trust
//!
//! Deserializing runs the machine code in the file: the cache directory must be
//! writable only by the user running cemcp. The directory is created with mode 0700.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use wasmtime::Engine;
use wasmtime::component::Component;

/// Where a component came from on this load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheOutcome {
    /// Deserialized from the cache.
    Hit,
    /// Compiled, and written to the cache.
    Miss,
    /// Compiled; caching is off (or the entry could not be written).
    Uncached,
}

/// The sha256 digest of some wasm bytes, as `sha256:<hex>`.
pub fn digest(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(bytes)))
}

/// A directory of compiled components (or none, to always compile).
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
}

impl ComponentCache {
    /// A cache in `dir`, created on first write.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: Some(dir.into()) }
    }

    /// No cache: every load compiles.
    pub fn disabled() -> Self {
        Self { dir: None }
    }

    /// The default directory: `$CEMCP_CACHE_DIR`, else `$XDG_CACHE_HOME/cemcp`, else
    /// `$HOME/.cache/cemcp`; none if none of those is set.
    pub fn default_dir() -> Option<PathBuf> {
        let var = |name| std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from);
        var("CEMCP_CACHE_DIR")
            .or_else(|| var("XDG_CACHE_HOME").map(|d| d.join("cemcp")))
            .or_else(|| var("HOME").map(|d| d.join(".cache").join("cemcp")))
    }

    /// The cache directory, if caching is on.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    /// Loads a component from its wasm bytes, through the cache.
    ///
    /// An unreadable or incompatible entry is recompiled and replaced; a cache that
    /// cannot be written only costs speed (it is logged, not fatal).
    ///
    /// # Errors
    ///
    /// When the bytes are not a valid component.
    pub fn load(&self, engine: &Engine, wasm: &[u8]) -> wasmtime::Result<(Component, CacheOutcome)> {
        let Some(dir) = &self.dir else {
            return Ok((Component::new(engine, wasm)?, CacheOutcome::Uncached));
        };
        let entry = dir.join(entry_name(engine, wasm));
        if entry.is_file() {
            match deserialize(engine, &entry) {
                Ok(component) => return Ok((component, CacheOutcome::Hit)),
                Err(e) => tracing::warn!(entry = %entry.display(), "ignoring unusable cache entry: {e}"),
            }
        }
        let component = Component::new(engine, wasm)?;
        let outcome = match store(dir, &entry, &component) {
            Ok(()) => CacheOutcome::Miss,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), "cannot write the component cache: {e}");
                CacheOutcome::Uncached
            }
        };
        Ok((component, outcome))
    }
}

#[expect(unsafe_code, reason = "loading compiled code is what a cache is for; see the Trust section")]
fn deserialize(engine: &Engine, entry: &Path) -> wasmtime::Result<Component> {
    // SAFETY: entries are written only by `store` below, from `serialize`, into a
    // directory only this user can write (see the module's Trust section); wasmtime
    // checks the header and the engine's compatibility before using one.
    unsafe { Component::deserialize_file(engine, entry) }
}

fn entry_name(engine: &Engine, wasm: &[u8]) -> String {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{}-{:016x}.cwasm", hex::encode(Sha256::digest(wasm)), hasher.finish())
}

/// Writes an entry atomically: to a temporary file in the same directory, then renamed.
fn store(dir: &Path, entry: &Path, component: &Component) -> anyhow::Result<()> {
    let bytes = component.serialize()?;
    create_private_dir(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(&bytes)?;
    temp.persist(entry)?;
    Ok(())
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
