//! The runtime: one engine, the compiled-component cache, the tools a manifest
//! declares (loaded and checked once) and its profiles (resolved once); programs are
//! loaded against a profile and run.

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError};

use wasmtime::Engine;

use crate::admission::{Admission, Refusal};
use crate::cache::{self, ComponentCache};
use crate::engine::PoolSize;
use crate::loading::Interpreter;
use crate::manifest::{Language, Location, Manifest, ManifestError, Problem, ProgramSource, UnknownProfile};
use crate::profile::{self, Profile};
use crate::program::{self, Program, ProgramError, RecentPrograms, RunError, RunOptions, RunOutput};
use crate::sandbox::grants;
use crate::sandbox::limits::CancelToken;
use crate::tool::Tool;

/// A loaded manifest: every tool compiled (or taken from the cache), checked and
/// pre-instantiated. Cheap to share across threads; runs do not block one another.
pub struct Runtime {
    engine: Engine,
    cache: ComponentCache,
    manifest: Manifest,
    tools: Vec<Arc<Tool>>,
    profiles: BTreeMap<String, Arc<Profile>>,
    /// Registered programs, by name (checked against their pins at load).
    programs: BTreeMap<String, Registered>,
    /// Script interpreters, by language (read, checked against their pins, compiled
    /// and linked for a profile on first use).
    interpreters: BTreeMap<Language, Interpreter>,
    /// How many runs go at once, and wait.
    admission: Arc<Admission>,
    /// Programs linked lately, ready to run again ([`Runtime::program_for`]).
    recent: RecentPrograms,
}

/// A program registered in the manifest.
#[derive(Debug, Clone)]
pub enum Registered {
    /// A component.
    Component {
        /// Its bytes.
        wasm: Arc<[u8]>,
        /// Their digest (`sha256:<hex>`), taken when the manifest was loaded, so that
        /// a run by name does not hash them again (0.3 ms for the 575 KB `probe`).
        digest: String,
    },
    /// A script.
    Script {
        /// Its language.
        language: Language,
        /// Its source.
        source: Arc<str>,
    },
}

/// Why a runtime could not be built.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// wasmtime cannot run on this host with cemcp's configuration.
    #[error("cannot start the WebAssembly engine: {0}")]
    Engine(String),
    /// The manifest cannot be used; every problem is listed.
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    /// The component cache's directory cannot be trusted.
    #[error(transparent)]
    Cache(#[from] crate::cache::CacheError),
}

impl Runtime {
    /// Loads every tool the manifest declares and resolves its profiles.
    ///
    /// # Errors
    ///
    /// [`LoadError::Manifest`] listing every tool whose component or directories
    /// cannot be used, each naming the tool and the field; [`LoadError::Engine`] when
    /// wasmtime cannot start.
    pub fn new(manifest: Manifest, cache: ComponentCache) -> Result<Self, LoadError> {
        cache.check()?;
        // Each run holds its program and at most one instance per tool of its profile.
        let widest = manifest.profiles.values().map(|p| p.tools.len()).max().unwrap_or(0);
        let size =
            PoolSize { runs: manifest.server.max_runs, instances_per_run: widest + 1, tools: manifest.tools.len() };
        let engine = crate::engine::new_engine_for(size).map_err(|e| LoadError::Engine(crate::failure::plain(&e)))?;
        let admission = Admission::new(manifest.server.max_runs, manifest.server.queue);
        let mut problems = Vec::new();
        let specs: Vec<&crate::manifest::ToolSpec> = manifest.tools.values().collect();
        let tools = crate::loading::tools(&engine, &cache, &specs, &mut problems);
        let mut programs = BTreeMap::new();
        for spec in manifest.programs.values() {
            let at = Location::Program(spec.name.clone());
            match grants::read_component(spec.path(), spec.sha256.as_deref()) {
                Ok((bytes, digest)) => match &spec.source {
                    ProgramSource::Component(_) => {
                        programs.insert(spec.name.clone(), Registered::Component { wasm: bytes.into(), digest });
                    }
                    ProgramSource::Script { language, .. } => match std::str::from_utf8(&bytes) {
                        Ok(source) => {
                            let script = Registered::Script { language: *language, source: source.into() };
                            programs.insert(spec.name.clone(), script);
                        }
                        Err(e) => problems.push(Problem::new(&at, "script", format!("it is not UTF-8 text: {e}"))),
                    },
                },
                Err(e) => problems.push(Problem::new(&at, e.field(), e.to_string())),
            }
        }
        let mut interpreters = BTreeMap::new();
        for spec in manifest.interpreters.values() {
            match Interpreter::start(spec) {
                Ok(interpreter) => {
                    interpreters.insert(spec.language, interpreter);
                }
                Err(problem) => problems.push(problem),
            }
        }
        check_marks(&manifest, &tools, &mut problems);
        let profiles = profile::resolve(&manifest, &tools, &mut problems);
        if !problems.is_empty() {
            return Err(ManifestError { path: manifest.path.clone(), problems }.into());
        }
        Ok(Self {
            engine,
            cache,
            manifest,
            tools,
            profiles,
            programs,
            interpreters,
            admission,
            recent: RecentPrograms::default(),
        })
    }

