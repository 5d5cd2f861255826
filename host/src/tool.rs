//! Tool components: loaded once (compiled, checked, pre-instantiated), instantiated
//! lazily per run, each instance in its own Store with its own WASI context and limits.

use std::time::{Duration, Instant};

use wasmtime::component::types::{ComponentFunc, ComponentItem};
use wasmtime::component::{Component, ComponentExportIndex, Func, Instance, InstancePre, Linker, ResourceTable, Val};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use crate::blocking::{self, Guarded, GuardedIo};
use crate::fs_guard::{self, FsGuarded, GuardedFs, StorageQuota};
use crate::grants::{self, Stdio, ToolGrants};
use crate::http_policy::HttpPolicy;
use crate::limits::{LimitExceeded, MemoryLimiter, RunSignals};
use crate::manifest::Limits;

/// A tool component, ready to instantiate.
pub struct Tool {
    /// The tool's name in the manifest.
    pub name: String,
    /// `sha256:<hex>` of the component's bytes.
    pub digest: String,
    /// The interfaces it exports, in the component's order.
    pub interfaces: Vec<ToolInterface>,
    /// Its grants, resolved on the host.
    pub grants: ToolGrants,
    /// Its limits, per call.
    pub limits: Limits,
    func_count: usize,
    pre: InstancePre<ToolState>,
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

impl Tool {
    /// Checks a compiled tool component and pre-instantiates it.
    ///
    /// # Errors
    ///
    /// When the tool imports anything but WASI (tools cannot call each other yet), or
    /// exports no interface, or WASI cannot satisfy its imports.
    pub fn new(
        engine: &Engine,
        name: &str,
        digest: String,
        component: &Component,
        grants: ToolGrants,
        limits: Limits,
    ) -> anyhow::Result<Self> {
        let ty = component.component_type();
        for (import, _) in ty.imports(engine) {
            if !import.starts_with("wasi:") {
                anyhow::bail!("tool `{name}` imports `{import}`; tools may import only WASI interfaces");
            }
        }
        let mut interfaces = Vec::new();
        let mut func_count = 0;
        for (export, item) in ty.exports(engine) {
            let item = item.ty;
            let ComponentItem::ComponentInstance(instance) = item else { continue };
            let (_, instance_index) = component
                .get_export(None, export)
                .ok_or_else(|| anyhow::anyhow!("tool `{name}`: export `{export}` has no index"))?;
            let mut funcs = Vec::new();
            for (func_name, item) in instance.exports(engine) {
                let item = item.ty;
                let ComponentItem::ComponentFunc(func_ty) = item else { continue };
                let (_, index) = component
                    .get_export(Some(&instance_index), func_name)
                    .ok_or_else(|| anyhow::anyhow!("tool `{name}`: `{export}#{func_name}` has no index"))?;
                funcs.push(ToolFunc { name: func_name.to_owned(), ty: func_ty, index, position: func_count });
                func_count += 1;
            }
            interfaces.push(ToolInterface { name: export.to_owned(), funcs });
        }
        if interfaces.is_empty() {
            anyhow::bail!("tool `{name}` exports no interface; a tool must export at least one (see wit/files)");
        }
        let mut linker = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker).map_err(anyhow::Error::from)?;
        blocking::add_to_linker(&mut linker).map_err(anyhow::Error::from)?;
        fs_guard::add_to_linker(&mut linker).map_err(anyhow::Error::from)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_sync(&mut linker).map_err(anyhow::Error::from)?;
        let pre = linker
            .instantiate_pre(component)
            .map_err(|e| anyhow::Error::from(e).context(format!("tool `{name}` cannot be linked")))?;
        Ok(Self { name: name.to_owned(), digest, interfaces, grants, limits, func_count, pre })
    }

    /// Function `func` of interface `interface`, by position.
    pub fn func(&self, interface: usize, func: usize) -> Option<&ToolFunc> {
        self.interfaces.get(interface).and_then(|i| i.funcs.get(func))
    }

    /// The exported interface called `name`, if any.
    pub fn interface(&self, name: &str) -> Option<&ToolInterface> {
        self.interfaces.iter().find(|i| i.name == name)
    }

