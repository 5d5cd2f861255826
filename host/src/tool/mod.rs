//! Tool components: one model per tool, loaded once (read, pinned, compiled, checked,
//! pre-instantiated) and instantiated per run, each instance in its own Store with
//! its own WASI context and limits.
//!
//! A [`Tool`] is everything cemcp knows about a tool: its name and digest, whether
//! its code came from the cache, its interfaces and functions (types for linking,
//! signatures and docs for agents), its grants and its limits. The docs are decoded
//! from the component on first use, once (only the catalogue and the MCP server read
//! them).

mod declarations;
mod docs;
mod instance;
mod params;
mod spare;

use std::sync::Arc;

use wasmtime::Engine;
use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex, InstancePre, Linker};

pub use self::declarations::{Declarations, PYTHON_HELPERS, identifier};
use self::docs::Docs;
pub use self::docs::{FuncDocs, WIT_SECTION, embedded_wit};
pub use self::instance::{ToolInstance, ToolState, check_output, output_fits};
use crate::cache::{CacheOutcome, ComponentCache};
use crate::manifest::{Limits, ToolSpec};
use crate::sandbox::grants::{self, ToolGrants};
use crate::sandbox::{blocking, fs_guard};

/// A tool component, ready to instantiate.
pub struct Tool {
    /// The tool's name in the manifest.
    pub name: String,
    /// `sha256:<hex>` of the component's bytes.
    pub digest: String,
    /// Whether its compiled code came from the cache.
    pub cache: CacheOutcome,
    /// The interfaces it exports, in the component's order.
    pub interfaces: Vec<ToolInterface>,
    /// Its grants, resolved on the host.
    pub grants: ToolGrants,
    /// Its limits, per call.
    pub limits: Limits,
    /// What MCP tools mode puts before its function names.
    pub mcp_prefix: String,
    /// The labels on what it returns, and its marked functions (see [`crate::gate`]).
    pub marks: crate::manifest::Marks,
    docs: Docs,
    func_count: usize,
    pre: InstancePre<ToolState>,
    spare: spare::Spare,
}

impl std::fmt::Debug for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tool").field("name", &self.name).field("digest", &self.digest).finish_non_exhaustive()
    }
}

/// One interface a tool exports, e.g. `cemcp:files/files@0.1.0`.
pub struct ToolInterface {
    /// The fully qualified interface name.
    pub name: String,
    /// Its functions, in the component's order.
    pub funcs: Vec<ToolFunc>,
}

/// One exported function of a tool.
pub struct ToolFunc {
    /// The function's name within its interface.
    pub name: String,
    /// Its type, for checking program imports against it.
    pub ty: ComponentFunc,
    index: ComponentExportIndex,
    /// Position among all the tool's functions, for caching its `Func` per instance.
    position: usize,
}

/// A tool function as an agent reads it: where it is, its WIT signature and docs.
pub struct FuncView<'a> {
    /// The tool.
    pub tool: &'a Arc<Tool>,
    /// Position of its interface in [`Tool::interfaces`].
    pub interface_index: usize,
    /// Its interface.
    pub interface: &'a ToolInterface,
    /// Position of the function in its interface.
    pub func_index: usize,
    /// The function.
    pub func: &'a ToolFunc,
    /// The interface's doc comment.
    pub interface_docs: &'a str,
    /// Its WIT signature and doc comment.
    pub docs: &'a FuncDocs,
}

/// Why a tool component cannot be used. The caller names the tool.
#[derive(Debug, thiserror::Error)]
pub enum ToolError {
    /// Its file, or its pin, could not be used.
    #[error(transparent)]
    File(#[from] grants::ComponentFileError),
    /// The bytes are not a component wasmtime accepts.
    #[error("`{path}` is not a valid component: {reason}")]
    Invalid {
        /// The component file.
        path: String,
        /// wasmtime's reason.
        reason: String,
    },
    /// It imports something other than WASI (or interfaces of types only).
    #[error("imports `{0}`; tools may import only WASI interfaces (and interfaces of types only)")]
    Import(String),
    /// It exports no interface.
    #[error("exports no interface; a tool must export at least one (see wit/files)")]
    NoInterface,
    /// WASI cannot satisfy its imports.
    #[error("cannot be linked: {0}")]
    Link(String),
}

impl ToolError {
    /// The manifest field the error belongs to.
    pub fn field(&self) -> &'static str {
        match self {
            Self::File(e) => e.field(),
            _ => "component",
        }
    }
}

