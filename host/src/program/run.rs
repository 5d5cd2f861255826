//! One program run: the program in its own Store, each tool it calls instantiated on
//! first use in a Store of its own, owned by the program Store's data
//! ([`super::forward`]).
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
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use serde::Serialize;
use std::sync::Arc;
use wasmtime::Store;

use wasmtime::component::{ComponentExportIndex, TypedFunc, WasmStr};

use super::forward::{RunState, ToolFailure};
use super::interpreter::{InterpreterPre, ScriptError, ScriptOutput};
use super::link::{Entry, Program};
use super::trace::TracedCall;
use crate::failure;
use crate::gate::{
    Approver, Denial, Labels, NoApprover, Policy, Refused, RunGuard, RunSubject, SubjectKind, Verdict, merge,
};
use crate::sandbox::limits::{CancelToken, LimitExceeded, RunHalt, RunSignals};
use crate::sandbox::store::sandboxed_store;
use serde_json::json;

/// What a successful run returns.
#[derive(Debug, Clone)]
pub struct RunOutput {
    /// The program's JSON output, as it returned it.
    pub output: String,
    /// What a script printed (bounded by the profile's `log` limit); empty for a
    /// program component, whose stdout goes to the log.
    pub printed: String,
    /// What the run did.
    pub stats: RunStats,
    /// Every tool call, in order, when the run was traced (empty otherwise).
    pub trace: Vec<TracedCall>,
    /// The labels of the data the run received (its output may carry them).
    pub labels: Labels,
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
    /// The script failed: a syntax error (with its line and column), an uncaught
    /// exception, or an output that is not JSON.
    #[error("the script failed: {message}")]
    Script {
        /// What went wrong, as the interpreter tells it.
        message: String,
        /// What the script printed before failing.
        printed: String,
    },
    /// The host is running all it may and its queue is full: nothing ran; retry.
    #[error(transparent)]
    Busy(crate::admission::Busy),
    /// A gate refused the program or script before it ran (point 2).
    #[error("the run was refused: {0}")]
    Refused(Denial),
    /// A gate refused a tool call (point 3); the run was stopped there.
    #[error("the run was stopped: call to `{tool}.{function}` {denial}")]
    CallRefused {
        /// The tool.
        tool: String,
        /// The function, as JSON callers name it.
        function: String,
        /// Which gate and rule, and why.
        denial: Denial,
    },
    /// A gate withheld the run's output or error text (point 4).
    #[error("the {what} was withheld: {denial}")]
    Withheld {
        /// "output" or "error text".
        what: &'static str,
        /// Which gate and rule, and why.
        denial: Denial,
    },
}

impl RunError {
    /// The gate decision behind this error, if a gate stopped the run.
    pub fn denial(&self) -> Option<&Denial> {
        match self {
            Self::Refused(denial) | Self::CallRefused { denial, .. } | Self::Withheld { denial, .. } => Some(denial),
            _ => None,
        }
    }
}

/// How to run: cancellation, tracing, and who approves calls that need it.
#[derive(Clone)]
pub struct RunOptions {
    /// Stops the run when cancelled.
    pub cancel: CancelToken,
    /// Record every tool call in [`RunOutput::trace`].
    pub trace: bool,
    /// Asked when a call needs approval (see [`crate::gate::approval`]); by default
    /// nobody, so such calls are refused.
    pub approver: Arc<dyn Approver>,
}

impl Default for RunOptions {
    fn default() -> Self {
        Self { cancel: CancelToken::new(), trace: false, approver: Arc::new(NoApprover) }
    }
}

impl std::fmt::Debug for RunOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunOptions").field("trace", &self.trace).finish_non_exhaustive()
    }
}

/// Runs `program` once with `input`. Blocks until it returns or is stopped.
pub(crate) fn run(program: &Program, input: &str, options: &RunOptions) -> Result<RunOutput, RunError> {
    let subject = RunSubject {
        kind: SubjectKind::Component,
        digest: &program.digest,
        size: program.size,
        imports: &program.imports,
        source: None,
    };
    execute(program, &subject, options, |store| match &program.entry {
        Entry::Run(export) => call_run(store, program, *export, input).map(|output| (output, String::new())),
        Entry::Script { language, .. } => Err(RunError::Start(format!(
            "this is the {language} interpreter; give it a script to run (`Runtime::run_script`)"
        ))),
    })
}

