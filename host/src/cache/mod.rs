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
//! entry as used (the modification time of its sidecar, for a compiled entry). An
//! entry larger than the whole bound is not kept.
//!
//! # Trust and damage
//!
//! Deserializing runs the machine code in the file: the cache directory must be
//! writable only by the user running cemcp. The directory is created with mode 0700,
//! and a directory that group or others may write is refused ([`ComponentCache::check`],
//! which `Runtime::new` calls): every entry in it could be someone else's code.
//!
//! Every compiled entry (`<key>.cwasm`, wasmtime's own format, so that it can be
//! mapped rather than copied) has a sidecar (`<key>.cwasm.sum`: a magic header, the
//! entry's length and its CRC-32), checked before anything in the entry is used: an
//! entry cut short by a full disk, damaged on disk, or missing its sidecar is
//! recompiled and replaced, never loaded. The entry is written before its sidecar, so
//! a reader between the two sees a mismatch, not a half-written entry. Once an entry
//! has passed the check with its times settled (see `memo`), its sidecar also records
//! the entry's identity (device, inode, size, modification and change times), and
//! while the entry keeps that identity it is not read to be checked again: any write
//! to it changes its identity. (A bit flipped by the disk itself after that check is
//! not seen; wasmtime still checks the entry's header.) Derived entries
//! (pre-initialized snapshots and tools' decoded docs, read as bytes anyway) carry the
//! same header inline. Docs are also keyed by the build of cemcp that decoded them
//! (the running executable's size and time), so a new cemcp decodes them again.
//! (The check is for damage, not for an attacker: one who can write the directory is
//! excluded by its permissions.)
//!
//! `digests/` remembers each component file's digest by its identity, so that an
//! unchanged component is not hashed at every start (`memo`). Entries kept by name
//! ([`ComponentCache::keep`]: the tool list a stdio server answers its next start
//! with, see `mcp::WarmList`) carry the same inline header as derived entries and are
//! evicted with them.

mod memo;

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::{Read, Write};
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

/// The first bytes of every sidecar (before the entry's length and CRC-32) and of
/// every derived entry (before its CRC-32 and content).
const MAGIC: &[u8; 8] = b"cemcp\x00c1";

/// The extension of a compiled entry's sidecar, after `.cwasm`.
const SUM: &str = "sum";
/// A sidecar's size: magic, length, CRC-32.
const SUM_BYTES: u64 = 8 + 8 + 4;

