//! How `cemcp serve` stops (SIGINT or SIGTERM): new calls are refused, calls in
//! flight get the manifest's `[server] drain` time to finish, the rest are
//! cancelled, and the process exits with status 0.
//!
//! A call counts as in flight from the moment it is accepted, not from the moment
//! its run takes a place: a program still being read, checked and compiled when the
//! signal comes is drained like one already running (it was cancelled at once
//! before, when the server saw no run in flight).

use std::time::Duration;

use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tokio_util::task::task_tracker::TaskTrackerToken;

use crate::admission::Load;

/// What a call sent while the server stops is told (over stdio `[cemcp: busy]`, over
/// HTTP a 503): nothing ran.
pub(super) const STOPPING: &str = "the server is stopping; nothing ran";

/// How long cancelled runs get to stop and send their answers.
const CANCELLED_GRACE: Duration = Duration::from_secs(2);

/// The stop state one `cemcp serve` shares between its sessions. Cheap to clone.
#[derive(Clone, Debug, Default)]
pub struct Shutdown {
    /// Cancelled when the server is asked to stop: new calls are refused.
    stopping: CancellationToken,
    /// Cancelled when the calls still in flight are to be cancelled: when the drain
    /// time is over, or (over stdio) when the client is gone.
    closing: CancellationToken,
    /// The calls accepted and not yet answered.
    calls: TaskTracker,
}

impl Shutdown {
    /// A server that is not stopping.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancelled when every call in flight is to be cancelled; a stdio transport
    /// cancels it when stdin closes.
    #[must_use]
    pub fn closing(&self) -> &CancellationToken {
        &self.closing
    }

    /// Whether new calls are refused.
    pub(super) fn is_stopping(&self) -> bool {
        self.stopping.is_cancelled()
    }

    /// Accepts a call: a token that keeps it counted as in flight until dropped, or
    /// `None` when the server is stopping. The call is counted before the check, so
    /// that a call accepted as the signal comes is drained, never missed.
    pub(super) fn accept(&self) -> Option<TaskTrackerToken> {
        let token = self.calls.token();
        (!self.stopping.is_cancelled()).then_some(token)
    }

    /// Runs `serving` until it ends, or until SIGINT or SIGTERM; then stops as the
    /// module says, giving calls in flight `drain`, and returns `Ok`, so that the
    /// process exits with status 0. `load` tells how many runs run and wait (`None`
    /// while the runtime is still loading).
    pub(super) async fn run(
        &self,
        drain: Duration,
        load: impl Fn() -> Option<Load>,
        serving: impl std::future::Future<Output = anyhow::Result<()>>,
    ) -> anyhow::Result<()> {
        let mut serving = std::pin::pin!(serving);
        let signal = tokio::select! {
            done = &mut serving => return done,
            signal = stop_signal() => signal?,
        };
        self.stopping.cancel();
        self.calls.close();
        let runs = load().map_or_else(
            || "the tools still loading".to_owned(),
            |load| format!("{} run(s) running, {} waiting for a place", load.running, load.waiting),
        );
        eprintln!(
            "cemcp: {signal}: stopping; {} call(s) in flight ({runs}), given {} to finish",
            self.calls.len(),
            humantime::format_duration(drain)
        );
        let finished = tokio::select! {
            done = &mut serving => return done,
            finished = tokio::time::timeout(drain, self.calls.wait()) => finished.is_ok(),
        };
        if !finished {
            eprintln!(
                "cemcp: cancelling {} call(s) still in flight after {}",
                self.calls.len(),
                humantime::format_duration(drain)
            );
        }
        self.closing.cancel();
        // Cancelled runs stop within an epoch tick; let their answers go out.
        tokio::select! {
            _ = &mut serving => {}
            _ = tokio::time::timeout(CANCELLED_GRACE, self.calls.wait()) => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        eprintln!("cemcp: stopped");
        Ok(())
    }
}

/// Waits for SIGINT or SIGTERM; its name.
async fn stop_signal() -> anyhow::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate()).map_err(|e| anyhow::anyhow!("cannot watch SIGTERM: {e}"))?;
        let mut interrupt = signal(SignalKind::interrupt()).map_err(|e| anyhow::anyhow!("cannot watch SIGINT: {e}"))?;
        tokio::select! {
            _ = term.recv() => Ok("SIGTERM"),
            _ = interrupt.recv() => Ok("SIGINT"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await.map_err(|e| anyhow::anyhow!("cannot watch Ctrl-C: {e}"))?;
        Ok("Ctrl-C")
    }
}
