//! A fake judge for the semantic gate's tests: an OpenAI-compatible chat completions
//! endpoint on loopback that answers every request the same way (allow, deny when
//! the prompt mentions a word, answer too late, answer garbage, fail), and counts
//! what it was asked.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// How the fake judge answers.
#[derive(Debug, Clone)]
pub enum Behaviour {
    /// `{"decision": "allow"}`.
    Allow,
    /// `deny` with this reason when the prompt contains the word, else `allow`.
    DenyIf(&'static str, &'static str),
    /// `ask` with this reason.
    Ask(&'static str),
    /// Allows, after this long.
    Slow(Duration),
    /// A completion whose content is not a decision.
    Garbage,
    /// HTTP 500.
    Fail,
}

/// The fake judge, stopped when dropped.
pub struct FakeJudge {
    server: Arc<tiny_http::Server>,
    asked: Arc<AtomicUsize>,
    prompts: Arc<Mutex<Vec<String>>>,
    keys: Arc<Mutex<Vec<Option<String>>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeJudge {
    /// Starts a judge that behaves as `behaviour`.
    ///
    /// # Errors
    ///
    /// When no loopback port can be bound.
    pub fn start(behaviour: Behaviour) -> anyhow::Result<Self> {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").map_err(|e| anyhow::anyhow!("{e}"))?);
        let asked = Arc::new(AtomicUsize::new(0));
        let prompts = Arc::new(Mutex::new(Vec::new()));
        let keys = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (server, asked, prompts) = (Arc::clone(&server), Arc::clone(&asked), Arc::clone(&prompts));
            let keys = Arc::clone(&keys);
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    asked.fetch_add(1, Ordering::Relaxed);
                    let mut body = String::new();
                    let _ = request.as_reader().read_to_string(&mut body);
                    let prompt = serde_json::from_str::<Value>(&body)
                        .ok()
                        .and_then(|b| b.pointer("/messages/1/content").and_then(Value::as_str).map(str::to_owned))
                        .unwrap_or_default();
                    prompts.lock().unwrap_or_else(PoisonError::into_inner).push(prompt.clone());
                    let key = request
                        .headers()
                        .iter()
                        .find(|h| h.field.equiv("authorization"))
                        .map(|h| h.value.as_str().to_owned());
                    keys.lock().unwrap_or_else(PoisonError::into_inner).push(key);
                    let (status, content) = answer(&behaviour, &prompt);
                    let completion = json!({ "choices": [{ "message": { "role": "assistant", "content": content } }] });
                    let response = tiny_http::Response::from_string(completion.to_string()).with_status_code(status);
                    let _ = request.respond(response);
                }
            })
        };
        Ok(Self { server, asked, prompts, keys, thread: Some(thread) })
    }

    /// Its chat completions URL.
    pub fn url(&self) -> String {
        format!("http://{}/v1/chat/completions", self.server.server_addr())
    }

    /// How many requests it received.
    pub fn asked(&self) -> usize {
        self.asked.load(Ordering::Relaxed)
    }

    /// The `Authorization` header of each request, if it had one.
    pub fn keys(&self) -> Vec<Option<String>> {
        self.keys.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// The user prompts it received.
    pub fn prompts(&self) -> Vec<String> {
        self.prompts.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}

fn answer(behaviour: &Behaviour, prompt: &str) -> (u16, String) {
    let decision = |decision: &str, reason: &str| json!({ "decision": decision, "reason": reason }).to_string();
    match behaviour {
        Behaviour::Allow => (200, decision("allow", "fine")),
        Behaviour::DenyIf(word, reason) if prompt.contains(word) => (200, decision("deny", reason)),
        Behaviour::DenyIf(..) => (200, decision("allow", "fine")),
        Behaviour::Ask(reason) => (200, decision("ask", reason)),
        Behaviour::Slow(delay) => {
            std::thread::sleep(*delay);
            (200, decision("allow", "fine, but late"))
        }
        Behaviour::Garbage => (200, "Sure! Looks fine to me.".to_owned()),
        Behaviour::Fail => (500, "internal error".to_owned()),
    }
}

impl Drop for FakeJudge {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
