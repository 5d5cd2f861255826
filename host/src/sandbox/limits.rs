//! Enforcing limits: memory through a [`ResourceLimiter`], time and cancellation through
//! epoch interruption.
//!
//! The engine's epoch advances every [`crate::engine::TICK`]; every Store has a deadline
//! of one tick and a callback that decides whether to go on. The callback checks the
//! run's cancel flag and deadline (for the program and for every tool it calls) and, in
//! a tool, the deadline of the current call. Errors raised here are typed so that the
//! run can report exactly which limit stopped what.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use wasmtime::{ResourceLimiter, UpdateDeadline};

/// Stops the whole run: raised in whichever Store is executing, and propagated through
/// tool calls to the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RunHalt {
    /// The caller cancelled the run.
    #[error("the run was cancelled")]
    Cancelled,
    /// The program's wall-clock time limit passed.
    #[error("program exceeded its {} time limit", humantime::format_duration(*.0))]
    Time(Duration),
    /// The program made more tool calls than its profile allows.
    #[error("program exceeded its limit of {0} tool calls")]
    Calls(u64),
}

/// One component went over one of its own limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    /// A call took longer than the component's time limit.
    #[error("exceeded its {} time limit", humantime::format_duration(*.0))]
    Time(Duration),
    /// A linear memory tried to grow past the component's memory limit.
    #[error("exceeded its {} memory limit", bytesize::ByteSize(*.0).display().iec())]
    Memory(u64),
    /// A write would have put more bytes in the tool's read-write directories than
    /// its storage quota.
    #[error("exceeded its {} storage quota", bytesize::ByteSize(*.0).display().iec())]
    Storage(u64),
    /// A call (tool) or run (program) used up its fuel.
    #[error("exceeded its fuel limit of {0}")]
    Fuel(u64),
    /// A result (tool) or output (program) was larger than allowed.
    #[error(
        "exceeded its {} output limit ({} returned)",
        bytesize::ByteSize(*limit).display().iec(),
        bytesize::ByteSize(*size).display().iec()
    )]
    Output {
        /// The limit, in bytes.
        limit: u64,
        /// What was returned, in bytes.
        size: u64,
    },
}

impl LimitExceeded {
    /// The limit behind `error` if it is one, given the component's fuel limit (an
    /// out-of-fuel trap does not carry it).
    pub fn of(error: &wasmtime::Error, fuel: Option<u64>) -> Option<Self> {
        if let Some(limit) = error.downcast_ref::<Self>() {
            return Some(*limit);
        }
        match (error.downcast_ref::<wasmtime::Trap>(), fuel) {
            (Some(wasmtime::Trap::OutOfFuel), Some(fuel)) => Some(Self::Fuel(fuel)),
            _ => None,
        }
    }
}

/// Cancellation for a run. Cloning shares the flag; cancelling stops the run within one
/// epoch tick, wherever it is executing (program or tool).
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<AtomicBool>);

impl CancelToken {
    /// A token that has not been cancelled.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the run to stop. Safe to call from any thread, any number of times.
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    /// Whether [`CancelToken::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// What every Store of one run checks on each epoch tick.
#[derive(Debug, Clone)]
pub struct RunSignals {
    cancel: CancelToken,
    /// The run's deadline and time limit; none for a single tool call, which has
    /// only its own per-call limit.
    deadline: Option<(Instant, Duration)>,
    /// Nanoseconds the run spent waiting for approvals: they move its deadline.
    paused: Arc<AtomicU64>,
}

impl RunSignals {
    /// Signals for a run that may take `limit`, starting now.
    pub fn start(cancel: CancelToken, limit: Duration) -> Self {
        Self { cancel, deadline: Some((Instant::now() + limit, limit)), paused: Arc::default() }
    }

    /// Signals with no run deadline: a tool called on its own (tools mode), stopped
    /// by its per-call limit or `cancel`.
    pub fn cancel_only(cancel: CancelToken) -> Self {
        Self { cancel, deadline: None, paused: Arc::default() }
    }

    /// Whether the run must stop now, and why.
    pub fn check(&self) -> Result<(), RunHalt> {
        if self.cancel.is_cancelled() {
            return Err(RunHalt::Cancelled);
        }
        match self.deadline {
            Some((deadline, limit)) if Instant::now() >= deadline + self.paused_for() => Err(RunHalt::Time(limit)),
            _ => Ok(()),
        }
    }

    /// Moves the run's deadline by `waited`: time spent waiting for a person (an
    /// approval) does not count against the run's time limit.
    pub fn pause(&self, waited: Duration) {
        let nanos = u64::try_from(waited.as_nanos()).unwrap_or(u64::MAX);
        self.paused.fetch_add(nanos, Ordering::Relaxed);
    }

    fn paused_for(&self) -> Duration {
        Duration::from_nanos(self.paused.load(Ordering::Relaxed))
    }

    /// Whether a Store whose own deadline (if any) is `call` must stop now: the error
    /// is a [`RunHalt`] or a [`LimitExceeded::Time`].
    pub fn check_store(&self, call: Option<(Instant, Duration)>) -> wasmtime::Result<()> {
        self.check().map_err(wasmtime::Error::new)?;
        match call {
            Some((deadline, limit)) if Instant::now() >= deadline => {
                Err(wasmtime::Error::new(LimitExceeded::Time(limit)))
            }
            _ => Ok(()),
        }
    }