impl Tool {
    /// What every tool is linked with: WASI (its filesystem guarded, its blocking
    /// calls bounded) and `wasi:http`. Made once per runtime and cloned per tool
    /// (cloning is cheaper than adding WASI's functions again).
    ///
    /// # Errors
    ///
    /// When wasmtime refuses a definition (a bug, not an input).
    pub fn base_linker(engine: &Engine) -> wasmtime::Result<Linker<ToolState>> {
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        blocking::add_to_linker(&mut linker)?;
        fs_guard::add_to_linker(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker)?;
        Ok(linker)
    }

    /// Reads a tool's component (checking its pin before compiling anything),
    /// compiles it or takes it from the cache, checks it, and pre-instantiates it
    /// with its resolved `grants`, linked with what `base` gives when it is needed
    /// ([`Tool::base_linker`], which may still be in the making while the component
    /// loads).
    ///
    /// # Errors
    ///
    /// A [`ToolError`] saying what is wrong with the component.
    pub fn load<'a>(
        engine: &Engine,
        base: impl FnOnce() -> Result<&'a Linker<ToolState>, ToolError>,
        cache: &ComponentCache,
        spec: &ToolSpec,
        grants: ToolGrants,
    ) -> Result<Self, ToolError> {
        let file = grants::ComponentFile::open(&spec.component, spec.sha256.as_deref(), cache)?;
        let wasm = || file.bytes().map_err(|e| wasmtime::format_err!("{e}"));
        let (component, outcome) = cache.load_lazily(engine, file.digest(), wasm).map_err(|e| ToolError::Invalid {
            path: spec.component.display().to_string(),
            reason: crate::failure::plain(&e),
        })?;
        let (interfaces, func_count) = exports(engine, &component)?;
        let docs = Docs::load(cache, engine, &file, &spec.name, &interfaces);
        let pre =
            pre_instantiate(engine, base()?, &component).map_err(|e| ToolError::Link(crate::failure::plain(&e)))?;
        Ok(Self {
            name: spec.name.clone(),
            digest: file.digest().to_owned(),
            cache: outcome,
            interfaces,
            grants,
            limits: spec.limits,
            mcp_prefix: spec.mcp_prefix.clone(),
            marks: spec.marks.clone(),
            docs,
            func_count,
            pre,
            spare: spare::Spare::default(),
        })
    }

    /// Function `func` of interface `interface`, by position.
    pub fn func(&self, interface: usize, func: usize) -> Option<&ToolFunc> {
        self.interfaces.get(interface).and_then(|i| i.funcs.get(func))
    }

    /// The exported interface called `name`, if any.
    pub fn interface(&self, name: &str) -> Option<&ToolInterface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// The WIT source the tool carries (its `cemcp:wit` section), if any.
    pub fn wit(&self) -> Option<&str> {
        self.docs().wit.as_deref()
    }

    /// Every function, in order, with its signature and docs.
    pub fn functions(self: &Arc<Self>) -> impl Iterator<Item = FuncView<'_>> {
        let docs = self.docs();
        self.interfaces.iter().enumerate().flat_map(move |(interface_index, interface)| {
            let interface_docs = docs.interfaces.get(interface_index);
            interface.funcs.iter().enumerate().map(move |(func_index, func)| FuncView {
                tool: self,
                interface_index,
                interface,
                func_index,
                func,
                interface_docs: interface_docs.map_or("", |d| d.docs.as_str()),
                docs: interface_docs.and_then(|d| d.funcs.get(func_index)).unwrap_or(&docs.missing),
            })
        })
    }

    /// The docs of the function called `name` (in any interface), if any.
    pub fn function_docs(&self, name: &str) -> Option<&FuncDocs> {
        let docs = self.docs();
        self.interfaces.iter().zip(&docs.interfaces).find_map(|(interface, interface_docs)| {
            let index = interface.funcs.iter().position(|f| f.name == name)?;
            interface_docs.funcs.get(index)
        })
    }

    /// The interface docs, decoded once.
    pub fn interface_docs(&self, interface: usize) -> &str {
        self.docs().interfaces.get(interface).map_or("", |d| d.docs.as_str())
    }

    fn docs(&self) -> &Docs {
        &self.docs
    }
}

