//! Linking: a program checked against its profile and linked to the granted tools
//! before it runs.
//!
//! Linking is generic: for every function a program imports from a tool interface, the
//! host defines a dynamic function (`func_new`) that forwards the component values to
//! the same function exported by the tool, in the tool's own Store. No host code exists
//! per tool interface, so a new tool works without rebuilding cemcp. Imports whose
//! signature is a common one (`func(string) -> result<string, string>` and a few
//! more) take a typed path instead (`typed`), which does the same steps faster.

use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker, Type};

use super::dispatch::Dispatch;
use super::forward::{RunState, ToolTarget};
use super::interpreter::InterpreterPre;
use crate::cache::CacheOutcome;
use crate::gate::{CallPolicy, Policy};
use crate::manifest::Language;
use crate::manifest::Limits;
use crate::profile::Profile;
use crate::tool::Tool;

/// The signature every program exports, as WIT (world `cemcp:host/program`).
pub const RUN_SIGNATURE: &str = "run: func(input: string) -> result<string, string>";

/// The WASI packages programs may import (wasmtime-wasi's p2 set), served with nothing
/// granted ([`crate::sandbox::grants::program_wasi`]).
const SERVED_WASI: [&str; 6] =
    ["wasi:cli/", "wasi:clocks/", "wasi:filesystem/", "wasi:io/", "wasi:random/", "wasi:sockets/"];

/// Why another WASI import (`wasi:http`, `wasi:keyvalue`, ...) is refused.
const NOT_SERVED: &str = "which cemcp does not serve programs (they get wasi:cli, wasi:clocks, wasi:filesystem, \
     wasi:io, wasi:random and wasi:sockets, with no files, variables or network granted); a program reaches the \
     network and everything else through the tools its profile grants";

/// A program checked against a profile, linked and ready to run any number of times.
pub struct Program {
    /// `sha256:<hex>` of the program's bytes.
    pub digest: String,
    /// The profile it was checked against.
    pub profile: String,
    /// Its limits (from the profile).
    pub limits: Limits,
    /// The tool interfaces it imports, e.g. `cemcp:files/files@0.1.0`.
    pub imports: Vec<String>,
    /// Whether its compiled code came from the cache.
    pub cache: CacheOutcome,
    pub(crate) tools: Vec<Arc<Tool>>,
    /// `tool.function` for each linked import, indexed by the import's target id.
    pub(crate) call_labels: Vec<String>,
    /// What the gates decided about each linked import, by target id.
    pub(crate) policies: Arc<[CallPolicy]>,
    /// The profile's gates, flows, approvals and audit log.
    pub(crate) policy: Arc<Policy>,
    /// The program's size in bytes (0 for an interpreter: its scripts are measured).
    pub size: u64,
    pub(crate) pre: InstancePre<RunState>,
    pub(crate) entry: Entry,
}

/// What running a program calls.
pub(crate) enum Entry {
    /// A program component's `run` export.
    Run(ComponentExportIndex),
    /// An interpreter's `run-script`, with the functions its scripts may call.
    Script {
        /// The language it runs.
        language: Language,
        /// Its typed exports.
        exports: InterpreterPre<RunState>,
        /// The functions granted to its scripts.
        dispatch: Arc<Dispatch>,
    },
}

impl Program {
    /// The language of the scripts this program runs, if it is an interpreter.
    pub fn language(&self) -> Option<Language> {
        match &self.entry {
            Entry::Run(_) => None,
            Entry::Script { language, .. } => Some(*language),
        }
    }
}

