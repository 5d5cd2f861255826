//! Forwarding: the program Store's data, and how a program's import reaches the
//! tool that serves it.
//!
//! Each tool the program may call has a slot, filled with an instance (in a Store of
//! its own) on the first call. A forwarded call counts against the run's call limit,
//! calls the tool with its own per-call limits, and turns a tool failure into an
//! `err` value for the program where the function's result can carry one.

use std::sync::Arc;
use std::time::Instant;

use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{ResourceTable, Type, Val};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::dispatch::Dispatch;
use super::run::RunStats;
use super::trace::TracedCall;
use super::typed::{self, OkType, Params};
use crate::failure::describe_tool_failure;
use crate::gate::{CallPolicy, RunGuard};
use crate::manifest::Limits;
use crate::sandbox::blocking::{Guarded, GuardedIo};
use crate::sandbox::capture::Stdio;
use crate::sandbox::grants;
use crate::sandbox::limits::{MemoryLimiter, RunHalt, RunSignals};
use crate::sandbox::store::Sandboxed;
use crate::tool::{Tool, ToolFunc, ToolInstance, check_output, output_fits};

/// A program import bound to one tool function.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ToolTarget {
    /// Position in the program's call labels, for counting calls.
    id: usize,
    slot: usize,
    interface: usize,
    func: usize,
}

impl ToolTarget {
    pub(crate) fn new(id: usize, slot: usize, interface: usize, func: usize) -> Self {
        Self { id, slot, interface, func }
    }
}

/// A tool bound to a run, instantiated on first call.
struct ToolSlot {
    tool: Arc<Tool>,
    live: Option<ToolInstance>,
}

/// What the program's Store holds: its own (empty) WASI context, and every tool the
/// program may call.
pub struct RunState {
    wasi: WasiCtx,
    table: ResourceTable,
    limiter: MemoryLimiter,
    signals: RunSignals,
    tools: Vec<ToolSlot>,
    /// Calls per [`ToolTarget::id`]; turned into [`RunStats::tool_calls`] at the end.
    calls: Vec<u64>,
    /// Calls so far, and the most the profile allows.
    total_calls: u64,
    max_calls: Option<u64>,
    pub(super) stats: RunStats,
    stdio: Stdio,
    /// For an interpreter: the functions its script may call.
    dispatch: Option<Arc<Dispatch>>,
    /// The calls so far, when the run is traced.
    pub(super) trace: Option<Vec<TracedCall>>,
    /// A script call's arguments as it gave them, for the trace of that call.
    pub(super) traced_arguments: Option<serde_json::Value>,
    /// What the gates decided about each import, by [`ToolTarget::id`].
    policies: Arc<[CallPolicy]>,
    /// This run's gate state: rate counts, labels received, its approver.
    pub(super) guard: RunGuard,
}

impl RunState {
    /// The state of a new run of a program linked to `tools`, with `labels.len()`
    /// distinct imports, under `limits`.
    #[allow(clippy::too_many_arguments)] // One per part of a run; a struct would only rename them.
    pub(super) fn new(
        tools: &[Arc<Tool>],
        imports: usize,
        limits: &Limits,
        signals: RunSignals,
        dispatch: Option<Arc<Dispatch>>,
        trace: bool,
        policies: Arc<[CallPolicy]>,
        guard: RunGuard,
    ) -> Self {
        let (wasi, stdio) = grants::program_wasi(limits.log);
        Self {
            wasi,
            stdio,
            total_calls: 0,
            max_calls: limits.calls,
            table: ResourceTable::new(),
            limiter: MemoryLimiter::new(limits.memory),
            signals,
            tools: tools.iter().map(|tool| ToolSlot { tool: Arc::clone(tool), live: None }).collect(),
            calls: vec![0; imports],
            stats: RunStats::default(),
            dispatch,
            trace: trace.then(Vec::new),
            traced_arguments: None,
            policies,
            guard,
        }
    }

    /// The functions an interpreter's script may call.
    pub(super) fn dispatch(&self) -> Option<&Arc<Dispatch>> {
        self.dispatch.as_ref()
    }

    /// Calls made per import, by [`ToolTarget`] id.
    pub(super) fn calls(&self) -> &[u64] {
        &self.calls
    }
}

impl Sandboxed for RunState {
    fn limiter(&mut self) -> &mut MemoryLimiter {
        &mut self.limiter
    }

    fn signals(&self) -> &RunSignals {
        &self.signals
    }
}

