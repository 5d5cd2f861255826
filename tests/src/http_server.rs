//! A loopback HTTP server for network-grant tests: it answers every request with a JSON
//! echo of what it received (or `size` bytes of `x` for `/bytes/<size>`), and counts
//! requests so a test can prove that a refused request never reached it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;

/// A server on 127.0.0.1 with an OS-chosen port, stopped when dropped.
pub struct TestServer {
    server: Arc<tiny_http::Server>,
    requests: Arc<AtomicUsize>,
    thread: Option<JoinHandle<()>>,
}

impl TestServer {
    /// Starts a server.
    ///
    /// # Panics
    ///
    /// When no loopback port can be bound (tests only).
    #[expect(clippy::expect_used, reason = "test support: failing to set up is a test failure")]
    pub fn start() -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("bind a loopback port"));
        let requests = Arc::new(AtomicUsize::new(0));
        let thread = {
            let (server, requests) = (Arc::clone(&server), Arc::clone(&requests));
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    requests.fetch_add(1, Ordering::SeqCst);
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let reply = match request.url().strip_prefix("/bytes/").and_then(|n| n.parse::<usize>().ok()) {
                        Some(size) => "x".repeat(size),
                        None => {
                            let headers: Vec<(String, String)> = request
                                .headers()
                                .iter()
                                .map(|h| (h.field.as_str().as_str().to_ascii_lowercase(), h.value.as_str().to_owned()))
                                .collect();
                            serde_json::json!({
                                "method": request.method().as_str(),
                                "path": request.url(),
                                "headers": headers,
                                "body": body,
                            })
                            .to_string()
                        }
                    };
                    let _ = request.respond(tiny_http::Response::from_string(reply));
                }
            })
        };
        Self { server, requests, thread: Some(thread) }
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.server.server_addr().to_ip().map_or(0, |addr| addr.port())
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port())
    }

    /// How many requests reached it.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