    /// Reads the interpreters now (otherwise each is read when its first script
    /// runs); each that cannot be used (unreadable, or not what its pin says) is a
    /// problem. `cemcp check` asks; otherwise the first script finds out.
    ///
    /// # Errors
    ///
    /// Every such problem.
    pub fn check_interpreters(&self) -> Result<(), ManifestError> {
        let problems: Vec<Problem> = self.interpreters.values().filter_map(|i| i.source().err().cloned()).collect();
        if problems.is_empty() {
            return Ok(());
        }
        Err(ManifestError { path: self.manifest.path.clone(), problems })
    }

    /// Who runs now and who waits (`[server] max-runs` and `queue`).
    pub fn admission(&self) -> &Arc<Admission> {
        &self.admission
    }

    /// A place among the running, for one run.
    fn admit(&self, options: &RunOptions) -> Result<crate::admission::Permit, RunError> {
        self.admission.admit(&options.cancel).map_err(|refusal| match refusal {
            Refusal::Busy(busy) => RunError::Busy(busy),
            Refusal::Cancelled => RunError::Halted(crate::RunHalt::Cancelled),
        })
    }

    /// The manifest this runtime was built from.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The compiled-component cache it loads from.
    pub fn cache(&self) -> &ComponentCache {
        &self.cache
    }

    /// Every loaded tool, in name order.
    pub fn tools(&self) -> &[Arc<Tool>] {
        &self.tools
    }

    /// The profile called `name`, or the manifest's default profile for `None`.
    ///
    /// # Errors
    ///
    /// When there is no such profile; the message lists those there are.
    pub fn profile(&self, name: Option<&str>) -> Result<&Arc<Profile>, UnknownProfile> {
        let name = name.unwrap_or(&self.manifest.default_profile);
        self.profiles.get(name).ok_or_else(|| self.manifest.unknown_profile(name))
    }

    /// The tool called `name`.
    pub fn tool(&self, name: &str) -> Option<&Arc<Tool>> {
        self.tools.iter().find(|t| t.name == name)
    }

    /// Every profile, in name order.
    pub fn profiles(&self) -> impl Iterator<Item = &Arc<Profile>> {
        self.profiles.values()
    }

    /// The program registered as `name`.
    pub fn registered_program(&self, name: &str) -> Option<&Registered> {
        self.programs.get(name)
    }

