//! One program run: the program in its own Store, each tool it calls instantiated on
//! first use in a Store of its own, owned by the program Store's data.
//!
//! # Threads and cancellation
//!
//! Runs are synchronous: [`crate::Runtime::run`] blocks the calling thread until the
//! program returns or is stopped. An async server calls it from a blocking thread
//! (`tokio::task::spawn_blocking`) and keeps a [`CancelToken`] to stop it. This was
//! chosen over wasmtime's async mode because calls from the program into a tool Store
//! are plain nested synchronous calls (no fiber per call, ~180-360 ns per forwarded
//! call in the prototype), and because epoch interruption already gives everything
//! async would: every Store checks the run's cancel flag and deadlines once per epoch
//! tick, so a cancel or timeout stops the run within one tick, whether the program or
//! a tool is executing.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use wasmtime::Store;
use wasmtime::component::types::ComponentFunc;
use wasmtime::component::{ResourceTable, Type, Val, WasmStr};
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use crate::blocking::{Guarded, GuardedIo};
use crate::failure::{self, describe_tool_failure};
use crate::grants::{self, Stdio};
use crate::limits::{CancelToken, LimitExceeded, MemoryLimiter, RunHalt, RunSignals};
use crate::program::Program;
use crate::tool::{Tool, ToolFunc, ToolInstance};

/// What a successful run returns.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The program's JSON output, as it returned it.
    pub output: String,
    /// What the run did.
    pub stats: RunStats,
}

/// Statistics of one run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RunStats {
    /// Wall-clock time from instantiating the program to its return.
    #[serde(serialize_with = "millis")]
    pub wall_time: Duration,
    /// Calls made by the program, per `tool.function`.
    pub tool_calls: BTreeMap<String, u64>,
    /// Instances created, per component (`program` or a tool name).
    pub instances: BTreeMap<String, u64>,
    /// Tool calls that trapped or hit a tool limit (each discarded that instance).
    pub tool_failures: u64,
}

impl RunStats {
    /// Total tool calls.
    pub fn total_calls(&self) -> u64 {
        self.tool_calls.values().sum()
    }
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

/// Why a run failed. Each message says which component and which limit, as a user
/// would want to read it.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Cancelled, or over the program's time limit.
    #[error(transparent)]
    Halted(RunHalt),
    /// The program went over one of its own limits.
    #[error("program {0}")]
    Limit(LimitExceeded),
    /// The program trapped.
    #[error("program trapped: {0}")]
    Trap(String),
    /// A tool failed in a function whose result type cannot carry the error to the
    /// program (only functions returning `result<_, string>` can).
    #[error("{0}; the program could not receive this as a value, so the run was stopped")]
    ToolFailed(String),
    /// The program returned `err`.
    #[error("program returned an error: {0}")]
    Program(String),
    /// The program returned text that is not JSON.
    #[error("program output is not JSON ({0})")]
    BadOutput(String),
    /// The program called `exit` instead of returning from `run`.
    #[error("program exited with status {0} instead of returning its output from `run`")]
    Exited(i32),
    /// The program could not be instantiated.
    #[error("program could not start: {0}")]
    Start(String),
}

/// A program import bound to one tool function.
pub(crate) struct ToolTarget {
    /// Position in [`Program::call_labels`], for counting calls.
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
    stats: RunStats,
    stdio: Stdio,
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
        if let Some(calls) = self.calls.get_mut(target.id) {
            *calls += 1;
        }
        self.total_calls += 1;
        if let Some(max) = self.max_calls
            && self.total_calls > max
        {
            return Err(wasmtime::Error::new(RunHalt::Calls(max)));
        }
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
                    return tool_failed(&mut self.stats, tool, func, &e.context("it could not start"), ty, results);
                }
            },
        };
        if let Err(error) = instance.call(func, &tool.limits, params, results) {
            // A failed instance cannot be entered again: drop it, keeping its output.
            if let Some(failed) = live.take() {
                failed.stdio.log(&tool.name);
            }
            if error.downcast_ref::<RunHalt>().is_some() {
                return Err(error);
            }
            return tool_failed(&mut self.stats, tool, func, &error, ty, results);
        }
        if let Err(limit) = crate::tool::check_output(&tool.limits, results) {
            return tool_failed(&mut self.stats, tool, func, &wasmtime::Error::new(limit), ty, results);
        }
        Ok(())
    }

    /// Logs what the program and every live tool wrote to stdout and stderr.
    fn log_stdio(&self) {
        self.stdio.log("program");
        for slot in &self.tools {
            if let Some(live) = &slot.live {
                live.stdio.log(&slot.tool.name);
            }
        }
    }
}