    /// A fresh instance in a new Store, bound to one run's signals.
    ///
    /// # Errors
    ///
    /// When a granted directory cannot be opened, or instantiation fails (for example
    /// its initial memory is over its memory limit).
    pub fn instantiate(&self, signals: RunSignals) -> wasmtime::Result<ToolInstance> {
        let (wasi, stdio) = grants::tool_wasi(&self.grants)?;
        let state = ToolState {
            name: self.name.as_str().into(),
            storage: self.grants.storage.clone(),
            wasi,
            table: ResourceTable::new(),
            http: WasiHttpCtx::new(),
            http_policy: HttpPolicy::new(self.name.as_str().into(), std::sync::Arc::clone(&self.grants.network)),
            limiter: MemoryLimiter::new(self.limits.memory),
            signals,
            call: None,
        };
        let mut store = Store::new(self.pre.engine(), state);
        store.limiter(|state| &mut state.limiter);
        store.set_fuel(self.limits.fuel.unwrap_or(u64::MAX))?;
        store.set_hostcall_fuel(crate::run::hostcall_allowance(self.limits.memory));
        store.set_epoch_deadline(1);
        store.epoch_deadline_callback(|ctx| {
            let state = ctx.data();
            state.signals.on_tick(state.call)
        });
        let instance = self.pre.instantiate(&mut store)?;
        Ok(ToolInstance { store, instance, funcs: vec![None; self.func_count], stdio })
    }
}

impl Tool {
    /// Calls one function on a fresh instance, as an MCP client's direct tool call:
    /// the tool's own limits apply (time, memory, fuel and output, exactly as for a
    /// call from a program), and `cancel` stops it. The instance is dropped
    /// afterwards, so calls share no state, exactly as runs do not.
    ///
    /// # Errors
    ///
    /// A trap, a [`crate::limits::LimitExceeded`] or a cancel, as a wasmtime error.
    pub fn call_once(
        &self,
        func: &ToolFunc,
        params: &[Val],
        cancel: &crate::CancelToken,
    ) -> wasmtime::Result<Vec<Val>> {
        let mut instance = self.instantiate(RunSignals::cancel_only(cancel.clone()))?;
        let mut results = vec![Val::Bool(false); func.ty.results().len()];
        let outcome = instance.call(func, &self.limits, params, &mut results);
        instance.stdio.log(&self.name);
        outcome?;
        check_output(&self.limits, &results)?;
        Ok(results)
    }
}

/// Whether a call's results fit the tool's output limit.
///
/// # Errors
///
/// [`LimitExceeded::Output`] with the limit and the size returned.
pub fn check_output(limits: &Limits, results: &[Val]) -> Result<(), LimitExceeded> {
    let size: u64 = results.iter().map(crate::values::size_of).sum();
    if size > limits.output { Err(LimitExceeded::Output { limit: limits.output, size }) } else { Ok(()) }
}

/// What a tool's Store holds.
pub struct ToolState {
    name: std::sync::Arc<str>,
    storage: Option<std::sync::Arc<StorageQuota>>,
    wasi: WasiCtx,
    table: ResourceTable,
    http: WasiHttpCtx,
    http_policy: HttpPolicy,
    limiter: MemoryLimiter,
    signals: RunSignals,
    /// Deadline and limit of the call under way.
    call: Option<(Instant, Duration)>,
}

impl WasiView for ToolState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl WasiHttpView for ToolState {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView { ctx: &mut self.http, table: &mut self.table, hooks: &mut self.http_policy }
    }
}

impl FsGuarded for ToolState {
    fn guarded_fs(&mut self) -> GuardedFs<'_> {
        GuardedFs {
            fs: wasmtime_wasi::filesystem::WasiFilesystemCtxView {
                ctx: self.wasi.filesystem(),
                table: &mut self.table,
            },
            tool: &self.name,
            quota: self.storage.as_ref(),
        }
    }
}

impl Guarded for ToolState {
    fn guarded_io(&mut self) -> GuardedIo<'_> {
        GuardedIo { table: &mut self.table, signals: &self.signals, call: self.call }
    }
}

/// A live tool instance. After any error it must be dropped: a trapped instance
/// cannot be entered again.
pub struct ToolInstance {
    store: Store<ToolState>,
    instance: Instance,
    /// Functions looked up so far, by [`ToolFunc`] position.
    funcs: Vec<Option<Func>>,
    /// Its captured stdout and stderr.
    pub stdio: Stdio,
}

impl ToolInstance {
    /// Calls one exported function with the tool's per-call time and fuel limits.
    ///
    /// # Errors
    ///
    /// A trap, a [`crate::limits::LimitExceeded`], or a [`crate::limits::RunHalt`] that
    /// must stop the whole run.
    pub fn call(
        &mut self,
        func: &ToolFunc,
        limits: &Limits,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        let cached =
            self.funcs.get_mut(func.position).ok_or_else(|| wasmtime::format_err!("(internal) no function slot"))?;
        let function = match cached {
            Some(function) => *function,
            None => *cached.insert(
                self.instance
                    .get_func(&mut self.store, func.index)
                    .ok_or_else(|| wasmtime::format_err!("function `{}` is missing from the instance", func.name))?,
            ),
        };
        if let Some(fuel) = limits.fuel {
            self.store.set_fuel(fuel)?;
        }
        self.store.data_mut().call = Some((Instant::now() + limits.time, limits.time));
        let outcome = function.call(&mut self.store, params, results);
        self.store.data_mut().call = None;
        outcome
    }
}