    /// The languages whose interpreters the manifest declares.
    pub fn languages(&self) -> impl Iterator<Item = Language> + '_ {
        self.interpreters.keys().copied()
    }

    /// The interpreter for `language`, compiled (or taken from the cache) and
    /// linked for `profile` on first use, then kept.
    ///
    /// # Errors
    ///
    /// When the manifest declares no interpreter for `language`, or the component is
    /// not a valid interpreter.
    pub fn interpreter_for(&self, language: Language, profile: &Profile) -> Result<Arc<Program>, ProgramError> {
        let interpreter = self.interpreters.get(&language).ok_or_else(|| {
            let declared: Vec<&str> = self.interpreters.keys().map(|l| l.name()).collect();
            ProgramError::NoInterpreter {
                language,
                declared: if declared.is_empty() { "none".to_owned() } else { declared.join(", ") },
            }
        })?;
        let mut linked = interpreter.linked.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(program) = linked.get(&profile.name) {
            return Ok(Arc::clone(program));
        }
        let source = interpreter.source().map_err(|problem| ProgramError::Invalid(problem.to_string()))?;
        // Its engine initialized once, in a snapshot every run starts from.
        let invalid = |e: wasmtime::Error| ProgramError::Invalid(crate::failure::plain(&e));
        let snapshot = self
            .cache
            .derived(&self.engine, &source.digest, "preinit", || {
                crate::program::pre_initialize(&self.engine, &source.wasm)
            })
            .map_err(|e| invalid(e.context("its `wizer-initialize` failed")))?;
        let (component, outcome) = self.cache.load(&self.engine, &snapshot).map_err(invalid)?;
        let program = Arc::new(program::link_interpreter(
            &self.engine,
            &component,
            source.digest.clone(),
            outcome,
            language,
            profile,
        )?);
        linked.insert(profile.name.clone(), Arc::clone(&program));
        Ok(program)
    }

    /// Runs `source` in `interpreter` (from [`Runtime::interpreter_for`]) with
    /// `input`. Blocks until the script ends or is stopped.
    ///
    /// # Errors
    ///
    /// A [`RunError`]: the script's own failure ([`RunError::Script`], with what it
    /// printed), or a limit, a halt, a trap, as for programs.
    pub fn run_script(
        &self,
        interpreter: &Program,
        source: &str,
        input: &str,
        cancel: &CancelToken,
    ) -> Result<RunOutput, RunError> {
        let options = RunOptions { cancel: cancel.clone(), ..RunOptions::default() };
        self.run_script_with(interpreter, source, input, &options)
    }

    /// [`Runtime::run_script`] with [`RunOptions`]: tracing, and who approves calls
    /// that need approval.
    ///
    /// # Errors
    ///
    /// As [`Runtime::run_script`].
    pub fn run_script_with(
        &self,
        interpreter: &Program,
        source: &str,
        input: &str,
        options: &RunOptions,
    ) -> Result<RunOutput, RunError> {
        let _permit = self.admit(options)?;
        program::run_script(interpreter, source, input, options)
    }

    /// [`Runtime::run_script`], recording every tool call in [`RunOutput::trace`].
    ///
    /// # Errors
    ///
    /// As [`Runtime::run_script`].
    pub fn run_script_traced(
        &self,
        interpreter: &Program,
        source: &str,
        input: &str,
        cancel: &CancelToken,
    ) -> Result<RunOutput, RunError> {
        let options = RunOptions { cancel: cancel.clone(), trace: true, ..RunOptions::default() };
        self.run_script_with(interpreter, source, input, &options)
    }

    /// The names of the registered programs (components and scripts).
    pub fn registered_programs(&self) -> impl Iterator<Item = &str> {
        self.programs.keys().map(String::as_str)
    }

    /// Compiles (or takes from the cache) a program and checks it against a profile
    /// (`None` for the manifest's default profile).
    ///
    /// # Errors
    ///
    /// When the profile does not exist, or the program is refused (see
    /// [`ProgramError`]).
    pub fn load_program(&self, wasm: &[u8], profile: Option<&str>) -> Result<Program, ProgramError> {
        let profile = self.profile(profile)?;
        self.load_program_for(wasm, profile)
    }

    /// [`Runtime::load_program`] for a profile already resolved.
    ///
    /// # Errors
    ///
    /// When the program is refused (see [`ProgramError`]).
    pub fn load_program_for(&self, wasm: &[u8], profile: &Profile) -> Result<Program, ProgramError> {
        self.link_program(wasm, cache::digest(wasm), profile)
    }

    /// Loads `wasm`, whose digest is `digest`, and links it for `profile`.
    fn link_program(&self, wasm: &[u8], digest: String, profile: &Profile) -> Result<Program, ProgramError> {
        let (component, outcome) = self
            .cache
            .load_digested(&self.engine, wasm, &digest)
            .map_err(|e| ProgramError::Invalid(crate::failure::plain(&e)))?;
        let mut program = Program::link(&self.engine, &component, digest, outcome, profile, &self.tools)?;
        program.size = wasm.len() as u64;
        Ok(program)
    }

    /// [`Runtime::load_program_for`], shared: a program this runtime linked lately
    /// for the same profile (the same digest) is taken as it is, without loading or
    /// linking it again; others are loaded and kept (at most
    /// [`program::recent::KEPT`](crate::program::RecentPrograms), least recently used
    /// dropped). What `cemcp serve` runs: agents send the same program many times.
    ///
    /// # Errors
    ///
    /// As [`Runtime::load_program_for`]; a refusal is not kept.
    pub fn program_for(&self, wasm: &[u8], profile: &Profile) -> Result<Arc<Program>, ProgramError> {
        self.program_digested(wasm, cache::digest(wasm), profile)
    }

    /// [`Runtime::program_for`] with the bytes' digest already taken (a registered
    /// program's, [`Registered::Component`]): what the recent programs are keyed by,
    /// so it must be `wasm`'s own.
    pub(crate) fn program_digested(
        &self,
        wasm: &[u8],
        digest: String,
        profile: &Profile,
    ) -> Result<Arc<Program>, ProgramError> {
        if let Some(program) = self.recent.get(&digest, &profile.name) {
            return Ok(program);
        }
        let program = Arc::new(self.link_program(wasm, digest, profile)?);
        self.recent.keep(&program);
        Ok(program)
    }

    /// Runs a loaded program once. Blocks the calling thread until the program
    /// returns, hits a limit, or `cancel` is cancelled (see [`crate::program`]).
    /// From async code, call it on a blocking thread (`tokio::task::spawn_blocking`,
    /// as `cemcp serve` does), never inside an async task: wasmtime-wasi's file
    /// calls enter tokio themselves and panic there.
    ///
    /// # Errors
    ///
    /// A [`RunError`] that says which component stopped and why.
    pub fn run(&self, program: &Program, input: &str, cancel: &CancelToken) -> Result<RunOutput, RunError> {
        let options = RunOptions { cancel: cancel.clone(), ..RunOptions::default() };
        self.run_with(program, input, &options)
    }

    /// [`Runtime::run`] with [`RunOptions`]: tracing, and who approves calls that
    /// need approval.
    ///
    /// # Errors
    ///
    /// As [`Runtime::run`].
    pub fn run_with(&self, program: &Program, input: &str, options: &RunOptions) -> Result<RunOutput, RunError> {
        let _permit = self.admit(options)?;
        program::run(program, input, options)
    }

    /// [`Runtime::run`], recording every tool call in [`RunOutput::trace`].
    ///
    /// # Errors
    ///
    /// As [`Runtime::run`].
    pub fn run_traced(&self, program: &Program, input: &str, cancel: &CancelToken) -> Result<RunOutput, RunError> {
        let options = RunOptions { cancel: cancel.clone(), trace: true, ..RunOptions::default() };
        self.run_with(program, input, &options)
    }
}

/// Every function a tool's `state-changing` or `sinks` list names must be one of its
/// functions: a misspelt mark would silently protect nothing.
fn check_marks(manifest: &Manifest, tools: &[Arc<Tool>], problems: &mut Vec<Problem>) {
    for tool in tools {
        let Some(spec) = manifest.tools.get(&tool.name) else { continue };
        let names: Vec<String> = tool.functions().map(|f| crate::wit_json::json_name(&f.func.name)).collect();
        for (field, list) in [("state-changing", &spec.marks.state_changing), ("sinks", &spec.marks.sinks)] {
            for (i, function) in list.iter().enumerate() {
                if function != crate::manifest::ANNOTATED && !names.contains(function) {
                    problems.push(Problem::new(
                        &Location::Tool(tool.name.clone()),
                        format!("{field}[{i}]"),
                        format!("the tool has no function `{function}` (functions: {})", names.join(", ")),
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_engine_failure_is_not_called_a_manifest_problem() {
        let error = super::LoadError::Engine("unsupported CPU".into());
        assert_eq!(error.to_string(), "cannot start the WebAssembly engine: unsupported CPU");
    }
}
