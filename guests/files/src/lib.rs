//! The `files` tool: read-only access to the text files in the one directory the
//! admin granted. Paths are joined to that directory and handed to WASI unfiltered, so
//! that escapes (`..`, absolute paths, symlinks out) are refused by the sandbox itself.

use std::fs;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

use exports::cemcp::files::files::{Entry, EntryKind, Guest, MatchMode, Metadata, SearchHit};

wit_bindgen::generate!({ path: "../../wit/files", world: "files-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents; the component model
/// binary format has no place for docs of its own.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/files/files.wit").len()] =
    *include_bytes!("../../../wit/files/files.wit");

/// Most bytes one `read` returns.
const MAX_READ: u64 = 1 << 20;
/// Files larger than this are skipped by `search`.
const MAX_SEARCH_FILE: u64 = 8 << 20;
/// Longest line text returned in a search hit.
const MAX_HIT_TEXT: usize = 400;

struct Files;

impl Guest for Files {
    fn list(path: String) -> Result<Vec<Entry>, String> {
        let dir = resolve(&path)?;
        let mut entries = Vec::new();
        for entry in fs::read_dir(&dir).map_err(|e| fail("list", &path, e))? {
            let entry = entry.map_err(|e| fail("list", &path, e))?;
            let meta = entry.metadata().map_err(|e| fail("list", &path, e))?;
            entries.push(Entry {
                name: entry.file_name().to_string_lossy().into_owned(),
                kind: kind_of(&meta.file_type()),
                size: if meta.is_dir() { 0 } else { meta.len() },
            });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(entries)
    }

    fn read(path: String, offset: u64, length: Option<u64>) -> Result<String, String> {
        let mut file = fs::File::open(resolve(&path)?).map_err(|e| fail("read", &path, e))?;
        file.seek(SeekFrom::Start(offset)).map_err(|e| fail("read", &path, e))?;
        let limit = length.unwrap_or(MAX_READ).min(MAX_READ);
        let mut bytes = Vec::new();
        file.take(limit).read_to_end(&mut bytes).map_err(|e| fail("read", &path, e))?;
        Ok(String::from_utf8_lossy(&bytes).into_owned())
    }

    fn search(pattern: String, mode: MatchMode, path: String, max_hits: u32) -> Result<Vec<SearchHit>, String> {
        let matcher = Matcher::new(&pattern, mode)?;
        let mut hits = Vec::new();
        let start = resolve(&path)?;
        let relative = normalise(&path);
        search_dir(&start, &relative, &matcher, max_hits as usize, &mut hits)?;
        Ok(hits)
    }

    fn stat(path: String) -> Result<Metadata, String> {
        let meta = fs::symlink_metadata(resolve(&path)?).map_err(|e| fail("stat", &path, e))?;
        let modified = meta.modified().ok().and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs());
        Ok(Metadata { kind: kind_of(&meta.file_type()), size: meta.len(), modified })
    }
}

enum Matcher {
    Substring(String),
    Regex(regex::Regex),
}

impl Matcher {
    fn new(pattern: &str, mode: MatchMode) -> Result<Self, String> {
        if pattern.is_empty() {
            return Err("the search pattern is empty".into());
        }
        match mode {
            MatchMode::Substring => Ok(Self::Substring(pattern.to_owned())),
            MatchMode::Regex => regex::RegexBuilder::new(pattern)
                .size_limit(1 << 20)
                .build()
                .map(Self::Regex)
                .map_err(|e| format!("invalid regular expression: {e}")),
        }
    }

    fn is_match(&self, line: &str) -> bool {
        match self {
            Self::Substring(s) => line.contains(s.as_str()),
            Self::Regex(r) => r.is_match(line),
        }
    }
}

fn search_dir(
    dir: &Path,
    relative: &str,
    matcher: &Matcher,
    max_hits: usize,
    hits: &mut Vec<SearchHit>,
) -> Result<(), String> {
    let mut entries: Vec<_> =
        fs::read_dir(dir).map_err(|e| fail("search", relative, e))?.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        if hits.len() >= max_hits {
            return Ok(());
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if relative.is_empty() { name } else { format!("{relative}/{name}") };
        // `file_type` does not follow symlinks: links are never searched through.
        let Ok(file_type) = entry.file_type() else { continue };
        if file_type.is_dir() {
            search_dir(&entry.path(), &rel, matcher, max_hits, hits)?;
        } else if file_type.is_file() {
            search_file(&entry.path(), &rel, matcher, max_hits, hits);
        }
    }
    Ok(())
}

fn search_file(path: &Path, rel: &str, matcher: &Matcher, max_hits: usize, hits: &mut Vec<SearchHit>) {
    let too_big = fs::metadata(path).map(|m| m.len() > MAX_SEARCH_FILE).unwrap_or(true);
    // Files that are too large or not UTF-8 text are skipped, not reported as errors.
    let Some(text) = (!too_big).then(|| fs::read_to_string(path).ok()).flatten() else {
        return;
    };
    for (index, line) in text.lines().enumerate() {
        if hits.len() >= max_hits {
            return;
        }
        if matcher.is_match(line) {
            hits.push(SearchHit {
                path: rel.to_owned(),
                line: u32::try_from(index + 1).unwrap_or(u32::MAX),
                text: truncate(line, MAX_HIT_TEXT).to_owned(),
            });
        }
    }
}

/// The guest path of the directory this tool was granted (its first preopen).
fn root() -> Result<String, String> {
    wasip2::filesystem::preopens::get_directories()
        .into_iter()
        .next()
        .map(|(_, path)| path)
        .ok_or_else(|| "the files tool has no directory granted to it".to_owned())
}

fn resolve(path: &str) -> Result<PathBuf, String> {
    Ok(Path::new(&root()?).join(path))
}

fn normalise(path: &str) -> String {
    path.trim_matches('/').trim_start_matches("./").trim_end_matches('.').trim_end_matches('/').to_owned()
}

fn kind_of(file_type: &fs::FileType) -> EntryKind {
    if file_type.is_symlink() {
        EntryKind::Symlink
    } else if file_type.is_dir() {
        EntryKind::Directory
    } else if file_type.is_file() {
        EntryKind::File
    } else {
        EntryKind::Other
    }
}

fn truncate(line: &str, max: usize) -> &str {
    let mut end = line.len().min(max);
    while !line.is_char_boundary(end) {
        end -= 1;
    }
    &line[..end]
}

fn fail(op: &str, path: &str, error: std::io::Error) -> String {
    format!("cannot {op} `{path}`: {error}")
}

export!(Files);
