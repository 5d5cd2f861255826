//! How far a server has started: a server made from a loaded runtime starts
//! [`Stage::Loaded`]; a stdio server started warm (see [`super::warm`]) goes from
//! [`Stage::Listed`] (answering with the kept list) to `Loaded` or
//! [`Stage::Failed`], told by its [`Starting`] end, which a blocking thread holds.
//!
//! Loading the tools waits until the client has been answered its list, or has made
//! a call, or the session has ended, or [`LOAD_ANYWAY`] has passed: on two cores,
//! loading beside the handshake delayed the list by 2-2.5 ms (the two contend for
//! the cores and the process's memory map), while a model's first call comes long
//! after its list.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::time::Duration;

use tokio::sync::watch;

use super::Expose;
use super::tools_mode::{McpTool, mcp_tools};
use crate::profile::Profile;
use crate::runtime::Runtime;

/// How long a warm server waits for its client before loading its tools anyway (so
/// that a manifest that cannot be served is reported even to an idle client).
pub(crate) const LOAD_ANYWAY: Duration = Duration::from_millis(100);

/// Where a server is in its start.
#[derive(Clone)]
pub(super) enum Stage {
    /// The list kept by the last start is answered while the tools load (the stdio
    /// transport holds it: see [`super::warm::encode_kept`]).
    Listed,
    /// Serving.
    Loaded(Arc<Loaded>),
    /// The tools cannot be loaded, and why.
    Failed(Arc<str>),
}

/// A loaded runtime, its serving profile and the MCP tools made from them.
pub(super) struct Loaded {
    pub runtime: Arc<Runtime>,
    /// The serving profile, resolved once.
    pub profile: Arc<Profile>,
    pub tools: Arc<[McpTool]>,
}

impl Loaded {
    /// What a server serving `profile` (the default for `None`) of `runtime` with
    /// `expose` offers.
    ///
    /// # Errors
    ///
    /// When there is no such profile.
    pub fn new(runtime: Arc<Runtime>, profile: Option<&str>, expose: Expose) -> anyhow::Result<Self> {
        let profile = Arc::clone(runtime.profile(profile)?);
        let tools = if expose == Expose::Code { Arc::default() } else { mcp_tools(&profile).into() };
        Ok(Self { runtime, profile, tools })
    }
}

/// The server's side: its stage, and the signal that the tools may load now.
#[derive(Clone)]
pub(super) struct Progress {
    pub stage: watch::Receiver<Stage>,
    go: Option<SyncSender<()>>,
}

impl Progress {
    /// A server that is loaded already.
    pub fn loaded(loaded: Loaded) -> Self {
        let (_, stage) = watch::channel(Stage::Loaded(Arc::new(loaded)));
        Self { stage, go: None }
    }

    /// The client has what it needs to go on (its list, or its call waits), or has
    /// gone: the tools may load now.
    pub fn go(&self) {
        if let Some(go) = &self.go {
            let _ = go.try_send(());
        }
    }

    /// What the server is serving, once loaded.
    pub fn loaded_now(&self) -> Option<Arc<Loaded>> {
        match &*self.stage.borrow() {
            Stage::Loaded(loaded) => Some(Arc::clone(loaded)),
            _ => None,
        }
    }
}

/// The loading side of a server started warm.
pub(crate) struct Starting {
    stage: watch::Sender<Stage>,
    go: Receiver<()>,
    expose: Expose,
}

impl Starting {
    /// A server's progress starting with `expose`, and its loading end.
    pub(super) fn new(expose: Expose) -> (Progress, Self) {
        let (sender, stage) = watch::channel(Stage::Listed);
        let (go_sender, go) = sync_channel(1);
        (Progress { stage, go: Some(go_sender) }, Self { stage: sender, go, expose })
    }

    /// Waits until the tools may load (see the module), at most `longest`.
    pub(crate) fn wait_to_load(&self, longest: Duration) {
        let _ = self.go.recv_timeout(longest);
    }

    /// The runtime has loaded: the server serves `profile` from it (calls waiting for
    /// it go on), and lists what it lists.
    ///
    /// # Errors
    ///
    /// When the profile does not exist (the server is told so too).
    pub(crate) fn loaded(&self, runtime: Arc<Runtime>, profile: Option<&str>) -> anyhow::Result<()> {
        match Loaded::new(runtime, profile, self.expose) {
            Ok(loaded) => {
                self.stage.send_replace(Stage::Loaded(Arc::new(loaded)));
                Ok(())
            }
            Err(e) => {
                self.fail(&e);
                Err(e)
            }
        }
    }

    /// The runtime could not be loaded: calls waiting for it, and calls to come, are
    /// told why.
    pub(crate) fn fail(&self, error: &anyhow::Error) {
        self.stage.send_replace(Stage::Failed(format!("{error:#}").into()));
    }
}
