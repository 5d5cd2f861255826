//! Atomic file writes for tool components that keep state in a granted directory
//! (`kv`, `db`): each write goes to its own temporary file, created exclusively,
//! flushed to disk, then renamed over the target, so a reader (or a run killed half
//! way) sees the old content or the new one, never a mix.

use std::fs;
use std::io::{ErrorKind, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// A temporary file this old belongs to no write in progress.
const STALE: Duration = Duration::from_secs(600);
/// Names tried for a temporary file before giving up.
const ATTEMPTS: u64 = 64;

/// Writes `bytes` to a new temporary file in `dir` named `<prefix><16 hex digits>` and
/// flushes it to disk; returns its path. The name comes from the tool's randomness
/// and is skipped when another writer holds it (`create_new` fails on it), so two runs
/// writing at once never share a file, even when the manifest fixes the randomness.
///
/// # Errors
///
/// When no file can be created or written (it is removed again).
pub fn write_temp(dir: &Path, prefix: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let start = wasip2::random::random::get_random_u64();
    for attempt in 0..ATTEMPTS {
        let temp = dir.join(format!("{prefix}{:016x}", start.wrapping_add(attempt)));
        let mut file = match fs::OpenOptions::new().write(true).create_new(true).open(&temp) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        };
        let written = file.write_all(bytes).and_then(|()| file.sync_all());
        return match written {
            Ok(()) => Ok(temp),
            Err(e) => {
                let _ = fs::remove_file(&temp);
                Err(e)
            }
        };
    }
    Err(std::io::Error::new(ErrorKind::AlreadyExists, "no free temporary file name"))
}

/// Replaces `target` with `bytes` atomically, through a temporary file in `dir`.
///
/// # Errors
///
/// When the temporary file cannot be written or renamed (it is removed again).
pub fn replace(dir: &Path, prefix: &str, target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let temp = write_temp(dir, prefix, bytes)?;
    fs::rename(&temp, target).inspect_err(|_| {
        let _ = fs::remove_file(&temp);
    })
}

/// Removes `entry` if it is a temporary file (its name starts with `prefix`) old
/// enough that no write can still be using it: what a write stopped half way (a time
/// or storage limit) left. Returns whether it was a temporary file at all.
pub fn remove_if_stale(entry: &fs::DirEntry, prefix: &str) -> bool {
    if !entry.file_name().to_string_lossy().starts_with(prefix) {
        return false;
    }
    let modified = entry.metadata().and_then(|m| m.modified()).ok();
    if modified.and_then(|t| SystemTime::now().duration_since(t).ok()).is_some_and(|age| age > STALE) {
        let _ = fs::remove_file(entry.path());
    }
    true
}
