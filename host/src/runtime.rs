//! The runtime: one engine, the compiled-component cache, and the tools a manifest
//! declares, loaded and checked once; programs are loaded against a profile and run.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock};

use wasmtime::Engine;

use crate::cache::{self, CacheOutcome, ComponentCache};
use crate::catalog::{self, InterfaceDoc};
use crate::grants;
use crate::limits::CancelToken;
use crate::manifest::{Manifest, ManifestError, Problem, ToolSpec};
use crate::program::{Program, ProgramError};
use crate::run::{self, RunError, RunOutput};
use crate::tool::Tool;

/// A loaded manifest: every tool compiled (or taken from the cache), checked and
/// pre-instantiated. Cheap to share across threads; runs do not block one another.
pub struct Runtime {
    engine: Engine,
    cache: ComponentCache,
    manifest: Manifest,
    tools: Vec<Arc<Tool>>,
    loads: BTreeMap<String, LoadedComponent>,
    /// Registered programs' bytes, by name (checked against their pins at load).
    programs: BTreeMap<String, Arc<[u8]>>,
}

/// How a tool component was loaded.
#[derive(Debug, Clone)]
pub struct LoadedComponent {
    /// `sha256:<hex>` of its bytes.
    pub digest: String,
    /// Whether its compiled code came from the cache.
    pub cache: CacheOutcome,
    /// Its bytes, for reading the WIT (and docs) embedded in it.
    pub wasm: Arc<[u8]>,
    /// Its exported interfaces with docs, decoded on first use.
    interfaces: OnceLock<Result<Vec<InterfaceDoc>, String>>,
    /// The WIT source it carries, read on first use.
    wit: OnceLock<Option<String>>,
}

impl LoadedComponent {
    fn new(digest: String, wasm: Arc<[u8]>) -> Self {
        Self { digest, cache: CacheOutcome::Uncached, wasm, interfaces: OnceLock::new(), wit: OnceLock::new() }
    }

    /// The interfaces it exports, with signatures and docs (decoded once, when first
    /// asked for: only the catalogue and the MCP server need them).
    ///
    /// # Errors
    ///
    /// When the component's WIT cannot be decoded.
    pub fn interfaces(&self) -> Result<&[InterfaceDoc], &str> {
        let decoded =
            self.interfaces.get_or_init(|| catalog::exported_interfaces(&self.wasm).map_err(|e| format!("{e:#}")));
        decoded.as_deref().map_err(String::as_str)
    }

    /// The WIT source it carries in its `cemcp:wit` section, if any (read once).
    pub fn wit(&self) -> Option<&str> {
        self.wit.get_or_init(|| catalog::embedded_wit(&self.wasm)).as_deref()
    }
}

impl Runtime {
    /// Loads every tool the manifest declares.
    ///
    /// # Errors
    ///
    /// A [`ManifestError`] listing every tool whose component or directories cannot be
    /// used, each naming the tool and the field.
    pub fn new(manifest: Manifest, cache: ComponentCache) -> Result<Self, ManifestError> {
        let engine = crate::engine::new_engine().map_err(|e| ManifestError {
            path: manifest.path.clone(),
            problems: vec![Problem::new("engine", "", format!("{e:#}"))],
        })?;
        let mut problems = Vec::new();
        let mut tools = Vec::new();
        let mut loads = BTreeMap::new();
        for spec in manifest.tools.values() {
            match load_tool(&engine, &cache, spec) {
                Ok((tool, loaded)) => {
                    tools.push(Arc::new(tool));
                    loads.insert(spec.name.clone(), loaded);
                }
                Err(mut found) => problems.append(&mut found),
            }
        }
        let mut programs = BTreeMap::new();
        for spec in manifest.programs.values() {
            match read_pinned(&format!("program `{}`", spec.name), &spec.component, spec.sha256.as_deref()) {
                Ok((wasm, _)) => {
                    programs.insert(spec.name.clone(), wasm);
                }
                Err(problem) => problems.push(problem),
            }
        }
        check_unique_interfaces(&manifest, &tools, &mut problems);
        if !problems.is_empty() {
            return Err(ManifestError { path: manifest.path.clone(), problems });
        }
        Ok(Self { engine, cache, manifest, tools, loads, programs })
    }

    /// The manifest this runtime was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The loaded tools, in name order.
    pub fn tools(&self) -> &[Arc<Tool>] {
        &self.tools
    }

