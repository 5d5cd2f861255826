//! MCP over stdin and stdout, one JSON-RPC message per line, answering every line.
//!
//! rmcp's own line transport drops a line it cannot parse without a word (to avoid
//! error storms between two confused peers), so a client that sends a malformed or
//! oversized request waits forever. This transport follows JSON-RPC 2.0 instead:
//!
//! - a line that is not JSON (including `NaN`, numbers out of range, and nesting
//!   deeper than 128 levels) gets a parse error (`-32700`, id null);
//! - JSON that is not a valid message gets an invalid-request error (`-32600`) with
//!   the request's id when it has one; a broken notification (no id) is logged and
//!   dropped, since nothing may answer a notification;
//! - JSON that is not an object (a batch array, a number, a string) gets an
//!   invalid-request error with id null: MCP has no batches, and the client must not
//!   wait for an answer that never comes;
//! - a line longer than [`super::MAX_REQUEST_BYTES`] is discarded as it streams in,
//!   never buffered whole, and gets an invalid-request error naming the limit.
//!
//! Writes go through one writer task, so an error reply queued while reading can
//! never interleave with a response. When stdin closes, [`StdioTransport::new`]'s
//! `closed` token is cancelled: the server cancels the client's runs at once.

use std::borrow::Cow;

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt as _, AsyncRead, AsyncWrite, AsyncWriteExt as _, BufReader};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::MAX_REQUEST_BYTES;
use super::warm::{KeptList, encode_kept};

/// Lines waiting to be written.
const WRITE_QUEUE: usize = 64;

/// The stdio transport of `cemcp serve`.
pub struct StdioTransport<R> {
    read: BufReader<R>,
    line: Vec<u8>,
    /// Set while the rest of an oversized line is being skipped.
    skipping: bool,
    /// An error reply not yet handed to the writer.
    pending: Option<Vec<u8>>,
    write: mpsc::Sender<Vec<u8>>,
    closed: CancellationToken,
    limit: usize,
    /// The tool list kept by the last start, written for the answers that stand
    /// for it (a server started warm).
    kept: Option<KeptList>,
}

enum Step {
    Line,
    TooLong,
    Eof,
}

impl<R: AsyncRead + Unpin + Send> StdioTransport<R> {
    /// A transport reading `read` and writing `write`; `closed` is cancelled when
    /// `read` ends.
    pub fn new<W: AsyncWrite + Unpin + Send + 'static>(read: R, write: W, closed: CancellationToken) -> Self {
        let (tx, rx) = mpsc::channel(WRITE_QUEUE);
        tokio::spawn(write_lines(write, rx));
        Self {
            read: BufReader::new(read),
            line: Vec::new(),
            skipping: false,
            pending: None,
            write: tx,
            closed,
            limit: MAX_REQUEST_BYTES,
            kept: None,
        }
    }

    /// The same transport writing `kept` for the answers standing for it
    /// ([`super::warm::encode_kept`]).
    #[must_use]
    pub(crate) fn answering_kept(mut self, kept: KeptList) -> Self {
        self.kept = Some(kept);
        self
    }

    /// The same transport with another line limit (for tests).
    #[must_use]
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// Reads up to the end of a line into `self.line`, keeping at most `limit`
    /// bytes. Cancellation-safe: nothing is consumed from the reader that is not
    /// also recorded in `self`.
    async fn read_line(&mut self) -> std::io::Result<Step> {
        loop {
            let available = self.read.fill_buf().await?;
            if available.is_empty() {
                return Ok(Step::Eof);
            }
            let (chunk, end) = match available.iter().position(|b| *b == b'\n') {
                Some(i) => (available.get(..i).unwrap_or_default(), Some(i + 1)),
                None => (available, None),
            };
            let used = end.unwrap_or(available.len());
            if !self.skipping && self.line.len() + chunk.len() > self.limit {
                self.skipping = true;
                self.line.clear();
            }
            if !self.skipping {
                self.line.extend_from_slice(chunk);
            }
            self.read.consume(used);
            if end.is_some() {
                let skipped = std::mem::take(&mut self.skipping);
                return Ok(if skipped { Step::TooLong } else { Step::Line });
            }
        }
    }
}

async fn write_lines<W: AsyncWrite + Unpin>(mut write: W, mut rx: mpsc::Receiver<Vec<u8>>) {
    while let Some(line) = rx.recv().await {
        let written = async {
            write.write_all(&line).await?;
            write.flush().await
        };
        if let Err(e) = written.await {
            tracing::debug!("stdout closed: {e}");
            return;
        }
    }
}

/// A line as JSON text, newline included.
fn encode(value: &impl serde::Serialize) -> Vec<u8> {
    let mut line = serde_json::to_vec(value).unwrap_or_default();
    line.push(b'\n');
    line
}

