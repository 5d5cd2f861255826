//! A stdio server's tool list kept from its last start, so that a client is answered
//! before the tools have loaded (issue 14: loading the study's ten cached tools was
//! 4-6 ms of a 12 ms start, all of it before the first `tools/list` could be
//! answered).
//!
//! A client starts `cemcp serve` over stdio for one session and lists the tools at
//! once; its model's first call comes later. So a start that finds the list its last
//! start answered for the same manifest (its text and its path), the same components
//! (each one's digest as remembered for the file as it is now, never read to know),
//! the same profile and exposure and the same build of cemcp, answers `initialize`
//! and `tools/list` with it while the runtime loads on other threads; a call waits
//! for the load. The kept list is exactly what a load of those inputs lists, so what
//! the client sees does not change; only when the load finishes does.
//!
//! When the load then fails (a granted directory removed since, an interpreter's file
//! gone), the server stops with the same problems and status 2 as a start that loads
//! first, only after the handshake; calls that waited are told why. When the loaded
//! list differs from the kept one (which the key should rule out), the kept one is
//! replaced and a warning logged, and `tools/list` answers the loaded one from then on.
//!
//! A start without a kept list (the first, a component changed or not yet
//! remembered, caching off) loads first as before and keeps its list for the next.
//! HTTP servers always load first: they are started once for many sessions.

use std::sync::Arc;
use std::time::Duration;

use rmcp::ServiceExt as _;
use rmcp::model::Tool;
use sha2::{Digest as _, Sha256};
use tokio::sync::oneshot;

use super::stage::{LOAD_ANYWAY, Starting};
use super::{CemcpServer, Expose, Shutdown, StdioTransport};
use crate::cache::ComponentCache;
use crate::manifest::Manifest;
use crate::runtime::Runtime;

/// Where the list for one manifest, set of components, profile, exposure and build
/// of cemcp is kept in the cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct WarmList {
    name: String,
}

impl WarmList {
    /// The entry for serving `manifest` under `profile` with `expose`, or `None` when
    /// caching is off or a component's digest is not remembered for its file as it is
    /// now.
    ///
    /// # Ambient authority
    ///
    /// Reads each component's metadata and its remembered digest in the cache.
    pub(crate) fn of(
        manifest: &Manifest,
        cache: &ComponentCache,
        profile: Option<&str>,
        expose: Expose,
    ) -> Option<Self> {
        cache.dir()?;
        let path = std::path::absolute(&manifest.path).ok()?;
        let mut key = Sha256::new();
        let mut line = |text: &[u8]| {
            key.update(text);
            key.update(b"\n");
        };
        line(b"cemcp-list-v1");
        line(crate::cache::build_stamp().as_bytes());
        line(path.as_os_str().as_encoded_bytes());
        line(manifest.digest.as_bytes());
        line(profile.map_or(b"(default)".as_slice(), str::as_bytes));
        line(format!("{expose:?}").as_bytes());
        for (name, spec) in &manifest.tools {
            line(format!("{name} {}", cache.remembered_digest(&spec.component)?).as_bytes());
        }
        let hex = hex::encode(key.finalize());
        Some(Self { name: format!("list-{}", hex.get(..32).unwrap_or(&hex)) })
    }

    /// The list kept under this entry, as kept (checked whole), if any.
    pub(crate) fn read(&self, cache: &ComponentCache) -> Option<Vec<u8>> {
        cache.kept(&self.name)
    }

    /// The list in `kept` ([`WarmList::read`]), if it can be read.
    pub(crate) fn parse(&self, kept: &[u8]) -> Option<Vec<Tool>> {
        match serde_json::from_slice(kept) {
            Ok(listed) => Some(listed),
            Err(e) => {
                tracing::warn!(entry = %self.name, "ignoring a kept tool list that cannot be read: {e}");
                None
            }
        }
    }

    /// Keeps `listed` under this entry unless it is kept already; whether it was
    /// kept already.
    pub(crate) fn keep(&self, cache: &ComponentCache, listed: &[Tool]) -> bool {
        let Ok(bytes) = serde_json::to_vec(listed) else { return false };
        if cache.kept(&self.name).is_some_and(|kept| kept == bytes) {
            return true;
        }
        cache.keep(&self.name, &bytes);
        false
    }
}

/// Why a stdio server started warm stopped with an error.
#[derive(Debug)]
pub(crate) enum WarmFailure {
    /// Its runtime could not be loaded (or its profile does not exist): the same
    /// problems a start that loads first reports.
    Load(anyhow::Error),
    /// The transport failed.
    Serve(anyhow::Error),
}

