//! Where downloads go: `save-path` resolved inside the directories the admin granted.
//!
//! A relative path is taken from the sandbox root ("./downloads" and "downloads" are
//! `/downloads`); `..` may not climb above the root; the result must be a granted
//! directory or inside one. The sandbox enforces the same, this only makes the refusal
//! clear.

use std::fs;
use std::path::PathBuf;

/// The granted directories' guest paths.
fn granted() -> Vec<String> {
    wasip2::filesystem::preopens::get_directories().into_iter().map(|(_, path)| path).collect()
}

/// `save_path` as an absolute guest directory inside a granted one.
pub fn directory(save_path: &str) -> Result<PathBuf, String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in save_path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err(format!("save_path `{save_path}` climbs above the root"));
                }
            }
            other => parts.push(other),
        }
    }
    let absolute = format!("/{}", parts.join("/"));
    let roots = granted();
    let inside = roots.iter().any(|root| {
        let root = root.trim_end_matches('/');
        root.is_empty() || absolute == root || absolute.starts_with(&format!("{root}/"))
    });
    if !inside {
        let list = if roots.is_empty() { "none".to_owned() } else { roots.join(", ") };
        return Err(format!(
            "save_path `{save_path}` (= {absolute}) is outside the directories this tool may write (granted: {list}); use \"./downloads\" or a path under a granted directory"
        ));
    }
    Ok(PathBuf::from(absolute))
}

/// The path to report for `file` in `save_path`: as the caller wrote the directory.
pub fn shown(save_path: &str, file: &str) -> String {
    let dir = save_path.trim_end_matches('/');
    if dir.is_empty() && save_path.starts_with('/') { format!("/{file}") } else { format!("{dir}/{file}") }
}

/// Writes `bytes` to `file` in `save_path` (creating the directory), returning the shown path.
pub fn save(save_path: &str, file: &str, bytes: &[u8]) -> Result<String, String> {
    let dir = directory(save_path)?;
    fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let path = dir.join(file);
    fs::write(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(shown(save_path, file))
}

/// The bytes of `file` in `save_path`, if it is there.
pub fn load(save_path: &str, file: &str) -> Result<Option<Vec<u8>>, String> {
    let path = directory(save_path)?.join(file);
    match fs::read(&path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}
