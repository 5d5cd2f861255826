//! Components' digests remembered by file identity, so that an unchanged component
//! is not read and hashed at every start (issue 14: hashing the study's ten tools
//! was a fifth of `cemcp serve`'s start-up); and compiled entries' checks, the same
//! way, recorded in their sidecars.
//!
//! One small file per component path in `<cache>/digests/`: the file's identity
//! (device, inode, size, modification and change times, in nanoseconds) and its
//! digest. A start whose `stat` of the component finds the same identity takes the
//! digest from it. The change time cannot be set by an ordinary user (any write,
//! rename or `chmod` moves it to now), so a file written since it was hashed has
//! another identity and is hashed again. As git does for its index, a digest is only
//! remembered when the file's times are [`SETTLED`] before the hash was taken: a
//! write in the same clock tick as the hash could otherwise leave the times as they
//! were.
//!
//! What a pin proves is unchanged: compiled code is looked up by the digest, and
//! code is only ever compiled from bytes read and checked against it
//! ([`crate::sandbox::grants::ComponentFile::bytes`]), so whatever the memo says,
//! what runs is the code of the pinned digest. The memo sits in the cache directory,
//! whose compiled entries cemcp already runs: it adds nothing to trust.

use std::fs::{File, Metadata};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use sha2::{Digest, Sha256};

/// How long before the hash a file's times must be for its digest to be remembered.
pub const SETTLED: Duration = Duration::from_secs(2);

/// What identifies one version of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Identity {
    dev: u64,
    ino: u64,
    size: u64,
    mtime_ns: i128,
    ctime_ns: i128,
}

impl Identity {
    #[cfg(unix)]
    fn of(meta: &Metadata) -> Self {
        use std::os::unix::fs::MetadataExt as _;
        let ns = |secs: i64, nanos: i64| i128::from(secs) * 1_000_000_000 + i128::from(nanos);
        Self {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime_ns: ns(meta.mtime(), meta.mtime_nsec()),
            ctime_ns: ns(meta.ctime(), meta.ctime_nsec()),
        }
    }

    /// Whether both times are at least [`SETTLED`] before `now`.
    fn settled(&self, now: SystemTime) -> bool {
        let Ok(now) = now.duration_since(SystemTime::UNIX_EPOCH) else { return false };
        let limit = i128::try_from(now.saturating_sub(SETTLED).as_nanos()).unwrap_or(i128::MAX);
        self.mtime_ns <= limit && self.ctime_ns <= limit
    }

    fn line(&self, digest: &str) -> String {
        let Self { dev, ino, size, mtime_ns, ctime_ns } = self;
        format!("cemcp-digest-v1 {dev} {ino} {size} {mtime_ns} {ctime_ns} {digest}\n")
    }
}

/// The digest of the file at `path` (`sha256:<hex>`): remembered in `dir` if the
/// file is unchanged since, else hashed (and remembered when it may be).
///
/// # Ambient authority
///
/// Reads `path` (a component the manifest names) and reads and writes the memo in
/// the cache directory `dir`, with the rights of the user running cemcp.
///
/// # Errors
///
/// When the file cannot be opened or read.
#[cfg(unix)]
pub fn digest_file(dir: &Path, path: &Path) -> std::io::Result<String> {
    if let Some(digest) = remembered_digest(dir, path) {
        return Ok(digest);
    }
    let memo = memo_path(dir, path);
    let started = SystemTime::now();
    let mut file = File::open(path)?;
    let before = file.metadata()?;
    let mut hasher = Sha256::new();
    super::stream(&mut file, |chunk| hasher.update(chunk))?;
    let digest = format!("sha256:{}", hex::encode(hasher.finalize()));
    if let Some(line) = settled_record(&before, &file.metadata()?, started, &digest)
        && let Err(e) = remember(dir, &memo, &line)
    {
        // A memo that cannot be written only costs the next start a hash.
        tracing::debug!("cannot remember the digest of `{}`: {e:#}", path.display());
    }
    Ok(digest)
}

/// The digest remembered in `dir` for the file at `path` as it is now, if any.
#[cfg(unix)]
pub fn remembered_digest(dir: &Path, path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    remembered(&memo_path(dir, path), Identity::of(&meta))
}

/// Without file identities, nothing is remembered.
#[cfg(not(unix))]
pub fn remembered_digest(_dir: &Path, _path: &Path) -> Option<String> {
    None
}

/// Without file identities, every start hashes.
#[cfg(not(unix))]
pub fn digest_file(_dir: &Path, path: &Path) -> std::io::Result<String> {
    super::digest_file(path)
}

/// Whether `checked` (what follows the length and checksum in a compiled entry's
/// sidecar) records a check of the file whose metadata is `meta`.
#[cfg(unix)]
pub fn checked_before(checked: &[u8], meta: &Metadata) -> bool {
    !checked.is_empty() && checked == Identity::of(meta).line("checked").as_bytes()
}

