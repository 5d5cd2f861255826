//! The audit log: every run, call, gate decision and approval, appended as one JSON
//! object per line to the file a profile names (`audit = "…"`).
//!
//! Each record carries `seq` (its position), `prev` (the hash of the record before
//! it; 64 zeros for the first) and `hash`: the sha256 of the record's text up to
//! `"hash"`, which comes last. Editing a record breaks its own hash; removing or
//! inserting one breaks the next record's `prev`. `cemcp audit verify FILE` checks
//! both and names the first broken record. Removing records from the end leaves a
//! valid shorter chain: keep the head hash `verify` prints somewhere else to detect
//! that.
//!
//! Argument values are not recorded unless the profile says `audit-arguments = true`;
//! their sha256 is, so that a call can be matched against a known value later.
//! Appending is synchronous (one `write` per record, under a lock): a record is on its
//! way to disk before the action it records goes on. A failed append fails the action
//! (closed), since an action that cannot be recorded must not happen unrecorded.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::SystemTime;

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// `prev` of the first record.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An audit log, open for appending.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    writer: Mutex<Writer>,
}

#[derive(Debug)]
struct Writer {
    file: File,
    prev: String,
    seq: u64,
}

/// Why the audit log cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("audit log {}: {message}", path.display())]
pub struct AuditError {
    /// The file.
    pub path: PathBuf,
    /// What went wrong.
    pub message: String,
}

impl AuditLog {
    /// Opens (creating it and its directory if needed) the log at `path`, going on
    /// from its last record. The file is locked for this process.
    ///
    /// # Ambient authority
    ///
    /// Creates, reads and appends to `path` (the admin's manifest names it) as the
    /// user running cemcp.
    ///
    /// # Errors
    ///
    /// When the file cannot be created, read or locked (another cemcp appends to it).
    pub fn open(path: &Path) -> Result<Self, AuditError> {
        let fail = |message: String| AuditError { path: path.to_path_buf(), message };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| fail(format!("cannot create its directory: {e}")))?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(|e| fail(format!("cannot open it: {e}")))?;
        file.try_lock().map_err(|e| fail(format!("cannot lock it (is another cemcp appending to it?): {e}")))?;
        let (prev, seq) = match last_line(&mut file).map_err(|e| fail(format!("cannot read it: {e}")))? {
            None => (GENESIS.to_owned(), 0),
            Some(line) => match split(&line) {
                Some((body, hash)) => {
                    let seq = serde_json::from_str::<Value>(&body)
                        .ok()
                        .and_then(|r| r.get("seq").and_then(Value::as_u64))
                        .map_or(0, |s| s + 1);
                    (hash.to_owned(), seq)
                }
                // A torn last line: chain on from its bytes; `verify` will name it.
                None => (hex::encode(Sha256::digest(line.as_bytes())), 0),
            },
        };
        Ok(Self { path: path.to_path_buf(), writer: Mutex::new(Writer { file, prev, seq }) })
    }

    /// The log at `path`, shared by every runtime of this process that names it
    /// (the file lock is per process, so a second runtime must not open it again).
    ///
    /// # Errors
    ///
    /// As [`AuditLog::open`].
    pub fn shared(path: &Path) -> Result<Arc<Self>, AuditError> {
        static OPEN: Mutex<BTreeMap<PathBuf, Weak<AuditLog>>> = Mutex::new(BTreeMap::new());
        let mut open = OPEN.lock().unwrap_or_else(PoisonError::into_inner);
        open.retain(|_, log| log.strong_count() > 0);
        if let Some(log) = open.get(path).and_then(Weak::upgrade) {
            return Ok(log);
        }
        let log = Arc::new(Self::open(path)?);
        open.insert(path.to_path_buf(), Arc::downgrade(&log));
        Ok(log)
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends a record of `event` with `fields` (which must not use the keys `seq`,
    /// `time`, `event`, `prev`, `hash`).
    ///
    /// # Errors
    ///
    /// When the record cannot be written.
    pub fn append(&self, event: &str, fields: Map<String, Value>) -> Result<(), AuditError> {
        let mut writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut record = fields;
        record.insert("seq".into(), writer.seq.into());
        record.insert("time".into(), humantime::format_rfc3339_millis(SystemTime::now()).to_string().into());
        record.insert("event".into(), event.into());
        record.insert("prev".into(), writer.prev.clone().into());
        let body = Value::Object(record).to_string();
        let hash = hex::encode(Sha256::digest(body.as_bytes()));
        let open = body.strip_suffix('}').unwrap_or(&body);
        let line = format!("{open},\"hash\":\"{hash}\"}}\n");
        writer
            .file
            .write_all(line.as_bytes())
            .map_err(|e| AuditError { path: self.path.clone(), message: format!("cannot append a record: {e}") })?;
        writer.prev = hash;
        writer.seq += 1;
        Ok(())
    }
}

/// A line's body (the record without its hash, as it was hashed) and its hash.
fn split(line: &str) -> Option<(String, &str)> {
    let (open, rest) = line.rsplit_once(",\"hash\":\"")?;
    let hash = rest.strip_suffix("\"}")?;
    (hash.len() == 64 && hash.chars().all(|c| c.is_ascii_hexdigit())).then(|| (format!("{open}}}"), hash))
}

/// The last non-empty line of `file`, reading at most its last 1 MiB.
fn last_line(file: &mut File) -> std::io::Result<Option<String>> {
    let len = file.seek(SeekFrom::End(0))?;
    let start = len.saturating_sub(1 << 20);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = String::new();
    file.take(1 << 20).read_to_string(&mut tail)?;
    Ok(tail.lines().rev().find(|l| !l.trim().is_empty()).map(str::to_owned))
}

/// What `verify` found in an intact log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// How many records.
    pub records: u64,
    /// The hash of the last record (the chain's head), or [`GENESIS`] when empty.
    pub head: String,
}