/// Why a cache directory cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refusing the component cache {}: {reason}", dir.display())]
pub struct CacheError {
    /// The directory.
    pub dir: PathBuf,
    /// Why.
    pub reason: String,
}

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

    /// The [`digest`] of the component file at `path`: remembered from an earlier
    /// start when the file is unchanged since (see `memo`), else read and hashed.
    ///
    /// # Errors
    ///
    /// When the file cannot be opened or read.
    pub fn digest_file(&self, path: &Path) -> std::io::Result<String> {
        match &self.dir {
            Some(dir) => memo::digest_file(dir, path),
            None => digest_file(path),
        }
    }

    /// The digest of the component file at `path` if it is remembered for the file
    /// as it is now (see `memo`); never reads or hashes the file.
    pub fn remembered_digest(&self, path: &Path) -> Option<String> {
        self.dir.as_deref().and_then(|dir| memo::remembered_digest(dir, path))
    }

    /// Whether the directory may be used: if it exists, neither group nor others may
    /// write it (its entries are machine code that cemcp runs).
    ///
    /// # Ambient authority
    ///
    /// Reads the directory's metadata.
    ///
    /// # Errors
    ///
    /// A [`CacheError`] naming the directory, its mode and what to do.
    pub fn check(&self) -> Result<(), CacheError> {
        let Some(dir) = &self.dir else { return Ok(()) };
        let meta = match std::fs::metadata(dir) {
            Ok(meta) => meta,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(CacheError { dir: dir.clone(), reason: format!("cannot read it: {e}") }),
        };
        if !meta.is_dir() {
            return Err(CacheError { dir: dir.clone(), reason: "it is not a directory".into() });
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o022 != 0 {
                return Err(CacheError {
                    dir: dir.clone(),
                    reason: format!(
                        "group or others may write it (mode {mode:o}), and its entries are code cemcp runs; \
                         `chmod 700` it, or choose another with --cache-dir"
                    ),
                });
            }
        }
        Ok(())
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
        self.load_digested(engine, wasm, &digest(wasm))
    }

    /// [`ComponentCache::load`] of bytes whose [`digest`] the caller has already
    /// taken (hashing a large component costs about a millisecond per 2 MB).
    ///
    /// # Errors
    ///
    /// As [`ComponentCache::load`].
    pub fn load_digested(
        &self,
        engine: &Engine,
        wasm: &[u8],
        digest: &str,
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        self.load_lazily(engine, digest, || Ok(wasm))
    }

    /// [`ComponentCache::load_digested`] with the bytes asked of `wasm` only when
    /// they must be compiled: a component loaded from the cache is never read whole
    /// (see [`crate::sandbox::grants::ComponentFile`]).
    ///
    /// # Errors
    ///
    /// As [`ComponentCache::load`], and what `wasm` returns.
    pub fn load_lazily<'a>(
        &self,
        engine: &Engine,
        digest: &str,
        wasm: impl FnOnce() -> wasmtime::Result<&'a [u8]>,
    ) -> wasmtime::Result<(Component, CacheOutcome)> {
        let Some(dir) = &self.dir else {
            return Ok((Component::new(engine, wasm()?)?, CacheOutcome::Uncached));
        };
        let entry = dir.join(entry_name(engine, digest));
        if entry.is_file() {
            match deserialize(engine, &entry) {
                Ok(component) => {
                    // The sidecar, so that the entry's own times stay those it was
                    // checked with.
                    mark_used(&sidecar(&entry));
                    return Ok((component, CacheOutcome::Hit));
                }
                Err(e) => tracing::warn!(entry = %entry.display(), "ignoring unusable cache entry: {e}"),
            }
        }
        let component = Component::new(engine, wasm()?)?;
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
    /// Bytes derived from the component whose digest is `digest` (`sha256:<hex>`)
    /// by `derive` (a pre-initialized snapshot, its decoded docs), kept in the cache
    /// under `tag` so that `derive` runs once per component and engine; made afresh
    /// when caching is off or the entry cannot be read.
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
        digest: &str,
        tag: &str,
        derive: impl FnOnce() -> wasmtime::Result<Vec<u8>>,
    ) -> wasmtime::Result<Vec<u8>> {
        let name = entry_name(engine, digest).replace(".cwasm", &format!("-{tag}"));
        if let Some(bytes) = self.kept(&name) {
            return Ok(bytes);
        }
        let bytes = derive()?;
        self.keep(&name, &bytes);
        Ok(bytes)
    }

    /// The bytes kept under `name` ([`ComponentCache::keep`]), if they are there and
    /// whole (an entry damaged or cut short is ignored, and logged); `None` when
    /// caching is off.
    ///
    /// # Ambient authority
    ///
    /// Reads the entry, and marks it used, in the cache directory.
    pub fn kept(&self, name: &str) -> Option<Vec<u8>> {
        let entry = self.dir.as_ref()?.join(format!("{name}.wasm"));
        match std::fs::read(&entry).map(|bytes| checked(&bytes).map(<[u8]>::to_vec)) {
            Ok(Ok(bytes)) => {
                mark_used(&entry);
                Some(bytes)
            }
            Ok(Err(damage)) => {
                tracing::warn!(entry = %entry.display(), "ignoring a damaged cache entry: {damage}");
                None
            }
            Err(_) => None,
        }
    }

    /// Keeps `bytes` under `name` (letters, digits, `-` and `_`) with a checksum,
    /// written atomically; evicted like compiled entries. A failure to write is
    /// logged: the cache only saves work.
    ///
    /// # Ambient authority
    ///
    /// Creates and writes files in the cache directory.
    pub fn keep(&self, name: &str, bytes: &[u8]) {
        let Some(dir) = &self.dir else { return };
        let entry = dir.join(format!("{name}.wasm"));
        let written =
            create_private_dir(dir).map_err(anyhow::Error::from).and_then(|()| write_entry(dir, &entry, bytes));
        if let Err(e) = written {
            tracing::warn!(dir = %dir.display(), "cannot write the component cache: {e}");
        }
    }
}