/// A JSON-RPC error object for `id` (null when unknown).
pub(super) fn error_reply(id: Value, code: i64, message: &str) -> Value {
    json!({ "jsonrpc": "2.0", "id": id, "error": { "code": code, "message": message } })
}

/// JSON-RPC's code for text that is not JSON.
pub(super) const PARSE_ERROR: i64 = -32700;
/// JSON-RPC's code for JSON that is not a valid request.
pub(super) const INVALID_REQUEST: i64 = -32600;

/// What to do with one message's bytes: the message, or the error reply to send
/// (none for a broken notification, which must not be answered).
pub(super) fn parse_message(bytes: &[u8]) -> Result<RxJsonRpcMessage<RoleServer>, Option<Value>> {
    let bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    // A valid message is read in one pass; only a broken one is read again, as a
    // JSON value, to say what is wrong with it (issue 14: reading every message
    // twice was a twentieth of a tools-mode call).
    // (Only an object: serde would also read a message's fields from an array.)
    let object = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if object && let Ok(message) = serde_json::from_slice(bytes) {
        return Ok(message);
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        Some(error_reply(Value::Null, PARSE_ERROR, &format!("Parse error: the request is not valid JSON ({e})")))
    })?;
    if !value.is_object() {
        let message = "Invalid request: a message is one JSON object (batches are not supported)";
        return Err(Some(error_reply(Value::Null, INVALID_REQUEST, message)));
    }
    let id = value.get("id").cloned();
    serde_json::from_value(value).map_err(|e| match id {
        Some(id) if id.is_string() || id.is_number() => {
            Some(error_reply(id, INVALID_REQUEST, &format!("Invalid request: {e}")))
        }
        Some(_) => Some(error_reply(Value::Null, INVALID_REQUEST, &format!("Invalid request: {e}"))),
        None => {
            tracing::warn!("dropped an invalid notification: {e}");
            None
        }
    })
}

/// The reply to a request over the size limit.
pub(super) fn too_large_reply(limit: usize) -> Value {
    let limit = bytesize::ByteSize(limit as u64).display().iec().to_string();
    error_reply(
        Value::Null,
        INVALID_REQUEST,
        &format!(
            "Invalid request: the message is larger than the {limit} limit (a program may be at most {}, \
             base64-encoded)",
            bytesize::ByteSize(super::MAX_PROGRAM_BYTES as u64).display().iec()
        ),
    )
}

impl<R: AsyncRead + Unpin + Send + 'static> Transport<RoleServer> for StdioTransport<R> {
    type Error = std::io::Error;

    fn name() -> Cow<'static, str> {
        "cemcp-stdio".into()
    }

    fn send(
        &mut self,
        mut item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let write = self.write.clone();
        let kept = self.kept.as_ref().and_then(|kept| encode_kept(&mut item, kept));
        let line = kept.unwrap_or_else(|| encode(&item));
        async move {
            write.send(line).await.map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "stdout is closed"))
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            if let Some(reply) = &self.pending {
                // Cancellation-safe: the reply stays pending until it is queued.
                self.write.send(reply.clone()).await.ok()?;
                self.pending = None;
            }
            let step = match self.read_line().await {
                Ok(step) => step,
                Err(e) => {
                    tracing::warn!("cannot read stdin: {e}");
                    Step::Eof
                }
            };
            match step {
                Step::Eof => {
                    tracing::info!("the client closed stdin; cancelling its runs");
                    self.closed.cancel();
                    return None;
                }
                Step::TooLong => {
                    tracing::warn!(limit = self.limit, "refused a message over the size limit");
                    self.pending = Some(encode(&too_large_reply(self.limit)));
                }
                Step::Line => {
                    let line = std::mem::take(&mut self.line);
                    let text = line.strip_suffix(b"\r").unwrap_or(&line);
                    if text.iter().all(u8::is_ascii_whitespace) {
                        continue;
                    }
                    match parse_message(text) {
                        Ok(message) => return Some(message),
                        Err(reply) => self.pending = reply.map(|reply| encode(&reply)),
                    }
                }
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reply to `line`, or `None` when it is a message (or must not be answered).
    fn reply(line: &str) -> Option<Value> {
        parse_message(line.as_bytes()).err().flatten()
    }

    #[test]
    fn json_that_is_not_an_object_is_answered_with_an_invalid_request_error() {
        let expected = error_reply(
            Value::Null,
            INVALID_REQUEST,
            "Invalid request: a message is one JSON object (batches are not supported)",
        );
        for line in [r#"[{"jsonrpc":"2.0","id":9,"method":"ping"}]"#, "[]", "1", r#""ping""#, "null", "true"] {
            assert_eq!(reply(line), Some(expected.clone()), "{line}");
        }
        assert_eq!(reply(r#"{"jsonrpc":"2.0","id":9,"method":"ping"}"#), None, "a valid request is a message");
    }
}