/// The first broken record of a log.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("line {line}: {problem}")]
pub struct Broken {
    /// Its line number, from 1.
    pub line: u64,
    /// What is wrong.
    pub problem: String,
}

/// Checks every record's hash and its link to the one before.
///
/// # Errors
///
/// [`Broken`] naming the first record that does not verify (or that the file cannot
/// be read).
pub fn verify(path: &Path) -> Result<Verified, Broken> {
    let file = File::open(path).map_err(|e| Broken { line: 0, problem: format!("cannot open it: {e}") })?;
    let mut prev = GENESIS.to_owned();
    let mut records = 0u64;
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let number = index as u64 + 1;
        let broken = |problem: String| Broken { line: number, problem };
        let line = line.map_err(|e| broken(format!("cannot be read: {e}")))?;
        if line.trim().is_empty() {
            continue;
        }
        let (body, hash) =
            split(&line).ok_or_else(|| broken("it is not an audit record (no `hash` at its end)".into()))?;
        if hex::encode(Sha256::digest(body.as_bytes())) != hash {
            return Err(broken("its hash does not match its content: the record was changed".into()));
        }
        let record: Value = serde_json::from_str(&body).map_err(|e| broken(format!("it is not a JSON object: {e}")))?;
        if record.get("prev").and_then(Value::as_str) != Some(prev.as_str()) {
            return Err(broken(format!(
                "its `prev` is not the hash of the record before it ({}): a record before it was removed, \
                 inserted or changed",
                if records == 0 {
                    "the first record's is all zeros".to_owned()
                } else {
                    format!("line {}", number - 1)
                }
            )));
        }
        if record.get("seq").and_then(Value::as_u64) != Some(records) {
            return Err(broken(format!("its `seq` is not {records}")));
        }
        prev = hash.to_owned();
        records += 1;
    }
    Ok(Verified { records, head: prev })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(value: Value) -> Map<String, Value> {
        value.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_chain_verifies_goes_on_after_reopening_and_finds_a_changed_record() -> Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("logs/audit.jsonl");
        {
            let log = AuditLog::open(&path)?;
            log.append("run", fields(json!({ "run": 1, "profile": "p" })))?;
            log.append("call", fields(json!({ "run": 1, "tool": "db", "function": "query" })))?;
        }
        let log = AuditLog::open(&path)?;
        log.append("run-end", fields(json!({ "run": 1, "ok": true })))?;
        drop(log);
        let verified = verify(&path)?;
        assert_eq!(verified.records, 3);
        assert_ne!(verified.head, GENESIS);

        let text = std::fs::read_to_string(&path)?;
        std::fs::write(&path, text.replacen("\"query\"", "\"add_user\"", 1))?;
        assert_eq!(verify(&path).map_err(|b| b.line), Err(2));

        let lines: Vec<&str> = text.lines().collect();
        std::fs::write(&path, format!("{}\n{}\n", lines[0], lines[2]))?;
        let broken = verify(&path).err().ok_or("a removed record went unnoticed")?;
        assert_eq!(broken.line, 2);
        assert!(broken.problem.contains("`prev`"), "{broken}");
        Ok(())
    }
}
