//! The `kv` tool: a persistent key-value store kept as one file per key in the
//! directory the admin granted. File names are the keys percent-encoded (only
//! `[A-Za-z0-9_-]` kept as is), so no key can name a path outside the directory.

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
        let temp = root()?.join(format!("{TEMP_PREFIX}{}", encode(&key)));
        fs::write(&temp, value).map_err(|e| format!("cannot write key `{key}`: {e}"))?;
        fs::rename(&temp, &target).map_err(|e| {
            let _ = fs::remove_file(&temp);
            format!("cannot write key `{key}`: {e}")
        })
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
        let mut keys: Vec<String> = dir
            .filter_map(Result::ok)
            .filter_map(|entry| decode(&entry.file_name().to_string_lossy()))
            .filter(|key| key.starts_with(&prefix))
            .collect();
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
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let hex = name.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'-' => {
                out.push(b);
                i += 1;
            }
            _ => return None,
        }
    }
    String::from_utf8(out).ok()
}

export!(Kv);