/// Why a program was refused before it ran.
#[derive(Debug, thiserror::Error)]
pub enum ProgramError {
    /// The bytes are not a component wasmtime accepts.
    #[error("the program is not a valid WebAssembly component: {0}")]
    Invalid(String),
    /// It does not export `run` with the right type.
    #[error("the program does not export `{RUN_SIGNATURE}` (world cemcp:host/program): {0}")]
    NoRun(String),
    /// It imports something the profile does not grant.
    #[error("program refused: it imports `{import}`, {reason}")]
    Import {
        /// The import's name.
        import: String,
        /// Why it cannot be satisfied.
        reason: String,
    },
    /// Linking failed for another reason (e.g. an unsupported WASI interface).
    #[error("the program cannot be linked: {0}")]
    Link(String),
    /// A script in a language whose interpreter the manifest does not declare.
    #[error(
        "no interpreter for {language} scripts is declared in the manifest (declared: {declared}); an admin adds one as [interpreter.{language}]"
    )]
    NoInterpreter {
        /// The script's language.
        language: Language,
        /// The languages there are interpreters for.
        declared: String,
    },
    /// It was asked to run under a profile the manifest does not have.
    #[error(transparent)]
    Profile(#[from] crate::manifest::UnknownProfile),
}

impl Program {
    /// Checks a compiled program against `profile` and links it to `tools` (every
    /// tool the manifest declares; only the profile's may be linked).
    ///
    /// # Errors
    ///
    /// A [`ProgramError`] naming the first import that cannot be satisfied, or what is
    /// wrong with the `run` export.
    pub(crate) fn link(
        engine: &Engine,
        component: &Component,
        digest: String,
        cache: CacheOutcome,
        profile: &Profile,
        tools: &[Arc<Tool>],
    ) -> Result<Self, ProgramError> {
        let run = run_export(component)?;
        let mut linker = Linker::<RunState>::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)
            .and_then(|()| crate::sandbox::blocking::add_to_linker(&mut linker))
            .map_err(|e| ProgramError::Link(crate::failure::plain(&e)))?;
        let mut bound: Vec<Arc<Tool>> = Vec::new();
        let mut imports = Vec::new();
        let mut call_labels = Vec::new();
        let mut policies = Vec::new();
        for (name, import) in component.component_type().imports(engine) {
            let item = import.ty;
            if name.starts_with("wasi:") {
                if !SERVED_WASI.iter().any(|package| name.starts_with(package)) {
                    return Err(ProgramError::Import { import: name.to_owned(), reason: NOT_SERVED.to_owned() });
                }
                continue; // Provided by the host, with an empty WASI context.
            }
            if crate::tool::types_only(engine, &item) {
                continue; // Types a tool interface uses (e.g. `cemcp:mcp/content`); defined below.
            }
            let refuse = |reason: String| ProgramError::Import { import: name.to_owned(), reason };
            let ComponentItem::ComponentInstance(instance) = item else {
                return Err(refuse("which is not an interface; programs may import only tool interfaces".into()));
            };
            let tool = granted_tool(name, profile, tools).map_err(refuse)?;
            let slot = match bound.iter().position(|t| Arc::ptr_eq(t, tool)) {
                Some(slot) => slot,
                None => {
                    bound.push(Arc::clone(tool));
                    bound.len() - 1
                }
            };
            let interface_index = tool.interfaces.iter().position(|i| i.name == name).unwrap_or_default();
            let mut linked = linker.instance(name).map_err(|e| ProgramError::Link(crate::failure::plain(&e)))?;
            for (func_name, export) in instance.exports(engine) {
                let item = export.ty;
                let wanted = match item {
                    ComponentItem::ComponentFunc(ty) => ty,
                    ComponentItem::Type(_) => continue,
                    ComponentItem::Resource(_) => {
                        return Err(refuse(format!(
                            "whose resource `{func_name}` cannot cross from tool to program (cemcp forwards values only)"
                        )));
                    }
                    _ => return Err(refuse(format!("whose item `{func_name}` is not a function"))),
                };
                let interface =
                    tool.interfaces.get(interface_index).ok_or_else(|| refuse("(internal) no interface".into()))?;
                let func_index = interface.funcs.iter().position(|f| f.name == func_name).ok_or_else(|| {
                    refuse(format!("but tool `{}` exports no function `{func_name}` there", tool.name))
                })?;
                let offered = interface.funcs.get(func_index).map(|f| &f.ty);
                if !offered.is_some_and(|offered| same_signature(&wanted, offered)) {
                    return Err(refuse(format!(
                        "but the type of `{func_name}` differs from what tool `{}` exports; rebuild the program against the tool's WIT (`cemcp tools` shows it)",
                        tool.name
                    )));
                }
                let target = ToolTarget::new(call_labels.len(), slot, interface_index, func_index);
                call_labels.push(format!("{}.{func_name}", tool.name));
                let view = tool
                    .functions()
                    .find(|f| f.interface_index == interface_index && f.func_index == func_index)
                    .ok_or_else(|| refuse("(internal) no function view".into()))?;
                policies.push(CallPolicy::new(profile, &view));
                let link_error = |e: wasmtime::Error| ProgramError::Link(crate::failure::plain(&e));
                if !super::typed::define(&mut linked, func_name, &wanted, target).map_err(link_error)? {
                    linked
                        .func_new(func_name, move |mut store, ty, params, results| {
                            store.data_mut().forward(&target, &ty, params, results)
                        })
                        .map_err(link_error)?;
                }
            }
            imports.push(name.to_owned());
        }
        crate::tool::define_type_imports(engine, component, &mut linker)
            .map_err(|e| ProgramError::Link(crate::failure::plain(&e)))?;
        let pre = linker.instantiate_pre(component).map_err(|e| ProgramError::Link(crate::failure::plain(&e)))?;
        Ok(Self {
            digest,
            profile: profile.name.clone(),
            limits: profile.limits,
            imports,
            cache,
            tools: bound,
            call_labels,
            policies: policies.into(),
            policy: Arc::clone(&profile.policy),
            size: 0,
            pre,
            entry: Entry::Run(run),
        })
    }
}

