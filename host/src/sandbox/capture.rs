//! Guest stdout and stderr: captured, bounded, and never mixed into program output.
//!
//! Each instance's stdout and stderr go to a [`Capture`] that keeps the first `limit`
//! bytes and counts the rest. Writes always succeed, so a chatty guest is never
//! stopped by its own logging (Rust's `println!` panics when a write fails); the run
//! logs what was kept when the instance ends.

use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamResult};

/// One captured stream. Clones share the buffer.
#[derive(Debug, Clone)]
pub struct Capture {
    inner: Arc<Mutex<Captured>>,
}

/// What a stream captured.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Captured {
    /// The first bytes written, up to the limit.
    pub kept: Vec<u8>,
    /// How many bytes were written past the limit and dropped.
    pub dropped: u64,
    limit: usize,
}

impl Captured {
    /// The kept bytes as text (invalid UTF-8 replaced), with a note if some were dropped.
    pub fn text(&self) -> String {
        let mut text = String::from_utf8_lossy(&self.kept).into_owned();
        if self.dropped > 0 {
            text.push_str(&format!("\n[{} more bytes dropped]", self.dropped));
        }
        text
    }
}

impl Capture {
    /// A stream keeping at most `limit` bytes.
    pub fn new(limit: u64) -> Self {
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Self { inner: Arc::new(Mutex::new(Captured { limit, ..Captured::default() })) }
    }

    /// What was written so far.
    pub fn captured(&self) -> Captured {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    fn append(&self, bytes: &[u8]) {
        let mut captured = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        let room = captured.limit.saturating_sub(captured.kept.len());
        let (kept, dropped) = bytes.split_at(room.min(bytes.len()));
        captured.kept.extend_from_slice(kept);
        captured.dropped += dropped.len() as u64;
    }
}

impl IsTerminal for Capture {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for Capture {
    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }

    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for Capture {
    async fn ready(&mut self) {}
}

impl OutputStream for Capture {
    fn write(&mut self, bytes: Bytes) -> StreamResult<()> {
        self.append(&bytes);
        Ok(())
    }

    fn flush(&mut self) -> StreamResult<()> {
        Ok(())
    }

    fn check_write(&mut self) -> StreamResult<usize> {
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for Capture {
    fn poll_write(self: Pin<&mut Self>, _cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        self.append(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// The captured stdout and stderr of one instance.
#[derive(Debug, Clone)]
pub struct Stdio {
    /// What the guest wrote to stdout.
    pub stdout: Capture,
    /// What the guest wrote to stderr.
    pub stderr: Capture,
}

impl Stdio {
    /// Both streams, each keeping at most `limit` bytes.
    pub fn new(limit: u64) -> Self {
        Self { stdout: Capture::new(limit), stderr: Capture::new(limit) }
    }

    /// Logs what was captured, naming the component: at info level, under the log
    /// target `cemcp::guest` (`RUST_LOG=cemcp::guest=info` shows only guest output),
    /// control characters escaped.
    pub fn log(&self, component: &str) {
        for (stream, capture) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            let captured = capture.captured();
            if !captured.kept.is_empty() || captured.dropped > 0 {
                let text = crate::failure::escape_controls(&captured.text()).into_owned();
                tracing::info!(target: "cemcp::guest", component, stream, "{text}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_first_bytes_and_counts_the_rest() {
        let capture = Capture::new(5);
        let mut stream = capture.p2_stream();
        stream.write(Bytes::from_static(b"hello, ")).unwrap();
        stream.write(Bytes::from_static(b"world")).unwrap();
        let captured = capture.captured();
        assert_eq!(captured.kept, b"hello");
        assert_eq!(captured.dropped, 7);
        assert_eq!(captured.text(), "hello\n[7 more bytes dropped]");
    }
}