/// Names the build of cemcp that is running, so that what one build derived (docs,
/// the MCP tool list) is not used by another: its version and the executable's size
/// and modification time.
pub(crate) fn build_stamp() -> &'static str {
    static STAMP: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    STAMP.get_or_init(|| {
        let meta = std::env::current_exe().and_then(std::fs::metadata);
        let modified = meta.as_ref().ok().and_then(|m| m.modified().ok());
        let since = modified.and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).unwrap_or_default();
        let len = meta.map(|m| m.len()).unwrap_or_default();
        format!("{}-{len:x}-{:x}", env!("CARGO_PKG_VERSION"), since.as_nanos())
    })
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
        } else if meta.is_file() && path.extension().is_some_and(|e| e == SUM) {
            total += meta.len(); // Removed with its entry.
        } else if meta.is_file() && path.extension().is_some_and(|e| e == "cwasm" || e == "wasm") {
            total += meta.len();
            // A compiled entry is marked used on its sidecar.
            let used =
                std::fs::metadata(sidecar(&path)).and_then(|m| m.modified()).map_or(modified, |s| s.max(modified));
            entries.push((used, meta.len(), path));
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
        if std::fs::remove_file(sidecar(&path)).is_ok() {
            total = total.saturating_sub(SUM_BYTES);
        }
        total = total.saturating_sub(size);
    }
    Ok(())
}

#[expect(unsafe_code, reason = "loading compiled code is what a cache is for; see the Trust section")]
fn deserialize(engine: &Engine, entry: &Path) -> wasmtime::Result<Component> {
    check_entry(entry).map_err(|damage| wasmtime::format_err!("{damage}"))?;
    // SAFETY: entries are written only by `store` below, from `serialize`, into a
    // directory only this user can write (see the module's Trust section), and this
    // one's length and checksum match what was written (checked now, or when it was
    // last checked and it has not changed since); wasmtime checks the header and the
    // engine's compatibility before using it. Mapping the file (rather than copying
    // the bytes just read) shares its pages with the page cache.
    unsafe { Component::deserialize_file(engine, entry) }
}

/// Checks a compiled entry's length and CRC-32 against its sidecar, unless the
/// sidecar records that this very file (the same identity, see `memo`) passed the
/// check before: then it is not read again (issue 14: reading every entry at every
/// start was most of the 10 MB `cemcp serve` read). A file that passes with its
/// times settled gets that record.
fn check_entry(entry: &Path) -> Result<(), String> {
    let sum = std::fs::read(sidecar(entry)).map_err(|e| format!("its checksum file: {e}"))?;
    let (head, checked) = sum.split_at(sum.len().min(SUM_BYTES as usize));
    let mut file = std::fs::File::open(entry).map_err(|e| e.to_string())?;
    let before = file.metadata().map_err(|e| e.to_string())?;
    if memo::checked_before(checked, &before) {
        return Ok(());
    }
    let started = SystemTime::now();
    let mut crc = crc32fast::Hasher::new();
    let len = stream(&mut file, |chunk| crc.update(chunk)).map_err(|e| e.to_string())?;
    matches_sum(head, len, crc.finalize())?;
    if let Ok(after) = file.metadata()
        && let Some(line) = memo::settled_record(&before, &after, started, "checked")
        && let Some(dir) = entry.parent()
        && let Err(e) = write_atomically(dir, &sidecar(entry), &[head, line.as_bytes()])
    {
        tracing::debug!(entry = %entry.display(), "cannot record the check: {e:#}");
    }
    Ok(())
}

/// The sidecar holding a compiled entry's length and checksum.
fn sidecar(entry: &Path) -> PathBuf {
    let mut name = entry.as_os_str().to_owned();
    name.push(".");
    name.push(SUM);
    PathBuf::from(name)
}

/// A sidecar's content for an entry of `len` bytes whose CRC-32 is `crc`: magic,
/// length, CRC-32.
fn sum_for(len: u64, crc: u32) -> Vec<u8> {
    let mut sum = MAGIC.to_vec();
    sum.extend_from_slice(&len.to_le_bytes());
    sum.extend_from_slice(&crc.to_le_bytes());
    sum
}

