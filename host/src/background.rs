//! Work taken off the critical path of a tools-mode call: making a tool's next
//! instance before anyone asks for it, and dropping the used Store after the answer
//! has gone (issue 14: a Store's drop and a fresh instance were a third of a
//! tools-mode call; runs do not use it, see `tool::spare`).
//!
//! One thread per process (`cemcp-ahead`), started at first use, fed through a
//! bounded queue of [`QUEUE`] jobs. When the queue is full the caller does the work
//! itself (a Store is dropped where it is) or leaves it (an instance is made when it
//! is needed): back-pressure, never an unbounded queue of memory and pool slots. A
//! job that panics is caught and logged; the thread goes on. It runs below the
//! process's priority (`yield_to_callers`), so that it gives way to the calls.

use std::sync::OnceLock;
use std::sync::mpsc::{SyncSender, sync_channel};

/// Jobs waiting at most. The engine's pool counts room for this many queued Stores
/// (see [`crate::engine::PoolSize`]).
pub const QUEUE: usize = 4;

/// Work for the background thread.
pub type Job = Box<dyn FnOnce() + Send>;

fn sender() -> Option<&'static SyncSender<Job>> {
    static SENDER: OnceLock<Option<SyncSender<Job>>> = OnceLock::new();
    SENDER
        .get_or_init(|| {
            let (tx, rx) = sync_channel::<Job>(QUEUE);
            let worker = move || {
                yield_to_callers();
                for job in rx {
                    if std::panic::catch_unwind(std::panic::AssertUnwindSafe(job)).is_err() {
                        tracing::error!("(internal) a background job panicked");
                    }
                }
            };
            match std::thread::Builder::new().name("cemcp-ahead".into()).spawn(worker) {
                Ok(_) => Some(tx),
                Err(e) => {
                    tracing::warn!("cannot start the background thread ({e}); its work is done in line");
                    None
                }
            }
        })
        .as_ref()
}

/// How much lower than the thread that started it this thread runs (nice values).
const NICE: i32 = 10;

/// The nice value this thread takes when its starter's is `nice`: [`NICE`] lower,
/// at most the lowest priority there is (19).
#[cfg(target_os = "linux")]
fn lowered(nice: i32) -> i32 {
    (nice + NICE).min(19)
}

/// Lowers this thread's priority, so that on a busy machine the calls being answered
/// (and their clients) take the cores first and the preparation for the next call
/// fills the gaps: its work is never waited on (a call without a spare makes its own
/// instance, and a full queue drops a Store in line). What a call can still wait for
/// is a lock this thread holds for a moment (the spare's, wasmtime's pool index, the
/// kernel's memory map while a page is faulted in): at a lower priority it may be
/// preempted holding one, which on a machine busy with other work could delay a call
/// by a scheduler slice; none of them is held across the thread's long steps.
/// Measured with `stress calls` (BENCHMARKS.md): a tools-mode call 86-91 µs against
/// 100-106 µs without.
/// Linux keeps a nice value per thread, and `setpriority` with no pid changes the
/// calling thread's alone; elsewhere the thread keeps the process's priority.
fn yield_to_callers() {
    #[cfg(target_os = "linux")]
    {
        let nice = rustix::process::getpriority_process(None).map(lowered);
        if let Err(e) = nice.and_then(|nice| rustix::process::setpriority_process(None, nice)) {
            tracing::debug!("the background thread keeps its priority ({e})");
        }
    }
}

/// Queues `job`, or gives it back when the queue is full (or no thread could start).
///
/// # Errors
///
/// The job itself, not run.
pub fn submit(job: Job) -> Result<(), Job> {
    match sender() {
        Some(tx) => tx.try_send(job).map_err(|e| match e {
            std::sync::mpsc::TrySendError::Full(job) | std::sync::mpsc::TrySendError::Disconnected(job) => job,
        }),
        None => Err(job),
    }
}

/// Drops `value` on the background thread, then runs `next` there; when the queue
/// is full, drops `value` here and leaves `next` undone.
pub fn then<T: Send + 'static>(value: T, next: impl FnOnce() + Send + 'static) {
    // A job given back is dropped here, and `value` with it.
    let _ = submit(Box::new(move || {
        drop(value);
        next();
    }));
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Flag(std::sync::mpsc::Sender<std::thread::ThreadId>);

    impl Drop for Flag {
        fn drop(&mut self) {
            let _ = self.0.send(std::thread::current().id());
        }
    }

    #[test]
    fn a_value_is_dropped_whether_or_not_the_queue_has_room() {
        let (tx, rx) = std::sync::mpsc::channel();
        for _ in 0..QUEUE * 8 {
            then(Flag(tx.clone()), || ());
        }
        drop(tx);
        let dropped: Vec<_> = rx.iter().collect();
        assert_eq!(dropped.len(), QUEUE * 8, "every value dropped exactly once");
    }

    #[test]
    fn a_panicking_job_does_not_stop_the_thread() {
        let _ = submit(Box::new(|| panic!("a job that panics")));
        let (tx, rx) = std::sync::mpsc::channel();
        submit_until_taken(Box::new(move || {
            let _ = tx.send(());
        }));
        rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the thread still runs jobs");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_thread_runs_below_the_priority_of_the_process() {
        let (tx, rx) = std::sync::mpsc::channel();
        submit_until_taken(Box::new(move || {
            let _ = tx.send(rustix::process::getpriority_process(None));
        }));
        let there = rx.recv_timeout(std::time::Duration::from_secs(10)).expect("the job ran").expect("its nice value");
        let here = rustix::process::getpriority_process(None).expect("this thread's nice value");
        assert_eq!(there, lowered(here), "the background thread's nice value against this one's ({here})");
    }

    /// Queues `job`, retrying while the queue is full of the other tests' jobs.
    fn submit_until_taken(mut job: Job) {
        loop {
            match submit(job) {
                Ok(()) => return,
                Err(back) => {
                    job = back;
                    std::thread::yield_now();
                }
            }
        }
    }
}
