//! Every place cemcp reaches the host's files or environment with the rights of the
//! user running it says so: the source file carries a `# Ambient authority` doc
//! section (`grep -rn "# Ambient authority" host/src` lists them). A new use of
//! ambient authority without one fails here.
#![allow(clippy::unwrap_used, clippy::panic, reason = "a test fails by panicking")]

use std::path::{Path, PathBuf};

/// Calls that reach the host by path or by name, not through a handle given to them.
const AMBIENT: &[&str] = &[
    "std::fs::read",
    "std::fs::write",
    "std::fs::remove",
    "std::fs::create_dir",
    "std::fs::DirBuilder",
    "std::fs::File::options",
    "std::fs::File::open",
    "std::fs::File::create",
    "std::env::var",
    "std::env::args",
    ".canonicalize(",
    "preopened_dir(",
    "tempfile::",
    "std::io::stdin(",
];

fn sources(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn every_use_of_ambient_authority_is_documented_where_it_happens() {
    let mut files = Vec::new();
    sources(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut files);
    let mut undocumented = Vec::new();
    let mut documented = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        // Unit tests may use the host freely; doc examples are not code.
        let code = text.split("#[cfg(test)]").next().unwrap_or_default();
        let lines: Vec<&str> = code.lines().filter(|l| !l.trim_start().starts_with("//")).collect();
        let uses: Vec<&str> =
            AMBIENT.iter().copied().filter(|pattern| lines.iter().any(|l| l.contains(pattern))).collect();
        if uses.is_empty() {
            continue;
        }
        if code.contains("# Ambient authority") {
            documented += 1;
        } else {
            undocumented.push(format!("{} uses {uses:?}", file.display()));
        }
    }
    assert!(undocumented.is_empty(), "undocumented ambient authority:\n{}", undocumented.join("\n"));
    assert!(documented >= 5, "the scan found only {documented} files: is it looking in the right place?");
}
