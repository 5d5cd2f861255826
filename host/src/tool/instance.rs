//! Tool instances: each in a Store of its own, with the tool's WASI context, grants
//! and limits, bound to one run (or to one call in tools mode).

use std::any::Any;
use std::time::{Duration, Instant};

use wasmtime::Store;
use wasmtime::component::{ComponentNamedList, Func, Instance, Lift, Lower, ResourceTable, TypedFunc, Val};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpView};

use super::{Tool, ToolFunc};
use crate::manifest::Limits;
use crate::sandbox::blocking::{Guarded, GuardedIo};
use crate::sandbox::capture::Stdio;
use crate::sandbox::fs_guard::{FsGuarded, GuardedFs, QuotaHit, StorageQuota};
use crate::sandbox::grants;
use crate::sandbox::http_policy::HttpPolicy;
use crate::sandbox::limits::{CallClock, LimitExceeded, MemoryLimiter, RunSignals};
use crate::sandbox::store::{Sandboxed, sandboxed_store};

impl Tool {
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
            quota_hit: QuotaHit::default(),
        };
        let mut store = sandboxed_store(self.pre.engine(), state, &self.limits)?;
        let instance = self.pre.instantiate(&mut store)?;
        let typed = std::iter::repeat_with(|| None).take(self.func_count).collect();
        Ok(ToolInstance { store, instance, funcs: vec![None; self.func_count], typed, stdio })
    }

    /// Calls one function on a fresh instance, as an MCP client's direct tool call:
    /// the tool's own limits apply (time, memory, fuel and output, exactly as for a
    /// call from a program), and `cancel` stops it. The instance is dropped
    /// afterwards, so calls share no state, exactly as runs do not. The instance may
    /// have been made ahead, and it is dropped and the next one made in the
    /// background (`spare`), off the call's time.
    ///
    /// # Errors
    ///
    /// A trap, a [`crate::sandbox::limits::LimitExceeded`] or a cancel, as a wasmtime error.
    pub fn call_once(
        self: &std::sync::Arc<Self>,
        func: &ToolFunc,
        params: &[Val],
        cancel: &crate::CancelToken,
    ) -> wasmtime::Result<Vec<Val>> {
        let mut instance = self.instance(RunSignals::cancel_only(cancel.clone()))?;
        let mut results = vec![Val::Bool(false); func.ty.results().len()];
        let outcome = instance.call(func, &self.limits, params, &mut results);
        instance.stdio.log(&self.name);
        let tool = std::sync::Arc::clone(self);
        crate::background::then(instance, move || tool.refill_spare());
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
    output_fits(limits, results.iter().map(crate::values::size_of).sum())
}

/// Whether results of `size` (counted as [`check_output`] counts them) fit the tool's
/// output limit.
///
/// # Errors
///
/// [`LimitExceeded::Output`] with the limit and the size.
pub fn output_fits(limits: &Limits, size: u64) -> Result<(), LimitExceeded> {
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
    /// The time limit of the call under way.
    call: Option<CallClock>,
    /// Whether a write of the call under way passed the storage quota.
    quota_hit: QuotaHit,
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

impl Sandboxed for ToolState {
    fn limiter(&mut self) -> &mut MemoryLimiter {
        &mut self.limiter
    }

    fn signals(&self) -> &RunSignals {
        &self.signals
    }

    fn call_deadline(&mut self) -> Option<(Instant, Duration)> {
        self.call.as_mut().map(CallClock::deadline)
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
            hit: &self.quota_hit,
        }
    }
}

impl Guarded for ToolState {
    fn guarded_io(&mut self) -> GuardedIo<'_> {
        GuardedIo { table: &mut self.table, signals: &self.signals, call: self.call.as_mut().map(CallClock::deadline) }
    }
}

/// A live tool instance. After any error it must be dropped: a trapped instance
/// cannot be entered again.
pub struct ToolInstance {
    store: Store<ToolState>,
    instance: Instance,
    /// Functions looked up so far, by [`ToolFunc`] position.
    funcs: Vec<Option<Func>>,
    /// Their typed handles (a `TypedFunc<P, R>`), for the typed forwarding path.
    typed: Vec<Option<Box<dyn Any + Send + Sync>>>,
    /// Its captured stdout and stderr.
    pub stdio: Stdio,
}

impl ToolInstance {
    /// Binds an instance made ahead to the tools-mode call that takes it.
    pub(super) fn bind(&mut self, signals: RunSignals) {
        self.store.data_mut().signals = signals;
        // The deadline set when it was made may have passed: the first tick checks
        // the new signals either way.
        self.store.set_epoch_deadline(1);
    }

    /// Calls one exported function with the tool's per-call time and fuel limits.
    ///
    /// # Errors
    ///
    /// A trap, a [`crate::sandbox::limits::LimitExceeded`], or a [`crate::sandbox::limits::RunHalt`] that
    /// must stop the whole run.
    pub fn call(
        &mut self,
        func: &ToolFunc,
        limits: &Limits,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        let function = self.func(func)?;
        self.within_limits(limits, |store| function.call(store, params, results))
    }

    /// [`Self::call`] through a `TypedFunc<P, R>`: no `Val`s either way. The types
    /// are checked against the export once per instance.
    ///
    /// # Errors
    ///
    /// As [`Self::call`]; and when `P` and `R` are not the function's types.
    pub fn call_typed<P, R>(&mut self, func: &ToolFunc, limits: &Limits, params: P) -> wasmtime::Result<R>
    where
        P: ComponentNamedList + Lower + Send + Sync + 'static,
        R: ComponentNamedList + Lift + Send + Sync + 'static,
    {
        let slot = self.typed.get(func.position).and_then(|t| t.as_ref()?.downcast_ref::<TypedFunc<P, R>>());
        let typed = match slot {
            Some(typed) => *typed,
            None => {
                let typed = self.func(func)?.typed::<P, R>(&self.store)?;
                if let Some(slot) = self.typed.get_mut(func.position) {
                    *slot = Some(Box::new(typed));
                }
                typed
            }
        };
        self.within_limits(limits, |store| typed.call(store, params))
    }

    /// The exported function, looked up once per instance.
    fn func(&mut self, func: &ToolFunc) -> wasmtime::Result<Func> {
        let cached =
            self.funcs.get_mut(func.position).ok_or_else(|| wasmtime::format_err!("(internal) no function slot"))?;
        Ok(match cached {
            Some(function) => *function,
            None => *cached.insert(
                self.instance
                    .get_func(&mut self.store, func.index)
                    .ok_or_else(|| wasmtime::format_err!("function `{}` is missing from the instance", func.name))?,
            ),
        })
    }

    /// Runs `call` with the call's fuel and deadline set, then checks the storage quota.
    fn within_limits<R>(
        &mut self,
        limits: &Limits,
        call: impl FnOnce(&mut Store<ToolState>) -> wasmtime::Result<R>,
    ) -> wasmtime::Result<R> {
        if let Some(fuel) = limits.fuel {
            self.store.set_fuel(fuel)?;
        }
        self.store.data_mut().call = Some(CallClock::new(limits.time));
        let outcome = call(&mut self.store);
        let state = self.store.data_mut();
        state.call = None;
        // A write refused for the quota failed as on a full disk, so that the tool
        // could clean up; the call ends with the limit whatever it returned.
        if let (true, Some(quota)) = (state.quota_hit.take(), &state.storage) {
            return Err(LimitExceeded::Storage(quota.limit()).into());
        }
        outcome
    }
}
