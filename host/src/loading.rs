//! Loading a manifest's components when a runtime starts, with as little as possible
//! on the way to the first request (issue 14 measured where `cemcp serve`'s start-up
//! went: reading, hashing and decoding each component one after another, and reading
//! the interpreters, 12 MB, that most requests never use):
//!
//! - tools load on one thread per core, each reading, hashing, loading (from the
//!   cache) and linking its own component; problems are reported in manifest order;
//! - interpreters are read, hashed and checked against their pins when the first
//!   script in their language runs (with compiling or loading its snapshot, which
//!   happens then anyway): start-up checks only that each file is there. Reading
//!   them on a background thread from the start was tried: on two cores it slowed
//!   the tools' loading by as much as it saved (`cemcp serve` with the study's ten
//!   tools and both interpreters: 33-38 ms to tools listed, against 24 ms with the
//!   interpreters left to their first use).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use wasmtime::Engine;
use wasmtime::component::Linker;

use crate::cache::ComponentCache;
use crate::manifest::{InterpreterSpec, Location, Problem, ToolSpec};
use crate::program::Program;
use crate::sandbox::grants;
use crate::tool::{Tool, ToolError, ToolState};

/// Loads every tool in `specs` (in parallel), in order; what cannot be loaded is
/// added to `problems`, naming the tool and the field.
///
/// The largest components are taken first, so that no thread is left with a big one
/// when the others are done; and the linker every tool is linked with (WASI's
/// functions, half a millisecond) is made by this thread while the helpers read and
/// load the first components, which do not need it yet. With the study's ten tools
/// cached, both took loading from 4.7 to 4.1 ms (fastest of 60 starts each).
pub(crate) fn tools(
    engine: &Engine,
    cache: &ComponentCache,
    specs: &[&ToolSpec],
    problems: &mut Vec<Problem>,
) -> Vec<Arc<Tool>> {
    let base = OnceLock::new();
    let linker = || {
        base.get_or_init(|| Tool::base_linker(engine).map_err(|e| crate::failure::plain(&e)))
            .as_ref()
            .map_err(|e| ToolError::Link(e.clone()))
    };
    let order = largest_first(specs);
    let next = AtomicUsize::new(0);
    let workers = crate::cores().min(specs.len());
    // Each worker takes the next tool not yet taken; the outcomes, tagged with
    // their positions, are put back in manifest order.
    let work = || {
        let mut done = Vec::new();
        loop {
            let Some(&(index, spec)) = order.get(next.fetch_add(1, Ordering::Relaxed)) else { return done };
            done.push((index, tool(engine, linker, cache, spec)));
        }
    };
    let mut outcomes = std::thread::scope(|scope| {
        // This thread works too; a thread that cannot be started leaves its share to
        // the others.
        let helpers: Vec<_> = (1..workers)
            .filter_map(|_| std::thread::Builder::new().name("cemcp-load".into()).spawn_scoped(scope, work).ok())
            .collect();
        // While helpers load, this thread makes the linker first; alone, it makes it
        // when its first tool needs it (a manifest without tools never does). Its
        // error, if any, is each tool's.
        if !helpers.is_empty() {
            let _ = linker();
        }
        let mut outcomes = work();
        for helper in helpers {
            // A helper that panicked loses its tools; they are reported below.
            outcomes.extend(helper.join().unwrap_or_default());
        }
        outcomes
    });
    outcomes.sort_by_key(|(index, _)| *index);
    let mut outcomes = outcomes.into_iter().peekable();
    let mut tools = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        match outcomes.next_if(|(at, _)| *at == index) {
            Some((_, Ok(tool))) => tools.push(Arc::new(tool)),
            Some((_, Err(found))) => problems.extend(found),
            None => problems.push(Problem::new(
                &Location::Tool(spec.name.clone()),
                "component",
                "(internal) loading it failed without a reason; see the log",
            )),
        }
    }
    tools
}

/// `specs` with their positions, the largest component file first (a file that
/// cannot be read counts as empty: its problem is found when it is loaded).
fn largest_first<'s>(specs: &[&'s ToolSpec]) -> Vec<(usize, &'s ToolSpec)> {
    let mut order: Vec<(usize, &ToolSpec)> = specs.iter().copied().enumerate().collect();
    order.sort_by_cached_key(|(_, spec)| {
        std::cmp::Reverse(std::fs::metadata(&spec.component).map_or(0, |meta| meta.len()))
    });
    order
}

fn tool<'a>(
    engine: &Engine,
    linker: impl FnOnce() -> Result<&'a Linker<ToolState>, ToolError>,
    cache: &ComponentCache,
    spec: &ToolSpec,
) -> Result<Tool, Vec<Problem>> {
    let at = Location::Tool(spec.name.clone());
    match grants::resolve_tool(spec) {
        Ok(grants) => Tool::load(engine, linker, cache, spec, grants)
            .map_err(|error| vec![Problem::new(&at, error.field(), error.to_string())]),
        // A tool whose grants cannot be resolved is still read and checked, so that
        // every problem is reported at once.
        Err(mut found) => {
            if let Err(error) = grants::ComponentFile::open(&spec.component, spec.sha256.as_deref(), cache) {
                found.push(Problem::new(&at, error.field(), error.to_string()));
            }
            Err(found)
        }
    }
}

/// A script interpreter's component, read when first used.
pub(crate) struct Interpreter {
    at: Location,
    path: PathBuf,
    pin: Option<String>,
    /// Its bytes and digest, or why they cannot be used (unreadable, or not what the
    /// manifest pins).
    source: OnceLock<Result<Source, Problem>>,
    /// Linked for a profile, by profile name.
    pub linked: Mutex<BTreeMap<String, Arc<Program>>>,
}

/// An interpreter's bytes and their digest.
pub(crate) struct Source {
    pub wasm: Vec<u8>,
    pub digest: String,
}

impl Source {
    /// Reads the component at `path`, checking it against `pin`.
    fn read(at: &Location, path: &Path, pin: Option<&str>) -> Result<Self, Problem> {
        let (wasm, digest) =
            grants::read_component(path, pin).map_err(|e| Problem::new(at, e.field(), e.to_string()))?;
        Ok(Self { wasm, digest })
    }
}

impl Interpreter {
    /// The interpreter `spec` names, to be read when first used; a problem now if
    /// its file is not there.
    pub fn start(spec: &InterpreterSpec) -> Result<Self, Problem> {
        let (path, pin) = (spec.component.clone(), spec.sha256.clone());
        let at = Location::Interpreter(spec.language.name().to_owned());
        let meta = std::fs::metadata(&path)
            .and_then(|meta| if meta.is_file() { Ok(meta) } else { Err(std::io::Error::other("it is not a file")) });
        if let Err(error) = meta {
            let error = grants::ComponentFileError::Read { path: path.display().to_string(), error };
            return Err(Problem::new(&at, error.field(), error.to_string()));
        }
        Ok(Self { at, path, pin, source: OnceLock::new(), linked: Mutex::default() })
    }

    /// Its bytes and digest, read (and checked against the pin) on the first call.
    ///
    /// # Errors
    ///
    /// Why the component cannot be used, naming the interpreter, the field and the
    /// file.
    pub fn source(&self) -> Result<&Source, &Problem> {
        self.source.get_or_init(|| Source::read(&self.at, &self.path, self.pin.as_deref())).as_ref()
    }
}