    /// The epoch callback outcome for a Store whose own deadline (if any) is `call`.
    pub fn on_tick(&self, call: Option<(Instant, Duration)>) -> wasmtime::Result<UpdateDeadline> {
        self.check_store(call)?;
        Ok(UpdateDeadline::Continue(1))
    }
}

/// The time limit of the tool call under way in a tool's Store. Its clock starts
/// when the call first meets an epoch tick or blocks in a host call, not when it
/// begins: reading the clock costs tens of nanoseconds, a fifth of a forwarded call
/// (measured), and most calls end before a tick. A call thus gets at least its whole
/// limit, and is stopped at most two ticks after it instead of one.
#[derive(Debug, Clone, Copy)]
pub struct CallClock {
    limit: Duration,
    deadline: Option<Instant>,
}

impl CallClock {
    /// The clock of a call that may take `limit`, not started yet.
    pub fn new(limit: Duration) -> Self {
        Self { limit, deadline: None }
    }

    /// The call's deadline and limit, starting the clock now if it has not started
    /// (the call began earlier, so it is never stopped early).
    pub fn deadline(&mut self) -> (Instant, Duration) {
        let deadline = *self.deadline.get_or_insert_with(|| Instant::now() + self.limit);
        (deadline, self.limit)
    }
}

/// Caps the linear memories of one Store together. A component may hold many core
/// modules, each with a memory of its own: the limit bounds their sum, so that 24
/// memories of 15 MiB cannot pass under a 16 MiB limit. Unlike `StoreLimits`, growth
/// past the cap raises [`LimitExceeded::Memory`], so the run can say which limit
/// stopped it.
#[derive(Debug, Clone, Copy)]
pub struct MemoryLimiter {
    limit: u64,
    /// Bytes of every memory of the Store, as granted so far.
    total: u64,
    /// The last growth granted, taken back if wasmtime reports that it failed.
    last_growth: u64,
}

impl MemoryLimiter {
    /// Most instances, tables and memories one Store may create: a component made by
    /// a normal toolchain needs a handful.
    const MAX_OBJECTS: usize = 100;
    /// Most table elements.
    const MAX_TABLE_ELEMENTS: usize = 1 << 20;

    /// A limiter allowing the Store's memories to hold `limit` bytes in all.
    pub fn new(limit: u64) -> Self {
        Self { limit, total: 0, last_growth: 0 }
    }

    /// Bytes held by the Store's memories.
    pub fn total(&self) -> u64 {
        self.total
    }
}

impl ResourceLimiter for MemoryLimiter {
    fn memory_growing(&mut self, current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        // A new memory arrives as a growth from 0 to its initial size.
        let growth = u64::try_from(desired.saturating_sub(current)).unwrap_or(u64::MAX);
        let total = self.total.saturating_add(growth);
        if total > self.limit {
            return Err(wasmtime::Error::new(LimitExceeded::Memory(self.limit)));
        }
        self.total = total;
        self.last_growth = growth;
        Ok(true)
    }

    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> wasmtime::Result<()> {
        tracing::debug!("a permitted memory growth failed: {error:#}");
        self.total = self.total.saturating_sub(std::mem::take(&mut self.last_growth));
        Ok(())
    }

    fn table_growing(&mut self, _current: usize, desired: usize, _maximum: Option<usize>) -> wasmtime::Result<bool> {
        Ok(desired <= Self::MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        Self::MAX_OBJECTS
    }

    fn tables(&self) -> usize {
        Self::MAX_OBJECTS
    }

    fn memories(&self) -> usize {
        Self::MAX_OBJECTS
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_limit() {
        assert_eq!(RunHalt::Time(Duration::from_secs(2)).to_string(), "program exceeded its 2s time limit");
        assert_eq!(LimitExceeded::Memory(64 << 20).to_string(), "exceeded its 64.0 MiB memory limit");
        assert_eq!(LimitExceeded::Time(Duration::from_millis(1500)).to_string(), "exceeded its 1s 500ms time limit");
    }

    #[test]
    fn cancel_is_seen_by_every_clone() {
        let token = CancelToken::new();
        let signals = RunSignals::start(token.clone(), Duration::from_secs(60));
        assert_eq!(signals.check(), Ok(()));
        token.cancel();
        assert_eq!(signals.check(), Err(RunHalt::Cancelled));
    }

    #[test]
    fn memory_limiter_refuses_growth_past_the_limit() {
        let mut limiter = MemoryLimiter::new(1 << 20);
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap());
        let err = limiter.memory_growing(1 << 20, 2 << 20, None).unwrap_err();
        assert_eq!(err.downcast_ref::<LimitExceeded>(), Some(&LimitExceeded::Memory(1 << 20)));
    }

    #[test]
    fn memory_limiter_adds_up_every_memory_of_the_store() {
        let mut limiter = MemoryLimiter::new(4 << 20);
        assert!(limiter.memory_growing(0, 3 << 20, None).unwrap(), "a first memory of 3 MiB fits");
        let err = limiter.memory_growing(0, 2 << 20, None).unwrap_err();
        assert_eq!(err.downcast_ref::<LimitExceeded>(), Some(&LimitExceeded::Memory(4 << 20)), "3 + 2 > 4");
        assert!(limiter.memory_growing(0, 1 << 20, None).unwrap(), "3 + 1 fits");
        assert_eq!(limiter.total(), 4 << 20);
    }
}