/// Feeds the file at `path` to `each` a chunk at a time, through a 64 KiB buffer
/// (small enough to come from the heap and stay in the CPU's cache); its length.
/// Checking or hashing a file this way costs less than reading it into fresh
/// memory, whose pages the kernel must fault in and clear (issue 14).
///
/// # Errors
///
/// When the file cannot be opened or read.
pub(crate) fn stream_file(path: &Path, each: impl FnMut(&[u8])) -> std::io::Result<u64> {
    stream(&mut std::fs::File::open(path)?, each)
}

/// [`stream_file`] for a file already open.
fn stream(file: &mut std::fs::File, mut each: impl FnMut(&[u8])) -> std::io::Result<u64> {
    let mut buffer = vec![0u8; 64 * 1024];
    let mut len = 0u64;
    loop {
        match file.read(&mut buffer) {
            Ok(0) => return Ok(len),
            Ok(n) => {
                each(buffer.get(..n).unwrap_or_default());
                len += n as u64;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

/// The [`digest`] of the file at `path`, streamed (see [`stream_file`]).
///
/// # Errors
///
/// When the file cannot be opened or read.
pub(crate) fn digest_file(path: &Path) -> std::io::Result<String> {
    let mut hasher = Sha256::new();
    stream_file(path, |chunk| hasher.update(chunk))?;
    Ok(format!("sha256:{}", hex::encode(hasher.finalize())))
}

/// Whether an entry of `len` bytes with CRC-32 `crc` is what the sidecar `sum`
/// describes; else what is wrong.
fn matches_sum(sum: &[u8], len: u64, crc: u32) -> Result<(), String> {
    if sum == sum_for(len, crc).as_slice() {
        return Ok(());
    }
    let described = sum.get(8..16).and_then(|len| len.try_into().ok()).map(u64::from_le_bytes);
    match described {
        Some(written) if sum.starts_with(MAGIC) && written != len => {
            Err(format!("it is {len} bytes, not the {written} written: it was cut short or damaged"))
        }
        Some(_) if sum.starts_with(MAGIC) => Err("its checksum does not match: it was damaged".into()),
        _ => Err("its checksum file is not one cemcp wrote".into()),
    }
}

/// A derived entry's content, if its magic and CRC-32 are right; else what is wrong.
fn checked(bytes: &[u8]) -> Result<&[u8], String> {
    let (Some(magic), Some(crc), Some(content)) = (bytes.get(..8), bytes.get(8..12), bytes.get(12..)) else {
        return Err(format!("it is {} bytes, too short to be an entry", bytes.len()));
    };
    if magic != MAGIC {
        return Err("it does not start as an entry does".into());
    }
    let expected = u32::from_le_bytes(crc.try_into().unwrap_or_default());
    let found = crc32fast::hash(content);
    if found != expected {
        return Err(format!("its checksum is {found:08x}, not {expected:08x}: it was cut short or damaged"));
    }
    Ok(content)
}

/// Writes `content` as a derived entry (magic, CRC-32, content).
fn write_entry(dir: &Path, entry: &Path, content: &[u8]) -> anyhow::Result<()> {
    let crc = crc32fast::hash(content).to_le_bytes();
    write_atomically(dir, entry, &[MAGIC, &crc, content])
}

/// Writes `parts` one after another to `path` atomically: to a temporary file in
/// `dir`, flushed, then renamed over `path`.
fn write_atomically(dir: &Path, path: &Path, parts: &[&[u8]]) -> anyhow::Result<()> {
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    for part in parts {
        temp.write_all(part)?;
    }
    temp.as_file().sync_all()?;
    temp.persist(path)?;
    Ok(())
}

/// The file name of the entry for the component with `digest` (`sha256:<hex>`).
fn entry_name(engine: &Engine, digest: &str) -> String {
    let mut hasher = DefaultHasher::new();
    engine.precompile_compatibility_hash().hash(&mut hasher);
    format!("{}-{:016x}.cwasm", digest.trim_start_matches("sha256:"), hasher.finish())
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
    write_atomically(dir, entry, &[&bytes])?;
    write_atomically(dir, &sidecar(entry), &[&sum_for(bytes.len() as u64, crc32fast::hash(&bytes))])?;
    Ok(true)
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}
