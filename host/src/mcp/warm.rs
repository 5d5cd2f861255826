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
//! The kept list is answered as kept: its bytes, checked for their shape when read
//! (a JSON array of tools, each with a name and an input schema, on one line) but
//! never parsed into tools nor serialized again. The handler answers `tools/list`
//! with an empty list marked [`KEPT_LIST_META`], and the stdio transport writes the
//! kept bytes in place of its `tools` ([`encode_kept`]); everything else in the
//! answer is rmcp's, as for any other result. Parsing the 99 KB list of the study's
//! ten tools took 1.3-1.7 ms on a thread of its own, and the list waited for it.
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

use rmcp::RoleServer;
use rmcp::ServiceExt as _;
use rmcp::model::{JsonRpcMessage, ListToolsResult, MetaObject, ServerResult, Tool};
use rmcp::service::TxJsonRpcMessage;
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

    /// The list kept under this entry (checked whole, and for its shape), if any.
    pub(crate) fn read(&self, cache: &ComponentCache) -> Option<KeptList> {
        match KeptList::check(cache.kept(&self.name)?) {
            Ok(kept) => Some(kept),
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

/// A kept tool list as kept: the JSON text of an array of MCP tools, on one line.
#[derive(Debug)]
pub(crate) struct KeptList(Box<[u8]>);

impl KeptList {
    /// `json` if it is a JSON array of objects, each with a string `name` and an
    /// `inputSchema`, with no line break (it is written into a line as it is).
    ///
    /// # Errors
    ///
    /// What is wrong with it.
    fn check(json: Vec<u8>) -> Result<Self, String> {
        /// What a listed tool must have; read without building its values.
        #[derive(serde::Deserialize)]
        struct Shape<'a> {
            #[serde(borrow)]
            name: std::borrow::Cow<'a, str>,
            #[serde(rename = "inputSchema")]
            _input_schema: serde::de::IgnoredAny,
        }
        if json.iter().any(|b| matches!(b, b'\n' | b'\r')) {
            return Err("it has a line break".to_owned());
        }
        let tools: Vec<Shape<'_>> = serde_json::from_slice(&json).map_err(|e| e.to_string())?;
        if tools.iter().any(|tool| tool.name.is_empty()) {
            return Err("a tool has no name".to_owned());
        }
        Ok(Self(json.into_boxed_slice()))
    }
}

/// The `_meta` key of a `tools/list` answer that stands for the kept list (see the
/// module docs); never sent.
const KEPT_LIST_META: &str = "io.cemcp/kept-list";

/// The handler's answer standing for the kept list.
pub(super) fn kept_answer() -> ListToolsResult {
    let mut answer = ListToolsResult::with_all_items(Vec::new());
    answer.meta = Some(MetaObject(serde_json::Map::from_iter([(KEPT_LIST_META.to_owned(), true.into())])));
    answer
}

/// `message` as a line of JSON text with `kept`'s tools in it, if it is an answer
/// standing for the kept list ([`kept_answer`]); `None` for any other message.
pub(super) fn encode_kept(message: &mut TxJsonRpcMessage<RoleServer>, kept: &KeptList) -> Option<Vec<u8>> {
    /// `tools` of the answer as rmcp writes it, and the part kept of it (no other
    /// `"tools":[]` can be in the line: a quote inside a JSON string is escaped).
    const EMPTY: &[u8] = br#""tools":[]"#;
    const KEY: usize = br#""tools":"#.len();
    let JsonRpcMessage::Response(response) = message else { return None };
    let ServerResult::ListToolsResult(answer) = &mut response.result else { return None };
    let meta = answer.meta.as_mut()?;
    meta.0.remove(KEPT_LIST_META)?;
    if meta.0.is_empty() {
        answer.meta = None;
    }
    let line = serde_json::to_vec(message).ok()?;
    let at = line.windows(EMPTY.len()).rposition(|w| w == EMPTY);
    let Some((head, tail)) = at.and_then(|at| Some((line.get(..at + KEY)?, line.get(at + EMPTY.len()..)?))) else {
        tracing::error!("(internal) the kept tool list could not be written into its answer, which lists no tools");
        return None;
    };
    let mut spliced = Vec::with_capacity(line.len() + kept.0.len() + 1);
    spliced.extend_from_slice(head);
    spliced.extend_from_slice(&kept.0);
    spliced.extend_from_slice(tail);
    spliced.push(b'\n');
    Some(spliced)
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

/// A stdio server started before its runtime has loaded: it answers the client with
/// the kept list while the tools load on a thread of their own (see
/// [`super::stage`] for when the loading starts).
pub(crate) struct WarmStart {
    server: CemcpServer,
    kept: KeptList,
    shutdown: Shutdown,
    drain: Duration,
    loaded: oneshot::Receiver<anyhow::Result<()>>,
}

impl WarmStart {
    /// A server listing `kept` (what [`WarmList::read`] gave), and the thread that
    /// will load `manifest` for `profile`, started before the async runtime is made.
    ///
    /// # Errors
    ///
    /// When no thread can be started.
    pub(crate) fn begin(
        kept: KeptList,
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
                let outcome = load(&starting, manifest, cache);
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
        Ok(Self { server, kept, shutdown, drain, loaded })
    }

    /// Serves MCP over stdin/stdout as [`super::serve_stdio`] does.
    ///
    /// # Errors
    ///
    /// [`WarmFailure::Load`] when the manifest cannot be loaded (after the
    /// handshake, and also when the client has gone first).
    pub(crate) async fn serve(self) -> Result<(), WarmFailure> {
        let Self { server, kept, shutdown, drain, loaded } = self;
        let loaded = async {
            match loaded.await {
                Ok(outcome) => outcome,
                Err(_) => Err(anyhow::anyhow!("(internal) loading the tools stopped without a word; see the log")),
            }
        };
        let (read, write) = rmcp::transport::stdio_pipes();
        let serving = async {
            let transport = StdioTransport::new(read, write, shutdown.closing().clone()).answering_kept(kept);
            let running = server.clone().serve(transport).await?;
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

/// Waits until the tools may load, and loads them.
fn load(starting: &Starting, manifest: Manifest, cache: ComponentCache) -> anyhow::Result<Arc<Runtime>> {
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

#[cfg(test)]
mod tests {
    use rmcp::model::{JsonRpcResponse, JsonRpcVersion2_0, NumberOrString};
    use serde_json::{Value, json};

    use super::*;

    fn tools() -> Vec<Tool> {
        let schema = |property: &str| {
            let schema = json!({ "type": "object", "properties": { property: { "type": "string" } } });
            Arc::new(schema.as_object().cloned().unwrap_or_default())
        };
        let mut get = Tool::new("kv_get", "Gets a value.\n\nSays \"tools\":[] in its words.", schema("key"));
        get.output_schema = Some(schema("result"));
        vec![get, Tool::new("kv_put", "Puts a value.", schema("value"))]
    }

    fn answer(id: &str, result: ListToolsResult) -> TxJsonRpcMessage<RoleServer> {
        JsonRpcMessage::Response(JsonRpcResponse {
            jsonrpc: JsonRpcVersion2_0,
            id: NumberOrString::String(id.into()),
            result: ServerResult::ListToolsResult(result),
        })
    }

    #[test]
    fn the_kept_answer_is_written_as_rmcp_writes_the_same_tools() {
        let kept = KeptList::check(serde_json::to_vec(&tools()).unwrap_or_default()).expect("a kept list");
        // An id that looks like the part replaced must not be taken for it.
        let id = r#""tools":[]"#;
        let line = encode_kept(&mut answer(id, kept_answer()), &kept).expect("the answer standing for it");
        assert_eq!(line.last(), Some(&b'\n'));
        assert_eq!(line.iter().filter(|b| **b == b'\n').count(), 1, "one line");
        let written: Value = serde_json::from_slice(&line).unwrap_or_default();
        let rmcp = serde_json::to_value(answer(id, ListToolsResult::with_all_items(tools()))).unwrap_or_default();
        assert_eq!(written, rmcp);
        assert!(written.pointer("/result/_meta").is_none(), "the marker is never sent: {written}");
    }

    #[test]
    fn other_answers_are_left_to_the_transport() {
        let kept = KeptList::check(b"[]".to_vec()).expect("an empty list is a list");
        let mut listed = answer("1", ListToolsResult::with_all_items(tools()));
        assert!(encode_kept(&mut listed, &kept).is_none(), "a list answered from loaded tools");
        let mut empty = answer("2", ListToolsResult::with_all_items(Vec::new()));
        assert!(encode_kept(&mut empty, &kept).is_none(), "an empty list without the marker");
    }

    #[test]
    fn a_kept_list_of_the_wrong_shape_is_not_answered() {
        let cases: [(&[u8], &str); 6] = [
            (b"", "EOF"),
            (b"{\"name\":\"a\",\"inputSchema\":{}}", "sequence"),
            (b"[{\"name\":\"a\"}]", "inputSchema"),
            (b"[{\"inputSchema\":{}}]", "name"),
            (b"[{\"name\":\"\",\"inputSchema\":{}}]", "a tool has no name"),
            (b"[{\"name\":\"a\",\n\"inputSchema\":{}}]", "a line break"),
        ];
        for (json, why) in cases {
            let error = KeptList::check(json.to_vec()).expect_err(why);
            assert!(error.contains(why), "{why}: {error}");
        }
        assert!(KeptList::check(br#"[{"name":"a\"b","inputSchema":{"type":"object"},"x":1}]"#.to_vec()).is_ok());
    }
}