/// The tool that provides interface `name` to programs of `profile`.
fn granted_tool<'p>(name: &str, profile: &'p Profile, tools: &[Arc<Tool>]) -> Result<&'p Arc<Tool>, String> {
    if let Some(tool) = profile.tools().iter().find(|t| t.interface(name).is_some()) {
        return Ok(tool);
    }
    let names: Vec<&str> = profile.tools().iter().map(|t| t.name.as_str()).collect();
    let list = if names.is_empty() { "none".to_owned() } else { names.join(", ") };
    Err(match tools.iter().find(|t| t.interface(name).is_some()) {
        Some(tool) => format!(
            "which tool `{}` provides but profile `{}` does not grant (granted tools: {list})",
            tool.name, profile.name
        ),
        None => format!("which no tool granted to profile `{}` provides (granted tools: {list})", profile.name),
    })
}

/// The `run` export, checked against [`RUN_SIGNATURE`].
fn run_export(component: &Component) -> Result<ComponentExportIndex, ProgramError> {
    let Some((ComponentItem::ComponentFunc(ty), index)) = component.get_export(None, "run") else {
        return Err(ProgramError::NoRun("it has no function export named `run`".into()));
    };
    let params: Vec<Type> = ty.params().map(|(_, t)| t).collect();
    let results: Vec<Type> = ty.results().collect();
    let takes_string = matches!(params.as_slice(), [Type::String]);
    let returns_result = matches!(results.as_slice(), [Type::Result(r)]
        if matches!(r.ok(), Some(Type::String)) && matches!(r.err(), Some(Type::String)));
    if takes_string && returns_result {
        Ok(index)
    } else {
        Err(ProgramError::NoRun("its `run` has another type".into()))
    }
}

/// Whether a program's import can be served by a tool's export: same parameter types
/// in order (names may differ) and same result types. Type equality is structural.
fn same_signature(wanted: &ComponentFunc, offered: &ComponentFunc) -> bool {
    wanted.params().len() == offered.params().len()
        && wanted.params().zip(offered.params()).all(|((_, a), (_, b))| a == b)
        && wanted.results().len() == offered.results().len()
        && wanted.results().zip(offered.results()).all(|(a, b)| a == b)
}
