//! What every MCP tool call shares: running wasm on a blocking thread with cancel,
//! progress notifications, and results as the model sees them.
//!
//! Errors a client sees are labelled by their source, so that a model can tell a
//! tool's (or program's) words from the host's:
//! - `[cemcp: tool error]`: a tool or program ran and failed; the text after the
//!   label may be the tool author's, and is bounded;
//! - `[cemcp: refused]`: a gate refused the run or a call, or withheld a text; the
//!   words are the host's (which gate, which rule, why);
//! - `[cemcp: invalid arguments]`: the request itself was wrong; nothing ran;
//! - `[cemcp: busy]`: the host is running all it may (or stopping); nothing ran, and
//!   the same call may succeed later (`_meta["io.cemcp/retry-after-ms"]`).
//!
//! Every result also says where its content comes from in `_meta`, under
//! [`CONTENT_META`]: `{"source": "tool `db`" | "program" | "cemcp", "trust":
//! "untrusted" | "host", "labels": [...]}`: what a tool or program wrote is
//! untrusted content, whatever it says.

use rmcp::RoleServer;
use rmcp::model::{CallToolResult, ContentBlock, ProgressNotificationParam};
use rmcp::service::RequestContext;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

use crate::sandbox::limits::CancelToken;

/// Most characters of an error text passed to the model.
const MAX_ERROR_TEXT: usize = 2000;

/// The `_meta` key saying where a result's content comes from.
pub const CONTENT_META: &str = "io.cemcp/content";

/// Where a result's content comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum Source<'a> {
    /// A tool's own words.
    Tool(&'a str),
    /// A program's or script's output (built from tools' words).
    Program,
    /// The host's words.
    Host,
}

/// Marks `result` with its source, trust and labels.
pub(super) fn mark(mut result: CallToolResult, source: Source<'_>, labels: &crate::gate::Labels) -> CallToolResult {
    let (source, trust) = match source {
        Source::Tool(name) => (format!("tool `{name}`"), "untrusted"),
        Source::Program => ("program".to_owned(), "untrusted"),
        Source::Host => ("cemcp".to_owned(), "host"),
    };
    let mut meta = result.meta.take().unwrap_or_default();
    meta.0.insert(CONTENT_META.to_owned(), json!({ "source": source, "trust": trust, "labels": labels }));
    result.meta = Some(meta);
    result
}

/// What a call cancelled by its client comes back as.
const CANCELLED: &str = "the call was cancelled";
/// What a call cancelled because the server is closing comes back as.
const CLOSING: &str = "the call was cancelled: the server is closing";

/// Runs `work` on a blocking thread. A client's cancel, the server closing (the
/// client gone), or this future being dropped cancels `cancel`, which stops the
/// wasm within one epoch tick: no run outlives its request.
pub(super) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    cancel: &CancelToken,
    context: &RequestContext<RoleServer>,
    closing: &CancellationToken,
) -> Result<T, String> {
    let guard = CancelOnDrop(Some(cancel.clone()));
    let task = tokio::task::spawn_blocking(work);
    tokio::pin!(task);
    let outcome = tokio::select! {
        done = &mut task => done.map_err(|e| format!("(internal) the call failed: {e}")),
        () = context.ct.cancelled() => {
            cancel.cancel();
            // Wait for the wasm to stop, so nothing outlives the request.
            let _ = task.await;
            Err(CANCELLED.to_owned())
        }
        () = closing.cancelled() => {
            cancel.cancel();
            let _ = task.await;
            Err(CLOSING.to_owned())
        }
    };
    guard.disarm();
    outcome
}

/// [`blocking`] for short work (a tools-mode call): on a multi-threaded runtime it
/// runs on this worker thread (tokio's `block_in_place` hands the worker's other
/// tasks to another thread), so the call crosses no thread on its way in or out;
/// thread switches were a quarter of a tools-mode call's time (issue 14). A task of
/// its own watches for the client's cancel and the server closing meanwhile. On a
/// single-threaded runtime, where a worker cannot be given up, it is [`blocking`].
pub(super) async fn inline<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
    cancel: &CancelToken,
    context: &RequestContext<RoleServer>,
    closing: &CancellationToken,
) -> Result<T, String> {
    let handle = tokio::runtime::Handle::current();
    if handle.runtime_flavor() != tokio::runtime::RuntimeFlavor::MultiThread {
        return blocking(work, cancel, context, closing).await;
    }
    let watch = {
        let (cancel, asked, closing) = (cancel.clone(), context.ct.clone(), closing.clone());
        handle.spawn(async move {
            tokio::select! {
                () = asked.cancelled() => cancel.cancel(),
                () = closing.cancelled() => cancel.cancel(),
            }
        })
    };
    let done = tokio::task::block_in_place(|| std::panic::catch_unwind(std::panic::AssertUnwindSafe(work)));
    watch.abort();
    if closing.is_cancelled() {
        return Err(CLOSING.to_owned());
    }
    if context.ct.is_cancelled() {
        return Err(CANCELLED.to_owned());
    }
    done.map_err(|_| "(internal) the call failed: it panicked".to_owned())
}

/// Cancels a run if the future waiting for it is dropped before it ends.
struct CancelOnDrop(Option<CancelToken>);

impl CancelOnDrop {
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = self.0.take() {
            cancel.cancel();
        }
    }
}

/// Sends a progress notification if the client asked for them.
pub(super) async fn progress(context: &RequestContext<RoleServer>, step: f64, total: f64, message: &str) {
    if let Some(token) = context.meta.get_progress_token() {
        let mut param = ProgressNotificationParam::new(token, step);
        param.total = Some(total);
        param.message = Some(message.to_owned());
        let _ = context.peer.notify_progress(param).await;
    }
}

/// A successful result: `value` as text, and as structured content under `key`.
pub(super) fn structured(key: &str, value: Value) -> CallToolResult {
    // Text results read as text, not as a JSON string literal.
    let text = value.as_str().map_or_else(|| value.to_string(), str::to_owned);
    let mut result = CallToolResult::success(vec![ContentBlock::text(text)]);
    result.structured_content = Some(json!({ key: value }));
    result
}

/// A tool or program failure, for the model: bounded, and labelled as such.
pub(super) fn tool_error(message: &str) -> CallToolResult {
    labelled("tool error", message)
}

/// How long a client told "busy" should wait before trying again, in `_meta`.
pub const RETRY_META: &str = "io.cemcp/retry-after-ms";

/// A call refused because the host is full or stopping: nothing ran, and the client
/// may try again (after `_meta["io.cemcp/retry-after-ms"]`).
pub(super) fn busy(message: &str) -> CallToolResult {
    let mut result = labelled("busy", message);
    let mut meta = result.meta.take().unwrap_or_default();
    meta.0.insert(RETRY_META.to_owned(), json!(1000));
    result.meta = Some(meta);
    result
}

/// A gate's refusal: the host's words, labelled as such.
pub(super) fn refused(message: &str) -> CallToolResult {
    labelled("refused", message)
}

/// A request that was wrong before anything ran: labelled as such.
pub(super) fn invalid_arguments(message: &str) -> CallToolResult {
    labelled("invalid arguments", message)
}

fn labelled(label: &str, message: &str) -> CallToolResult {
    let mut text: String = message.chars().take(MAX_ERROR_TEXT).collect();
    if message.chars().count() > MAX_ERROR_TEXT {
        text.push_str(" [truncated]");
    }
    CallToolResult::error(vec![ContentBlock::text(format!("[cemcp: {label}] {text}"))])
}
