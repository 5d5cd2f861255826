//! Bounded work: a runtime runs at most `max-runs` programs and scripts at once,
//! keeps at most `queue` more waiting for a turn, and refuses the rest at once with a
//! retryable [`Busy`] (over HTTP, `cemcp serve` answers it with 503 and
//! `Retry-After` before the request reaches a handler).
//!
//! Both numbers come from the manifest's `[server]` (defaults: one run per core, and
//! [`QUEUE_PER_RUN`] waiting per run). A waiting run gives up its place as soon as
//! it is cancelled (a client that cancels or disconnects), and a finished run's
//! place goes to the next waiting one. The pooling allocator's slots are sized from
//! the same numbers (see [`crate::engine`]), so that the runs admitted never run out
//! of instance slots.

use std::sync::{Arc, Condvar, Mutex, PoisonError};
use std::time::Duration;

use crate::sandbox::limits::CancelToken;

/// Runs allowed to wait, per run allowed at once, unless the manifest says.
pub const QUEUE_PER_RUN: usize = 32;

/// How often a waiting run checks whether it was cancelled.
const POLL: Duration = Duration::from_millis(20);

/// Admission to a runtime's runs.
#[derive(Debug)]
pub struct Admission {
    max_runs: usize,
    queue: usize,
    state: Mutex<Load>,
    freed: Condvar,
}

/// Runs in progress and waiting.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Load {
    /// Running now.
    pub running: usize,
    /// Waiting for a turn.
    pub waiting: usize,
}

/// A refusal: the runtime is running all it may and its queue is full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error(
    "the host is busy: {running} runs in progress and {waiting} waiting, its limits (server.max-runs = {max_runs}, \
     server.queue = {queue}); nothing ran, try again in a moment"
)]
pub struct Busy {
    /// Running when refused.
    pub running: usize,
    /// Waiting when refused.
    pub waiting: usize,
    /// The limit on running.
    pub max_runs: usize,
    /// The limit on waiting.
    pub queue: usize,
}

/// Why a run was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The host is full.
    #[error(transparent)]
    Busy(#[from] Busy),
    /// The run was cancelled while it waited for a turn.
    #[error("the run was cancelled while it waited for a turn")]
    Cancelled,
}

/// A place among the running; freed when dropped.
#[derive(Debug)]
pub struct Permit {
    admission: Arc<Admission>,
}

impl Drop for Permit {
    fn drop(&mut self) {
        let mut load = self.admission.state.lock().unwrap_or_else(PoisonError::into_inner);
        load.running = load.running.saturating_sub(1);
        drop(load);
        self.admission.freed.notify_one();
    }
}

impl Admission {
    /// At most `max_runs` at once (at least 1), `queue` waiting.
    pub fn new(max_runs: usize, queue: usize) -> Arc<Self> {
        Arc::new(Self { max_runs: max_runs.max(1), queue, state: Mutex::default(), freed: Condvar::new() })
    }

    /// The refusal a new run would get at `load`.
    pub fn busy(&self, load: Load) -> Busy {
        Busy { running: load.running, waiting: load.waiting, max_runs: self.max_runs, queue: self.queue }
    }

    /// Runs in progress and waiting now.
    pub fn load(&self) -> Load {
        *self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a new run would be refused now.
    pub fn is_full(&self) -> bool {
        let load = self.load();
        load.running >= self.max_runs && load.waiting >= self.queue
    }

    /// A place among the running: at once if there is one, after waiting if the
    /// queue has room, else [`Refusal::Busy`]. Blocks while waiting; `cancel` ends
    /// the wait.
    ///
    /// # Errors
    ///
    /// [`Refusal::Busy`] when full, [`Refusal::Cancelled`] when cancelled while waiting.
    pub fn admit(self: &Arc<Self>, cancel: &CancelToken) -> Result<Permit, Refusal> {
        let mut load = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if load.running < self.max_runs {
            load.running += 1;
            return Ok(Permit { admission: Arc::clone(self) });
        }
        if load.waiting >= self.queue {
            return Err(self.busy(*load).into());
        }
        load.waiting += 1;
        loop {
            if cancel.is_cancelled() {
                load.waiting -= 1;
                drop(load);
                // Another waiter may be able to go instead.
                self.freed.notify_one();
                return Err(Refusal::Cancelled);
            }
            if load.running < self.max_runs {
                load.waiting -= 1;
                load.running += 1;
                return Ok(Permit { admission: Arc::clone(self) });
            }
            load = self.freed.wait_timeout(load, POLL).unwrap_or_else(PoisonError::into_inner).0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_beyond_the_limit_wait_then_the_rest_are_refused_and_a_freed_place_is_taken() {
        let admission = Admission::new(1, 1);
        let first = admission.admit(&CancelToken::new()).unwrap();
        let waiter = {
            let admission = Arc::clone(&admission);
            std::thread::spawn(move || admission.admit(&CancelToken::new()).map(|_| ()))
        };
        while admission.load().waiting == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        assert!(admission.is_full());
        let refused = admission.admit(&CancelToken::new()).unwrap_err();
        assert_eq!(refused, Refusal::Busy(Busy { running: 1, waiting: 1, max_runs: 1, queue: 1 }));
        drop(first);
        assert_eq!(waiter.join().unwrap(), Ok(()));
        assert_eq!(admission.load(), Load::default());
    }

    #[test]
    fn a_cancelled_waiter_leaves_the_queue() {
        let admission = Admission::new(1, 4);
        let _first = admission.admit(&CancelToken::new()).unwrap();
        let cancel = CancelToken::new();
        let waiter = {
            let (admission, cancel) = (Arc::clone(&admission), cancel.clone());
            std::thread::spawn(move || admission.admit(&cancel).map(|_| ()))
        };
        while admission.load().waiting == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        cancel.cancel();
        assert_eq!(waiter.join().unwrap(), Err(Refusal::Cancelled));
        assert_eq!(admission.load(), Load { running: 1, waiting: 0 });
    }
}