/// Records and reports a tool failure: to the program as an `err` value if the
/// function's result can carry it, otherwise as an error that stops the program.
fn tool_failed(
    stats: &mut RunStats,
    tool: &Tool,
    func: &ToolFunc,
    error: &wasmtime::Error,
    ty: &ComponentFunc,
    results: &mut [Val],
) -> wasmtime::Result<()> {
    stats.tool_failures += 1;
    let message = describe_tool_failure(tool, Some(&func.name), error);
    tracing::warn!(tool = %tool.name, function = %func.name, "{message}");
    deliver_error(ty, message, results)
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

/// How many bytes the host may lift from a Store in one call: its whole memory
/// limit, and at least wasmtime's default.
pub(crate) fn hostcall_allowance(memory: u64) -> usize {
    usize::try_from(memory).unwrap_or(usize::MAX).max(128 << 20)
}

/// A tool failure that could not be delivered as a value.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct ToolFailure(String);

/// Runs `program` once with `input`. Blocks until it returns or is stopped.
pub(crate) fn run(program: &Program, input: &str, cancel: &CancelToken) -> Result<RunOutput, RunError> {
    let started = Instant::now();
    let signals = RunSignals::start(cancel.clone(), program.limits.time);
    let (wasi, stdio) = grants::program_wasi(program.limits.log);
    let state = RunState {
        wasi,
        stdio,
        total_calls: 0,
        max_calls: program.limits.calls,
        table: ResourceTable::new(),
        limiter: MemoryLimiter::new(program.limits.memory),
        signals,
        tools: program.tools.iter().map(|tool| ToolSlot { tool: Arc::clone(tool), live: None }).collect(),
        calls: vec![0; program.call_labels.len()],
        stats: RunStats::default(),
    };
    let mut store = Store::new(program.pre.engine(), state);
    store.limiter(|state| &mut state.limiter);
    store.set_fuel(program.limits.fuel.unwrap_or(u64::MAX)).map_err(|e| RunError::Start(e.to_string()))?;
    // Values the program hands the host (its output, a tool call's arguments) are at
    // most its memory; the default allowance of 128 MiB would fail a bigger output
    // as "hostcall fuel" before the output limit could name it.
    store.set_hostcall_fuel(hostcall_allowance(program.limits.memory));
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|ctx| ctx.data().signals.on_tick(None));
    store.data_mut().stats.instances.insert("program".into(), 1);

    let outcome = call_run(&mut store, program, input);
    let state = store.data_mut();
    state.log_stdio();
    let mut stats = std::mem::take(&mut state.stats);
    stats.wall_time = started.elapsed();
    let counted = program.call_labels.iter().zip(&state.calls).filter(|(_, calls)| **calls > 0);
    stats.tool_calls = counted.map(|(label, calls)| (label.clone(), *calls)).collect();
    let output = outcome?;
    serde_json::from_str::<serde::de::IgnoredAny>(&output).map_err(|e| RunError::BadOutput(e.to_string()))?;
    Ok(RunOutput { output, stats })
}

/// The `run` export's signature, as a typed function: the output is read in the
/// program's memory and measured before anything is copied, so an output over the
/// limit costs nothing to refuse.
type RunFunc = wasmtime::component::TypedFunc<(String,), (Result<WasmStr, WasmStr>,)>;

fn call_run(store: &mut Store<RunState>, program: &Program, input: &str) -> Result<String, RunError> {
    let limits = program.limits;
    let instance = program.pre.instantiate(&mut *store).map_err(|e| classify(&e, limits.fuel, RunError::Start))?;
    let func: RunFunc =
        instance.get_typed_func(&mut *store, program.run).map_err(|e| RunError::Start(failure::plain(&e)))?;
    let (returned,) =
        func.call(&mut *store, (input.to_owned(),)).map_err(|e| classify(&e, limits.fuel, RunError::Trap))?;
    match returned {
        Ok(output) => {
            let output = text(&output, store)?;
            let size = output.len() as u64;
            if size > limits.output {
                return Err(RunError::Limit(LimitExceeded::Output { limit: limits.output, size }));
            }
            Ok(output.into_owned())
        }
        Err(error) => {
            // An error message is bounded like an output.
            let error = text(&error, store)?;
            let kept: String = error.chars().take(usize::try_from(limits.output).unwrap_or(usize::MAX)).collect();
            Err(RunError::Program(kept))
        }
    }
}

/// A string the program returned, read in place in its memory.
fn text<'a>(s: &WasmStr, store: &'a Store<RunState>) -> Result<std::borrow::Cow<'a, str>, RunError> {
    s.to_str(store).map_err(|e| RunError::Trap(format!("`run` returned invalid text: {}", failure::plain(&e))))
}

/// Names the limit, halt or exit behind an error; anything else becomes `fallback`,
/// in words and without a wasm backtrace.
fn classify(error: &wasmtime::Error, fuel: Option<u64>, fallback: fn(String) -> RunError) -> RunError {
    tracing::debug!("program failure in detail: {error:?}");
    if let Some(halt) = error.downcast_ref::<RunHalt>() {
        RunError::Halted(*halt)
    } else if let Some(limit) = LimitExceeded::of(error, fuel) {
        RunError::Limit(limit)
    } else if let Some(failure) = error.downcast_ref::<ToolFailure>() {
        RunError::ToolFailed(failure.0.clone())
    } else if let Some(status) = failure::exit_status(error) {
        RunError::Exited(status)
    } else if let Some(trap) = error.downcast_ref::<wasmtime::Trap>() {
        fallback(trap.to_string())
    } else {
        fallback(failure::plain(error))
    }
}