/// The record of what was found reading a file (its digest, or `checked` for a
/// compiled entry that passed its check), if the file was the same `before` and
/// `after` the reading and its times were settled when the reading `started`.
#[cfg(unix)]
pub fn settled_record(before: &Metadata, after: &Metadata, started: SystemTime, found: &str) -> Option<String> {
    let identity = Identity::of(before);
    (identity == Identity::of(after) && identity.settled(started)).then(|| identity.line(found))
}

/// Without file identities, every entry is checked every time.
#[cfg(not(unix))]
pub fn checked_before(_checked: &[u8], _meta: &Metadata) -> bool {
    false
}

/// Without file identities, nothing is recorded.
#[cfg(not(unix))]
pub fn settled_record(_before: &Metadata, _after: &Metadata, _started: SystemTime, _found: &str) -> Option<String> {
    None
}

/// The memo for `path`: named by the digest of its absolute path.
fn memo_path(dir: &Path, path: &Path) -> PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let name = hex::encode(Sha256::digest(absolute.as_os_str().as_encoded_bytes()));
    dir.join("digests").join(name.get(..32).unwrap_or(&name))
}

/// The digest in `memo`, if it was written for a file of `identity`.
fn remembered(memo: &Path, identity: Identity) -> Option<String> {
    let text = std::fs::read_to_string(memo).ok()?;
    let digest = text.strip_prefix(identity.line("").trim_end())?.strip_prefix(' ')?.strip_suffix('\n')?;
    let hex = digest.strip_prefix("sha256:")?;
    (hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then(|| digest.to_owned())
}

fn remember(dir: &Path, memo: &Path, line: &str) -> anyhow::Result<()> {
    let digests = dir.join("digests");
    super::create_private_dir(dir)?;
    super::create_private_dir(&digests)?;
    super::write_atomically(&digests, memo, &[line.as_bytes()])
}

#[cfg(test)]
#[cfg(unix)]
mod tests {
    use super::*;

    /// Sets a file's times `ago` into the past (its change time stays now).
    fn age(path: &Path, ago: Duration) {
        let then = SystemTime::now() - ago;
        File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_times(std::fs::FileTimes::new().set_modified(then))
            .unwrap();
    }

    /// A cache directory holding a component `tool.wasm` that reads `one`, its
    /// metadata and where its memo goes.
    fn a_component() -> (tempfile::TempDir, PathBuf, Metadata, PathBuf) {
        let cache = tempfile::tempdir().unwrap();
        let file = cache.path().join("tool.wasm");
        std::fs::write(&file, b"one").unwrap();
        let meta = std::fs::metadata(&file).unwrap();
        let memo = memo_path(cache.path(), &file);
        (cache, file, meta, memo)
    }

    #[test]
    fn a_fresh_file_is_hashed_every_time_and_not_remembered() {
        let cache = tempfile::tempdir().unwrap();
        let file = cache.path().join("tool.wasm");
        std::fs::write(&file, b"one").unwrap();
        let digest = digest_file(cache.path(), &file).unwrap();
        assert_eq!(digest, crate::cache::digest(b"one"));
        assert!(!memo_path(cache.path(), &file).exists(), "its change time is now: not settled");
    }

    #[test]
    fn a_remembered_digest_is_used_only_while_the_identity_is_the_same() {
        let (cache, file, meta, memo) = a_component();
        // As if hashed long ago: a memo saying something else for the same identity
        // is believed (this is what the memo is for) ...
        let fake = format!("sha256:{}", "ab".repeat(32));
        remember(cache.path(), &memo, &Identity::of(&meta).line(&fake)).unwrap();
        assert_eq!(digest_file(cache.path(), &file).unwrap(), fake);
        // ... until the file changes: a write moves its times, and it is hashed again.
        std::fs::write(&file, b"two").unwrap();
        age(&file, Duration::from_secs(60));
        assert_eq!(digest_file(cache.path(), &file).unwrap(), crate::cache::digest(b"two"));
    }

    #[test]
    fn a_damaged_memo_is_ignored() {
        let (cache, file, meta, memo) = a_component();
        let line = Identity::of(&meta).line(&crate::cache::digest(b"other"));
        for damaged in [&line[..line.len() - 5], "", "cemcp-digest-v1 1 2 3\n", &line.replace("sha256:", "md5:")] {
            remember(cache.path(), &memo, damaged).unwrap();
            assert_eq!(digest_file(cache.path(), &file).unwrap(), crate::cache::digest(b"one"), "{damaged:?}");
        }
    }

    #[test]
    fn settled_means_both_times_well_before_the_hash() {
        let now = SystemTime::now();
        let at = |ago: Duration| {
            i128::try_from((now - ago).duration_since(SystemTime::UNIX_EPOCH).unwrap().as_nanos()).unwrap()
        };
        let old = at(SETTLED + Duration::from_millis(1));
        let identity = Identity { dev: 1, ino: 2, size: 3, mtime_ns: old, ctime_ns: old };
        assert!(identity.settled(now));
        assert!(!Identity { ctime_ns: at(Duration::from_millis(500)), ..identity }.settled(now));
        assert!(!Identity { mtime_ns: at(Duration::ZERO), ..identity }.settled(now));
    }
}
