//! The `kv` tool: a persistent key-value store kept as one file per key in the
//! directory the admin granted. File names are the keys percent-encoded (only
//! `[A-Za-z0-9_-]` kept as is), so no key can name a path outside the directory.
//!
//! Writes are atomic and safe under concurrent runs: each `put` writes its own
//! temporary file (created exclusively, so two writers never share one), flushes it
//! to disk, then renames it over the key. A reader sees the old value or the new one.

use std::fs;
use std::io::ErrorKind;
use std::path::PathBuf;

use exports::cemcp::kv::kv::Guest;

wit_bindgen::generate!({ path: "../../wit/kv", world: "kv-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents; the component model
/// binary format has no place for docs of its own.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/kv/kv.wit").len()] = *include_bytes!("../../../wit/kv/kv.wit");

/// Longest key, in bytes; percent-encoded it still fits a 255-byte file name.
const MAX_KEY: usize = 80;
/// Largest value, in bytes.
const MAX_VALUE: usize = 1 << 20;
/// Temporary files start with a dot, which no encoded key does.
const TEMP_PREFIX: &str = ".tmp-";

struct Kv;

impl Guest for Kv {
    fn get(key: String) -> Result<Option<String>, String> {
        match fs::read_to_string(path_for(&key)?) {
            Ok(value) => Ok(Some(value)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read key `{key}`: {e}")),
        }
    }

    fn put(key: String, value: String) -> Result<(), String> {
        if value.len() > MAX_VALUE {
            return Err(format!("value for key `{key}` is {} bytes; the limit is {MAX_VALUE}", value.len()));
        }
        let target = path_for(&key)?;
        atomic_file::replace(&root()?, TEMP_PREFIX, &target, value.as_bytes())
            .map_err(|e| format!("cannot write key `{key}`: {e}"))
    }

    fn delete(key: String) -> Result<bool, String> {
        match fs::remove_file(path_for(&key)?) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(false),
            Err(e) => Err(format!("cannot delete key `{key}`: {e}")),
        }
    }

    fn list(prefix: String) -> Result<Vec<String>, String> {
        let dir = fs::read_dir(root()?).map_err(|e| format!("cannot list keys: {e}"))?;
        let mut keys = Vec::new();
        for entry in dir.filter_map(Result::ok) {
            let name = entry.file_name().to_string_lossy().into_owned();
            if atomic_file::remove_if_stale(&entry, TEMP_PREFIX) {
                continue;
            }
            if let Some(key) = decode(&name).filter(|key| key.starts_with(&prefix)) {
                keys.push(key);
            }
        }
        keys.sort();
        Ok(keys)
    }
}

fn root() -> Result<PathBuf, String> {
    wasip2::filesystem::preopens::get_directories()
        .into_iter()
        .next()
        .map(|(_, path)| PathBuf::from(path))
        .ok_or_else(|| "the kv tool has no directory granted to it".to_owned())
}

fn path_for(key: &str) -> Result<PathBuf, String> {
    if key.is_empty() || key.len() > MAX_KEY {
        return Err(format!("keys must be 1 to {MAX_KEY} bytes long; got {} bytes", key.len()));
    }
    Ok(root()?.join(encode(key)))
}

fn encode(key: &str) -> String {
    let mut name = String::with_capacity(key.len());
    for byte in key.bytes() {
        if byte.is_ascii_alphanumeric() || byte == b'_' || byte == b'-' {
            name.push(char::from(byte));
        } else {
            name.push_str(&format!("%{byte:02X}"));
        }
    }
    name
}

/// The key a file name encodes, or `None` for files that are not keys.
fn decode(name: &str) -> Option<String> {
    let mut out = Vec::with_capacity(name.len());
    let mut bytes = name.bytes();
    while let Some(byte) = bytes.next() {
        match byte {
            b'%' => {
                let hex = [bytes.next()?, bytes.next()?];
                out.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => out.push(b),
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip_through_file_names() {
        for key in ["user/1", "../../escape", "a b%c", "ключ"] {
            assert_eq!(decode(&encode(key)).as_deref(), Some(key), "{key}");
        }
        assert_eq!(decode(".tmp-0011"), None, "temporary files are not keys");
        assert_eq!(decode("%4"), None, "a truncated escape is not a key");
    }
}

export!(Kv);
