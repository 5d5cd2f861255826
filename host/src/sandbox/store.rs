//! Stores with the sandbox set up: the one place a Store is made.
//!
//! Every Store, a program's or a tool's, starts the same way: its memory limiter, its
//! fuel (wasmtime starts every Store at 0), how many bytes the host may lift from it
//! in one call, and an epoch deadline of one tick whose callback checks the run's
//! cancel flag and deadlines (and, for a tool, the current call's).

use std::time::{Duration, Instant};

use wasmtime::{Engine, Store};

use crate::manifest::Limits;
use crate::sandbox::limits::{MemoryLimiter, RunSignals};

/// Store data the sandbox can enforce limits on.
pub trait Sandboxed: Send + 'static {
    /// The Store's memory limiter.
    fn limiter(&mut self) -> &mut MemoryLimiter;
    /// The run's cancel flag and deadline.
    fn signals(&self) -> &RunSignals;
    /// The deadline and limit of the call under way, for Stores with per-call limits
    /// (tools); asking starts the call's clock ([`crate::sandbox::limits::CallClock`]).
    fn call_deadline(&mut self) -> Option<(Instant, Duration)> {
        None
    }
}

/// A new Store holding `data`, limited by `limits`.
///
/// # Errors
///
/// When wasmtime refuses the fuel setting (fuel metering off in the engine).
pub fn sandboxed_store<T: Sandboxed>(engine: &Engine, data: T, limits: &Limits) -> wasmtime::Result<Store<T>> {
    let mut store = Store::new(engine, data);
    store.limiter(|data| data.limiter());
    store.set_fuel(limits.fuel.unwrap_or(u64::MAX))?;
    store.set_hostcall_fuel(hostcall_allowance(limits.memory));
    store.set_epoch_deadline(1);
    store.epoch_deadline_callback(|mut ctx| {
        let data = ctx.data_mut();
        let call = data.call_deadline();
        data.signals().on_tick(call)
    });
    Ok(store)
}

/// How many bytes the host may lift from a Store in one call: its whole memory
/// limit, and at least wasmtime's default of 128 MiB. Values a guest hands the host
/// (a program's output, a tool call's arguments) are at most its memory, and the
/// default would fail a bigger output as "hostcall fuel" before the output limit
/// could name it.
fn hostcall_allowance(memory: u64) -> usize {
    usize::try_from(memory).unwrap_or(usize::MAX).max(128 << 20)
}
