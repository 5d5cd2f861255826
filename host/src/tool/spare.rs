//! Tools mode's next instance of a tool, made on the background thread
//! ([`crate::background`]) after a call has answered, while the client reads the
//! answer and writes its next request.
//!
//! Isolation is not traded for it: a spare is a fresh instance in a fresh Store,
//! made exactly as one made on demand, and handed to one call only; nothing enters
//! it before that call but the component's own start-up. What changes is when it is
//! made, and so when its preopened directories were opened and its start-up ran:
//! under [`RunSignals`] of its own, stopped by the tool's time limit, then bound to
//! the call's signals when taken.
//!
//! Runs do not use spares. Measured with the launch benchmark (issue 14, both ways
//! in one session): making the tools' next instances in the background after each
//! run made back-to-back runs slower (program and 2 tools 100-113 against 83-85 µs,
//! with 1 tool 57-59 against 44-45 µs: the two threads contend for the pool and the
//! process's memory map, and the run finds its instance cold in another core's
//! cache), and no faster with the host idle 1 ms before each run; dropping a run's
//! Stores in the background slowed a program alone from 27-30 to 39-41 µs.

use std::sync::Mutex;

use super::{Tool, ToolInstance};
use crate::CancelToken;
use crate::sandbox::limits::RunSignals;

/// At most one instance made ahead. Only the background thread makes them, one at
/// a time.
#[derive(Default)]
pub(super) struct Spare {
    ready: Mutex<Option<ToolInstance>>,
}

impl Spare {
    fn take(&self) -> Option<ToolInstance> {
        self.ready.lock().ok()?.take()
    }

    fn is_kept(&self) -> bool {
        self.ready.lock().is_ok_and(|ready| ready.is_some())
    }

    /// Keeps `instance` unless one is already kept (then it is dropped).
    fn keep(&self, instance: ToolInstance) {
        if let Ok(mut ready) = self.ready.lock()
            && ready.is_none()
        {
            *ready = Some(instance);
        }
    }
}

impl Tool {
    /// An instance for one tools-mode call, bound to its `signals`: the one made
    /// ahead if there is one, else a fresh one.
    ///
    /// # Errors
    ///
    /// As [`Tool::instantiate`].
    pub(super) fn instance(&self, signals: RunSignals) -> wasmtime::Result<ToolInstance> {
        match self.spare.take() {
            Some(mut instance) => {
                instance.bind(signals);
                Ok(instance)
            }
            None => self.instantiate(signals),
        }
    }

    /// Makes the next spare unless there is one. Called on the background thread,
    /// after the call that used the last one has answered (one job drops its Store
    /// and refills: one wake-up of that thread).
    pub(super) fn refill_spare(&self) {
        if self.spare.is_kept() {
            return;
        }
        match self.instantiate(RunSignals::start(CancelToken::new(), self.limits.time)) {
            Ok(instance) => self.spare.keep(instance),
            // The run that wants it makes its own and reports the failure.
            Err(e) => tracing::debug!(tool = %self.name, "no spare instance: {e:#}"),
        }
    }
}