impl WasiView for RunState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView { ctx: &mut self.wasi, table: &mut self.table }
    }
}

impl Guarded for RunState {
    fn guarded_io(&mut self) -> GuardedIo<'_> {
        GuardedIo { table: &mut self.table, signals: &self.signals, call: None }
    }
}

impl RunState {
    /// Serves one program import by calling the tool. A tool failure (trap, limit,
    /// failed start) discards that tool's instance and reaches the program as an `err`
    /// value when the function returns `result<_, string>`; a run-wide halt
    /// (cancel, program timeout) propagates and stops the program.
    ///
    /// This is the hot path of every forwarded call: it allocates nothing and clones
    /// nothing unless the tool has to be instantiated.
    pub(crate) fn forward(
        &mut self,
        target: &ToolTarget,
        ty: &ComponentFunc,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        if self.trace.is_none() {
            return self.forward_call(target, ty, params, results);
        }
        let started = Instant::now();
        let outcome = self.forward_call(target, ty, params, results);
        if outcome.is_ok() {
            self.record(target, ty, params, results, started);
        } else {
            self.traced_arguments = None;
        }
        outcome
    }

    /// Adds a call that returned to the run's trace.
    fn record(&mut self, target: &ToolTarget, ty: &ComponentFunc, params: &[Val], results: &[Val], started: Instant) {
        let arguments = self.traced_arguments.take();
        if let Some(slot) = self.tools.get(target.slot)
            && let Some(func) = slot.tool.func(target.interface, target.func)
        {
            let call = TracedCall::new(&slot.tool, &func.name, ty, params, arguments, results, started.elapsed());
            self.trace.get_or_insert_with(Vec::new).push(call);
        }
    }

    fn forward_call(
        &mut self,
        target: &ToolTarget,
        ty: &ComponentFunc,
        params: &[Val],
        results: &mut [Val],
    ) -> wasmtime::Result<()> {
        self.count_call(target)?;
        // Point 3 of the gates: a refusal stops the run.
        let policy = self.policies.get(target.id);
        if let Some(policy) = policy {
            self.guard.admit(policy, params, &self.signals).map_err(wasmtime::Error::new)?;
        }
        let (tool, func, instance) = match self.instance_for(target)? {
            Ok(found) => found,
            Err(message) => return deliver_error(ty, message, results),
        };
        let called = instance.call(func, &tool.limits, params, results);
        let checked = called.and_then(|()| check_output(&tool.limits, results).map_err(wasmtime::Error::new));
        if let Err(error) = checked {
            let message = self.failed(target, error)?;
            return deliver_error(ty, message, results);
        }
        if let Some(policy) = self.policies.get(target.id).filter(|p| !p.labels.is_empty()) {
            self.guard.returned(policy, results);
        }
        Ok(())
    }

    /// [`Self::forward`] for an import on the typed path ([`super::typed`]): the
    /// same steps, with `Val`s built only for a gate, labels or the trace.
    pub(super) fn forward_typed<P: Params, T: OkType>(
        &mut self,
        target: &ToolTarget,
        ty: &ComponentFunc,
        params: P,
    ) -> wasmtime::Result<Result<T, String>> {
        let Some(started) = self.trace.is_some().then(Instant::now) else {
            return self.forward_typed_call(target, params, None);
        };
        let vals = params.to_vals();
        let outcome = self.forward_typed_call(target, params, Some(&vals));
        match &outcome {
            Ok(result) => self.record(target, ty, &vals, &[typed::result_val(result)], started),
            Err(_) => self.traced_arguments = None,
        }
        outcome
    }

    fn forward_typed_call<P: Params, T: OkType>(
        &mut self,
        target: &ToolTarget,
        params: P,
        vals: Option<&[Val]>,
    ) -> wasmtime::Result<Result<T, String>> {
        self.count_call(target)?;
        let policy = self.policies.get(target.id);
        if let Some(policy) = policy
            && !self.guard.quiet_for(policy)
        {
            let built;
            let vals = match vals {
                Some(vals) => vals,
                None => {
                    built = params.to_vals();
                    &built
                }
            };
            self.guard.admit(policy, vals, &self.signals).map_err(wasmtime::Error::new)?;
        }
        let (tool, func, instance) = match self.instance_for(target)? {
            Ok(found) => found,
            Err(message) => return Ok(Err(message)),
        };
        let limits = &tool.limits;
        let called = instance.call_typed::<P, (Result<T, String>,)>(func, limits, params).and_then(|(result,)| {
            output_fits(limits, typed::result_size(&result))?;
            Ok(result)
        });
        let result = match called {
            Ok(result) => result,
            Err(error) => return self.failed(target, error).map(Err),
        };
        if let Some(policy) = self.policies.get(target.id).filter(|p| !p.labels.is_empty()) {
            self.guard.returned(policy, &[typed::result_val(&result)]);
        }
        Ok(result)
    }

