//! Compiled components, cached on disk.
//!
//! Compiling a component with cranelift takes tens of milliseconds to seconds;
//! deserializing a precompiled copy takes well under one. Entries are keyed by the
//! sha256 of the wasm bytes and by the engine's compatibility hash (wasmtime version and
//! every setting that affects code), so a changed component or engine never reuses a
//! stale entry.
//!
//! # Size
//!
//! Every distinct program submitted adds an entry, so the directory is bounded
//! ([`DEFAULT_MAX_BYTES`], or [`ComponentCache::with_max_bytes`]): after each write
//! the least recently used entries are removed until the rest fit. A hit marks its
//! entry as used (its modification time). An entry larger than the whole bound is
//! not kept.
//!
//! # Trust
//!
//! Deserializing runs the machine code in the file: the cache directory must be
//! writable only by the user running cemcp. The directory is created with mode 0700.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

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

/// The most bytes a cache directory holds unless told otherwise.
pub const DEFAULT_MAX_BYTES: u64 = 1 << 30;

/// Temporary files left by a writer that died are removed after this long.
const STALE_TEMP: Duration = Duration::from_secs(600);

/// A directory of compiled components (or none, to always compile).
#[derive(Debug, Clone)]
pub struct ComponentCache {
    dir: Option<PathBuf>,
    max_bytes: u64,
}

impl ComponentCache {
    /// A cache in `dir`, created on first write, holding at most
    /// [`DEFAULT_MAX_BYTES`].
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        Self { dir: Some(dir.into()), max_bytes: DEFAULT_MAX_BYTES }
    }

    /// No cache: every load compiles.
    pub fn disabled() -> Self {
        Self { dir: None, max_bytes: DEFAULT_MAX_BYTES }
    }

    /// The same cache, holding at most `max_bytes`.
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: u64) -> Self {
        self.max_bytes = max_bytes;
        self
    }

    /// The most bytes the directory holds.
    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    /// The default directory: `$CEMCP_CACHE_DIR`, else `$XDG_CACHE_HOME/cemcp`, else
    /// `$HOME/.cache/cemcp`; none if none of those is set.
    ///
    /// # Ambient authority
    ///
    /// Reads those three variables of the host environment.
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
    /// # Ambient authority
    ///
    /// Reads, writes and removes files in the cache directory (its own, chosen by
    /// the user running cemcp), as that user.
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
                Ok(component) => {
                    mark_used(&entry);
                    return Ok((component, CacheOutcome::Hit));
                }
                Err(e) => tracing::warn!(entry = %entry.display(), "ignoring unusable cache entry: {e}"),
            }
        }
        let component = Component::new(engine, wasm)?;
        let outcome = match store(dir, &entry, &component, self.max_bytes) {
            Ok(true) => CacheOutcome::Miss,
            Ok(false) => CacheOutcome::Uncached,
            Err(e) => {
                tracing::warn!(dir = %dir.display(), "cannot write the component cache: {e}");
                CacheOutcome::Uncached
            }
        };
        if let Err(e) = evict(dir, self.max_bytes, &entry) {
            tracing::warn!(dir = %dir.display(), "cannot trim the component cache: {e}");
        }
        Ok((component, outcome))
    }
}

impl ComponentCache {
    /// Bytes derived from `wasm` by `derive` (a pre-initialized snapshot, say),
    /// kept in the cache under `tag` so that `derive` runs once per component and
    /// engine; made afresh when caching is off or the entry cannot be read.
    ///
    /// # Ambient authority
    ///
    /// Reads and writes files in the cache directory, as for [`ComponentCache::load`].
    ///
    /// # Errors
    ///
    /// What `derive` returns.
    pub fn derived(
        &self,
        engine: &Engine,
        wasm: &[u8],
        tag: &str,
        derive: impl FnOnce() -> wasmtime::Result<Vec<u8>>,
    ) -> wasmtime::Result<Vec<u8>> {
        let Some(dir) = &self.dir else { return derive() };
        let entry = dir.join(entry_name(engine, wasm).replace(".cwasm", &format!("-{tag}.wasm")));
        if let Ok(bytes) = std::fs::read(&entry) {
            mark_used(&entry);
            return Ok(bytes);
        }
        let bytes = derive()?;
        let written = create_private_dir(dir).map_err(anyhow::Error::from).and_then(|()| {
            let mut temp = tempfile::NamedTempFile::new_in(dir)?;
            temp.write_all(&bytes)?;
            temp.persist(&entry)?;
            Ok(())
        });
        if let Err(e) = written {
            tracing::warn!(dir = %dir.display(), "cannot write the component cache: {e}");
        }
        Ok(bytes)
    }
}

/// Marks an entry as just used, so that eviction keeps it longest.
fn mark_used(entry: &Path) {
    let touched = std::fs::File::options().append(true).open(entry).and_then(|f| f.set_modified(SystemTime::now()));
    if let Err(e) = touched {
        tracing::debug!(entry = %entry.display(), "cannot mark the cache entry as used: {e}");
    }
}

/// Removes the least recently used entries (never `keep`) until the directory holds
/// at most `max_bytes`, and temporary files a dead writer left behind.
fn evict(dir: &Path, max_bytes: u64, keep: &Path) -> std::io::Result<()> {
    let mut entries = Vec::new();
    let mut total = 0u64;
    let now = SystemTime::now();
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let path = item.path();
        let Ok(meta) = item.metadata() else { continue };
        let modified = meta.modified().unwrap_or(SystemTime::UNIX_EPOCH);
        let is_temp = item.file_name().to_string_lossy().starts_with(".tmp");
        if is_temp && now.duration_since(modified).unwrap_or_default() > STALE_TEMP {
            let _ = std::fs::remove_file(&path);
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "cwasm" || e == "wasm") {
            total += meta.len();
            entries.push((modified, meta.len(), path));
        }
    }
    entries.sort();
    for (_, size, path) in entries {
        if total <= max_bytes {
            break;
        }
        if path == keep {
            continue;
        }
        match std::fs::remove_file(&path) {
            Ok(()) => tracing::info!(entry = %path.display(), "removed from the component cache (least recently used)"),
            Err(e) => tracing::debug!(entry = %path.display(), "cannot remove a cache entry: {e}"),
        }
        total = total.saturating_sub(size);
    }
    Ok(())
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

/// Writes an entry atomically: to a temporary file in the same directory, then
/// renamed. Returns false, writing nothing, for an entry larger than the whole cache.
fn store(dir: &Path, entry: &Path, component: &Component, max_bytes: u64) -> anyhow::Result<bool> {
    let bytes = component.serialize()?;
    if bytes.len() as u64 > max_bytes {
        tracing::info!(size = bytes.len(), max_bytes, "not caching a compiled component larger than the whole cache");
        return Ok(false);
    }
    create_private_dir(dir)?;
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    temp.write_all(&bytes)?;
    temp.persist(entry)?;
    Ok(true)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