/// Runs `source` in the interpreter `program` with `input`. Blocks until the script
/// ends or is stopped.
pub(crate) fn run_script(
    program: &Program,
    source: &str,
    input: &str,
    options: &RunOptions,
) -> Result<RunOutput, RunError> {
    let digest = crate::cache::digest(source.as_bytes());
    let subject = RunSubject {
        kind: SubjectKind::Script(program.language().unwrap_or(crate::manifest::Language::Python)),
        digest: &digest,
        size: source.len() as u64,
        imports: &program.call_labels,
        source: Some(source),
    };
    execute(program, &subject, options, |store| match &program.entry {
        Entry::Script { exports, .. } => call_script(store, program, exports, source, input),
        Entry::Run(_) => Err(RunError::Start("this program is a component, not an interpreter".to_owned())),
    })
}

/// Numbers runs in the audit log, with the process id: unique per host.
static RUNS: AtomicU64 = AtomicU64::new(0);

/// One run: the gates before it, the program's Store, the call `call` makes in it,
/// the gates after it, and the statistics.
fn execute(
    program: &Program,
    subject: &RunSubject<'_>,
    options: &RunOptions,
    call: impl FnOnce(&mut Store<RunState>) -> Result<(String, String), RunError>,
) -> Result<RunOutput, RunError> {
    let policy = &program.policy;
    let run_id = format!("{}-{}", std::process::id(), RUNS.fetch_add(1, Ordering::Relaxed));
    let guard = RunGuard::new(Arc::clone(policy), Arc::clone(&options.approver), run_id.clone());
    before_run(&guard, subject, &run_id)?;
    let started = Instant::now();
    let signals = RunSignals::start(options.cancel.clone(), program.limits.time);
    let dispatch = match &program.entry {
        Entry::Script { dispatch, .. } => Some(Arc::clone(dispatch)),
        Entry::Run(_) => None,
    };
    let state = RunState::new(
        &program.tools,
        program.call_labels.len(),
        &program.limits,
        signals,
        dispatch,
        options.trace,
        Arc::clone(&program.policies),
        guard,
    );
    let mut store =
        sandboxed_store(program.pre.engine(), state, &program.limits).map_err(|e| RunError::Start(e.to_string()))?;
    store.data_mut().stats.instances.insert("program".into(), 1);

    let outcome = call(&mut store);
    let state = store.data_mut();
    state.log_stdio();
    let mut stats = std::mem::take(&mut state.stats);
    stats.wall_time = started.elapsed();
    let counted = program.call_labels.iter().zip(state.calls()).filter(|(_, calls)| **calls > 0);
    stats.tool_calls = counted.map(|(label, calls)| (label.clone(), *calls)).collect();
    let trace = state.trace.take().unwrap_or_default();
    let labels = state.guard.labels().clone();
    let outcome = outcome.and_then(|(output, printed)| {
        serde_json::from_str::<serde::de::IgnoredAny>(&output).map_err(|e| RunError::BadOutput(e.to_string()))?;
        Ok((output, printed))
    });
    let outcome = after_run(policy, outcome);
    let mut record = json!({
        "run": run_id, "calls": stats.total_calls(), "wall-ms": stats.wall_time.as_millis() as u64, "labels": labels,
    });
    merge(
        &mut record,
        match &outcome {
            Ok((output, _)) => json!({ "ok": true, "output-digest": crate::cache::digest(output.as_bytes()) }),
            Err(error) => json!({ "ok": false, "error": failure::cut(&error.to_string(), 500) }),
        },
    );
    policy.audit("run-end", record).map_err(|e| RunError::Start(e.to_string()))?;
    let (output, printed) = outcome?;
    Ok(RunOutput { output, printed, stats, trace, labels })
}

