//! A fake OpenAI-compatible endpoint on loopback, for tests: it answers
//! `POST /chat/completions` with the next response of a scripted conversation and
//! records every request (its JSON body and `Authorization` header), so a test can
//! check what the agent loop sent. Past the script's end it answers 500.

use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;

use serde_json::{Value, json};

/// A request the fake endpoint received.
#[derive(Debug, Clone)]
pub struct Received {
    /// The path.
    pub path: String,
    /// The `Authorization` header, if any.
    pub authorization: Option<String>,
    /// The body, as JSON (`null` if it was not JSON).
    pub body: Value,
}

/// The fake endpoint, stopped when dropped.
pub struct FakeEndpoint {
    server: Arc<tiny_http::Server>,
    received: Arc<Mutex<Vec<Received>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeEndpoint {
    /// Serves `script`, one response per request, in order.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub fn start(script: Vec<Value>) -> anyhow::Result<Self> {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(|e| anyhow::anyhow!("{e}"))?);
        let received = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, received) = (Arc::clone(&server), Arc::clone(&received));
            std::thread::spawn(move || {
                let mut script = script.into_iter();
                for mut request in server.incoming_requests() {
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let authorization = request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("Authorization"))
                        .map(|h| h.value.as_str().to_owned());
                    let path = request.url().to_owned();
                    received.lock().unwrap_or_else(PoisonError::into_inner).push(Received {
                        path: path.clone(),
                        authorization,
                        body: serde_json::from_str(&body).unwrap_or(Value::Null),
                    });
                    let (status, reply) = match (path.ends_with("/chat/completions"), script.next()) {
                        (true, Some(reply)) => (200, reply),
                        (true, None) => (500, json!({ "error": "the scripted conversation is over" })),
                        (false, _) => (404, json!({ "error": "not found" })),
                    };
                    let header = tiny_http::Header::from_bytes("Content-Type", "application/json").ok();
                    let mut response = tiny_http::Response::from_string(reply.to_string()).with_status_code(status);
                    if let Some(header) = header {
                        response = response.with_header(header);
                    }
                    let _ = request.respond(response);
                }
            })
        };
        Ok(Self { server, received, thread: Some(thread) })
    }

    /// The base URL to give the client (`http://127.0.0.1:<port>/v1`).
    pub fn url(&self) -> String {
        let port = self.server.server_addr().to_ip().map_or(0, |addr| addr.port());
        format!("http://127.0.0.1:{port}/v1")
    }

    /// The requests so far.
    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

impl Drop for FakeEndpoint {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// A scripted response: the assistant calls `calls` (name, arguments), with `usage`.
pub fn tool_calls(calls: &[(&str, Value)], usage: (u64, u64)) -> Value {
    let calls: Vec<Value> = calls
        .iter()
        .enumerate()
        .map(|(i, (name, arguments))| {
            json!({ "id": format!("call_{i}"), "type": "function",
                    "function": { "name": name, "arguments": arguments.to_string() } })
        })
        .collect();
    json!({
        "choices": [{ "index": 0, "finish_reason": "tool_calls",
                      "message": { "role": "assistant", "content": null, "tool_calls": calls } }],
        "usage": { "prompt_tokens": usage.0, "completion_tokens": usage.1 }
    })
}

/// A scripted response: the assistant answers `text`, with `usage`.
pub fn answer(text: &str, usage: (u64, u64)) -> Value {
    json!({
        "choices": [{ "index": 0, "finish_reason": "stop", "message": { "role": "assistant", "content": text } }],
        "usage": { "prompt_tokens": usage.0, "completion_tokens": usage.1 }
    })
}