    /// The bytes of the program registered as `name`.
    pub fn registered_program(&self, name: &str) -> Option<Arc<[u8]>> {
        self.programs.get(name).cloned()
    }

    /// The names of the registered programs.
    pub fn registered_programs(&self) -> impl Iterator<Item = &str> {
        self.programs.keys().map(String::as_str)
    }

    /// How the tool called `name` was loaded.
    pub fn loaded(&self, name: &str) -> Option<&LoadedComponent> {
        self.loads.get(name)
    }

    /// Compiles (or takes from the cache) a program and checks it against a profile
    /// (`None` for the manifest's default profile).
    ///
    /// # Errors
    ///
    /// When the profile does not exist, or the program is refused (see
    /// [`ProgramError`]).
    pub fn load_program(&self, wasm: &[u8], profile: Option<&str>) -> anyhow::Result<Program> {
        let profile = self.manifest.profile(profile)?;
        let digest = cache::digest(wasm);
        let (component, outcome) =
            self.cache.load(&self.engine, wasm).map_err(|e| ProgramError::Invalid(format!("{e:#}")))?;
        Ok(Program::link(&self.engine, &component, digest, outcome, profile, &self.tools)?)
    }

    /// Runs a loaded program once. Blocks the calling thread until the program
    /// returns, hits a limit, or `cancel` is cancelled (see [`crate::run`]).
    ///
    /// # Errors
    ///
    /// A [`RunError`] that says which component stopped and why.
    pub fn run(&self, program: &Program, input: &str, cancel: &CancelToken) -> Result<RunOutput, RunError> {
        run::run(program, input, cancel)
    }
}

/// Resolves a tool's grants and loads its component, checking the pin before
/// compiling anything.
fn load_tool(
    engine: &Engine,
    cache: &ComponentCache,
    spec: &ToolSpec,
) -> Result<(Tool, LoadedComponent), Vec<Problem>> {
    let at = format!("tool `{}`", spec.name);
    let grants = grants::resolve_tool(spec);
    let loaded = read_pinned(&at, &spec.component, spec.sha256.as_deref())
        .map(|(wasm, digest)| LoadedComponent::new(digest, wasm));
    let (grants, mut loaded) = match (grants, loaded) {
        (Ok(grants), Ok(loaded)) => (grants, loaded),
        (grants, loaded) => {
            let mut problems = grants.err().unwrap_or_default();
            problems.extend(loaded.err());
            return Err(problems);
        }
    };
    let component_problem = |e: anyhow::Error| vec![Problem::new(&at, "component", format!("{e:#}"))];
    let (component, outcome) = cache.load(engine, &loaded.wasm).map_err(|e| {
        component_problem(anyhow::anyhow!("`{}` is not a valid component: {e:#}", spec.component.display()))
    })?;
    loaded.cache = outcome;
    let tool = Tool::new(engine, &spec.name, loaded.digest.clone(), &component, grants, spec.limits)
        .map_err(component_problem)?;
    Ok((tool, loaded))
}

/// Reads a component file and checks it against its pin, before anything compiles it.
fn read_pinned(at: &str, path: &std::path::Path, pin: Option<&str>) -> Result<(Arc<[u8]>, String), Problem> {
    let wasm = std::fs::read(path)
        .map_err(|e| Problem::new(at, "component", format!("cannot read `{}`: {e}", path.display())))?;
    let digest = cache::digest(&wasm);
    match pin {
        Some(pin) if digest.strip_prefix("sha256:") != Some(pin) => Err(Problem::new(
            at,
            "sha256",
            format!(
                "`{}` has digest {digest}, but the manifest pins sha256:{pin}; refusing to load it",
                path.display()
            ),
        )),
        _ => Ok((wasm.into(), digest)),
    }
}

/// Two tools granted to the same profile must not export the same interface: a program
/// import has to name exactly one provider.
fn check_unique_interfaces(manifest: &Manifest, tools: &[Arc<Tool>], problems: &mut Vec<Problem>) {
    for profile in manifest.profiles.values() {
        let mut seen: BTreeMap<&str, &str> = BTreeMap::new();
        for tool in tools.iter().filter(|t| profile.tools.contains(&t.name)) {
            for interface in &tool.interfaces {
                if let Some(first) = seen.insert(&interface.name, &tool.name) {
                    problems.push(Problem::new(
                        format!("profile `{}`", profile.name),
                        "tools",
                        format!(
                            "tools `{first}` and `{}` both export `{}`; grant one of them",
                            tool.name, interface.name
                        ),
                    ));
                }
            }
        }
    }
}