/// Point 2 of the gates, recorded in the audit log with the run's start.
fn before_run(guard: &RunGuard, subject: &RunSubject<'_>, run_id: &str) -> Result<(), RunError> {
    let policy = guard.policy();
    let verdict = policy.before_run(subject);
    let kind = match subject.kind {
        SubjectKind::Component => "component".to_owned(),
        SubjectKind::Script(language) => language.name().to_owned(),
    };
    let context = json!({ "run": run_id, "kind": kind, "digest": subject.digest, "size": subject.size });
    let record = match &verdict {
        Verdict::Allow => {
            let mut record = context;
            merge(&mut record, json!({ "decision": "allow" }));
            record
        }
        Verdict::Deny(denial) | Verdict::Ask(denial) => denial.audit_fields(context),
    };
    policy.audit("run", record).map_err(|e| RunError::Start(e.to_string()))?;
    match verdict {
        Verdict::Allow => Ok(()),
        // Asking before anything ran: no approver is wired to programs as a whole yet,
        // so an "ask" at this point is a refusal, said as such.
        Verdict::Deny(denial) => Err(RunError::Refused(denial)),
        Verdict::Ask(denial) => Err(RunError::Refused(Denial {
            reason: format!("{} (approval of whole programs is not offered: refused)", denial.reason),
            ..denial
        })),
    }
}

/// Point 4 of the gates: the output, or the error text, before it reaches the caller.
fn after_run(policy: &Policy, outcome: Result<(String, String), RunError>) -> Result<(String, String), RunError> {
    match outcome {
        Ok((output, printed)) => {
            let text = if printed.is_empty() { output.clone() } else { format!("{output}\n{printed}") };
            match policy.screen("the program's output", &text) {
                Some(denial) => Err(RunError::Withheld { what: "output", denial }),
                None => Ok((output, printed)),
            }
        }
        Err(error) if error.denial().is_none() => {
            let text = match &error {
                RunError::Script { message, printed } => format!("{message}\n{printed}"),
                other => other.to_string(),
            };
            match policy.screen("the run's error", &text) {
                Some(denial) => Err(RunError::Withheld { what: "error text", denial }),
                None => Err(error),
            }
        }
        Err(error) => Err(error),
    }
}

/// Calls an interpreter's `run-script`. What the script printed is kept up to the
/// profile's `log` limit.
fn call_script(
    store: &mut Store<RunState>,
    program: &Program,
    exports: &InterpreterPre<RunState>,
    source: &str,
    input: &str,
) -> Result<(String, String), RunError> {
    let limits = program.limits;
    let interpreter = exports.instantiate(&mut *store).map_err(|e| classify(&e, limits.fuel, RunError::Start))?;
    let max_print = u32::try_from(limits.log).unwrap_or(u32::MAX);
    let returned = interpreter
        .call_run_script(&mut *store, source, input, max_print)
        .map_err(|e| classify(&e, limits.fuel, RunError::Trap))?;
    match returned {
        Ok(ScriptOutput { output, printed }) => {
            let size = output.len() as u64;
            if size > limits.output {
                return Err(RunError::Limit(LimitExceeded::Output { limit: limits.output, size }));
            }
            Ok((output, printed))
        }
        Err(ScriptError { message, printed }) => Err(RunError::Script { message, printed }),
    }
}

/// The `run` export's signature, as a typed function: the output is read in the
/// program's memory and measured before anything is copied, so an output over the
/// limit costs nothing to refuse.
type RunFunc = TypedFunc<(String,), (Result<WasmStr, WasmStr>,)>;

fn call_run(
    store: &mut Store<RunState>,
    program: &Program,
    export: ComponentExportIndex,
    input: &str,
) -> Result<String, RunError> {
    let limits = program.limits;
    let instance = program.pre.instantiate(&mut *store).map_err(|e| classify(&e, limits.fuel, RunError::Start))?;
    let func: RunFunc =
        instance.get_typed_func(&mut *store, export).map_err(|e| RunError::Start(failure::plain(&e)))?;
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
    } else if let Some(refused) = error.downcast_ref::<Refused>() {
        RunError::CallRefused {
            tool: refused.tool.clone(),
            function: refused.function.clone(),
            denial: refused.denial.clone(),
        }
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