    /// Counts a call against the run's limit.
    fn count_call(&mut self, target: &ToolTarget) -> wasmtime::Result<()> {
        if let Some(calls) = self.calls.get_mut(target.id) {
            *calls += 1;
        }
        self.total_calls += 1;
        match self.max_calls {
            Some(max) if self.total_calls > max => Err(wasmtime::Error::new(RunHalt::Calls(max))),
            _ => Ok(()),
        }
    }

    /// The tool, function and live instance serving `target`, instantiated on the
    /// first call; `Ok(Err(message))` when the tool could not start.
    fn instance_for(&mut self, target: &ToolTarget) -> wasmtime::Result<Result<Serving<'_>, String>> {
        let ToolSlot { tool, live } =
            self.tools.get_mut(target.slot).ok_or_else(|| wasmtime::format_err!("(internal) no tool slot"))?;
        let func =
            tool.func(target.interface, target.func).ok_or_else(|| wasmtime::format_err!("(internal) no function"))?;
        let instance = match live {
            Some(instance) => instance,
            None => match tool.instantiate(self.signals.clone()) {
                Ok(instance) => {
                    *self.stats.instances.entry(tool.name.clone()).or_default() += 1;
                    live.insert(instance)
                }
                Err(e) => {
                    return Ok(Err(failure_message(&mut self.stats, tool, func, &e.context("it could not start"))));
                }
            },
        };
        Ok(Ok((tool, func, instance)))
    }

    /// A failed call of `target`'s tool: its instance is dropped (a failed instance
    /// cannot be entered again; its output is kept in the log). A run-wide halt
    /// propagates; any other failure becomes the message for the program.
    fn failed(&mut self, target: &ToolTarget, error: wasmtime::Error) -> wasmtime::Result<String> {
        let slot = self.tools.get_mut(target.slot).ok_or_else(|| wasmtime::format_err!("(internal) no tool slot"))?;
        if let Some(failed) = slot.live.take() {
            failed.stdio.log(&slot.tool.name);
        }
        if error.downcast_ref::<RunHalt>().is_some() {
            return Err(error);
        }
        let func = slot
            .tool
            .func(target.interface, target.func)
            .ok_or_else(|| wasmtime::format_err!("(internal) no function"))?;
        Ok(failure_message(&mut self.stats, &slot.tool, func, &error))
    }

    /// Logs what the program and every live tool wrote to stdout and stderr.
    pub(super) fn log_stdio(&self) {
        self.stdio.log("program");
        for slot in &self.tools {
            if let Some(live) = &slot.live {
                live.stdio.log(&slot.tool.name);
            }
        }
    }
}

/// The tool, function and instance that serve a call.
type Serving<'a> = (&'a Arc<Tool>, &'a ToolFunc, &'a mut ToolInstance);

/// Records a tool failure and says what it was, for the program.
fn failure_message(stats: &mut RunStats, tool: &Tool, func: &ToolFunc, error: &wasmtime::Error) -> String {
    stats.tool_failures += 1;
    let message = describe_tool_failure(tool, Some(&func.name), error);
    tracing::warn!(tool = %tool.name, function = %func.name, "{message}");
    message
}

/// Puts `message` in the function's `err` case if its result is `result<_, string>`;
/// otherwise the failure stops the program.
fn deliver_error(ty: &ComponentFunc, message: String, results: &mut [Val]) -> wasmtime::Result<()> {
    let carries_string_error = matches!(ty.results().collect::<Vec<_>>().as_slice(), [Type::Result(r)] if matches!(r.err(), Some(Type::String)));
    match results {
        [slot] if carries_string_error => {
            *slot = Val::Result(Err(Some(Box::new(Val::String(message)))));
            Ok(())
        }
        _ => Err(wasmtime::Error::new(ToolFailure(message))),
    }
}

/// A tool failure that could not be delivered as a value.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct ToolFailure(pub(super) String);