/// Whether an imported item is an interface of types only, such as
/// `cemcp:mcp/content` (wit/mcp/content.wit): a component that uses another package's
/// types imports it, but there is nothing in it to call or to grant.
pub(crate) fn types_only(engine: &Engine, item: &ComponentItem) -> bool {
    match item {
        ComponentItem::ComponentInstance(instance) => {
            instance.exports(engine).all(|(_, export)| matches!(export.ty, ComponentItem::Type(_)))
        }
        _ => false,
    }
}

/// The names of the types-only interfaces `component` imports (see [`types_only`]).
fn type_imports(engine: &Engine, component: &Component) -> Vec<String> {
    let ty = component.component_type();
    ty.imports(engine)
        .filter(|(name, import)| !name.starts_with("wasi:") && types_only(engine, &import.ty))
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Defines each types-only interface `component` imports (see [`types_only`]) in
/// `linker`, as the empty instance it is.
pub(crate) fn define_type_imports<T: 'static>(
    engine: &Engine,
    component: &Component,
    linker: &mut Linker<T>,
) -> wasmtime::Result<()> {
    define_instances(linker, &type_imports(engine, component))
}

fn define_instances<T: 'static>(linker: &mut Linker<T>, names: &[String]) -> wasmtime::Result<()> {
    for name in names {
        linker.instance(name)?;
    }
    Ok(())
}

/// `component` pre-instantiated with `base`; a copy of `base` is made, and given
/// the empty instances, only for a component that imports interfaces of types only
/// (copying WASI's definitions per tool was 7 % of `cemcp serve`'s start-up with the
/// study's ten tools, none of which needs it).
fn pre_instantiate<T: 'static>(
    engine: &Engine,
    base: &Linker<T>,
    component: &Component,
) -> wasmtime::Result<InstancePre<T>> {
    let names = type_imports(engine, component);
    if names.is_empty() {
        return base.instantiate_pre(component);
    }
    let mut linker = base.clone();
    define_instances(&mut linker, &names)?;
    linker.instantiate_pre(component)
}

/// The interfaces and functions a component exports, and how many functions.
fn exports(engine: &Engine, component: &Component) -> Result<(Vec<ToolInterface>, usize), ToolError> {
    let ty = component.component_type();
    if let Some((import, _)) =
        ty.imports(engine).find(|(import, item)| !import.starts_with("wasi:") && !types_only(engine, &item.ty))
    {
        return Err(ToolError::Import(import.to_owned()));
    }
    let mut interfaces = Vec::new();
    let mut func_count = 0;
    for (export, item) in ty.exports(engine) {
        let ComponentItem::ComponentInstance(instance) = item.ty else { continue };
        let (_, instance_index) = component
            .get_export(None, export)
            .ok_or_else(|| ToolError::Link(format!("export `{export}` has no index")))?;
        let mut funcs = Vec::new();
        for (func_name, item) in instance.exports(engine) {
            let ComponentItem::ComponentFunc(func_ty) = item.ty else { continue };
            let (_, index) = component
                .get_export(Some(&instance_index), func_name)
                .ok_or_else(|| ToolError::Link(format!("`{export}#{func_name}` has no index")))?;
            funcs.push(ToolFunc { name: func_name.to_owned(), ty: func_ty, index, position: func_count });
            func_count += 1;
        }
        interfaces.push(ToolInterface { name: export.to_owned(), funcs });
    }
    if interfaces.is_empty() {
        return Err(ToolError::NoInterface);
    }
    Ok((interfaces, func_count))
}