/// A stdio server started before its runtime has loaded: the kept list is read and
/// the tools loaded on a thread of their own (see [`super::stage`] for when the
/// loading starts), while the server answers the client.
pub(crate) struct WarmStart {
    server: CemcpServer,
    shutdown: Shutdown,
    drain: Duration,
    loaded: oneshot::Receiver<anyhow::Result<()>>,
}

impl WarmStart {
    /// Starts reading `kept` (what [`WarmList::read`] gave) and loading `manifest`
    /// for `profile`, before the async runtime is made, so that the reading goes on
    /// beside it.
    ///
    /// # Errors
    ///
    /// When no thread can be started.
    pub(crate) fn begin(
        kept: Vec<u8>,
        warm: WarmList,
        manifest: Manifest,
        cache: ComponentCache,
        profile: Option<&str>,
        expose: Expose,
    ) -> anyhow::Result<Self> {
        tracing::info!("answering with the tool list kept by the last start while the tools load");
        let (drain, shutdown) = (manifest.server.drain, Shutdown::new());
        let (server, starting) = CemcpServer::starting(expose);
        let server = server.stopped_by(shutdown.clone());
        let (done, loaded) = oneshot::channel();
        let (loading, profile) = (server.clone(), profile.map(str::to_owned));
        std::thread::Builder::new()
            .name("cemcp-start".into())
            .spawn(move || {
                let outcome = load(&starting, kept, &warm, manifest, cache);
                let outcome = outcome.and_then(|runtime| {
                    starting.loaded(Arc::clone(&runtime), profile.as_deref())?;
                    if !warm.keep(runtime.cache(), &loading.listed()) {
                        tracing::warn!("the tools listed at start were not the tools loaded; the list is corrected");
                    }
                    Ok(())
                });
                let _ = done.send(outcome);
            })
            .map_err(|e| anyhow::anyhow!("cannot start a thread to load the tools: {e}"))?;
        Ok(Self { server, shutdown, drain, loaded })
    }

    /// Serves MCP over stdin/stdout as [`super::serve_stdio`] does.
    ///
    /// # Errors
    ///
    /// [`WarmFailure::Load`] when the manifest cannot be loaded (after the
    /// handshake, and also when the client has gone first).
    pub(crate) async fn serve(self) -> Result<(), WarmFailure> {
        let Self { server, shutdown, drain, loaded } = self;
        let loaded = async {
            match loaded.await {
                Ok(outcome) => outcome,
                Err(_) => Err(anyhow::anyhow!("(internal) loading the tools stopped without a word; see the log")),
            }
        };
        let (read, write) = rmcp::transport::stdio_pipes();
        let serving = async {
            let running = server.clone().serve(StdioTransport::new(read, write, shutdown.closing().clone())).await?;
            let serving = async move { running.waiting().await.map(|_| ()).map_err(anyhow::Error::from) };
            let load = || server.runtime().map(|runtime| runtime.admission().load());
            shutdown.run(drain, load, serving).await
        };
        let (mut serving, mut loaded) = (std::pin::pin!(serving), std::pin::pin!(loaded));
        let outcome = tokio::select! {
            served = &mut serving => {
                // The session ended first; whether the tools could be loaded is still told.
                server.load_now();
                loaded.await.map_err(WarmFailure::Load)?;
                return served.map_err(WarmFailure::Serve);
            }
            outcome = &mut loaded => outcome,
        };
        if let Err(error) = outcome {
            shutdown.closing().cancel();
            return Err(WarmFailure::Load(error));
        }
        serving.await.map_err(WarmFailure::Serve)
    }
}

/// Reads the kept list (a list that cannot be read is not answered: the client
/// waits for the loaded one), waits until the tools may load, and loads them.
fn load(
    starting: &Starting,
    kept: Vec<u8>,
    warm: &WarmList,
    manifest: Manifest,
    cache: ComponentCache,
) -> anyhow::Result<Arc<Runtime>> {
    if let Some(listed) = warm.parse(&kept) {
        starting.listed(listed);
    }
    drop(kept);
    starting.wait_to_load(LOAD_ANYWAY);
    match Runtime::new(manifest, cache) {
        Ok(runtime) => Ok(Arc::new(runtime)),
        Err(e) => {
            let e = anyhow::Error::from(e);
            starting.fail(&e);
            Err(e)
        }
    }
}
