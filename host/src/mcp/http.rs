//! MCP over Streamable HTTP (`cemcp serve --http ADDR`), at `/mcp`.
//!
//! - Bound to loopback unless told otherwise; a non-loopback address is refused unless
//!   the manifest has `[server] tokens`.
//! - `Host` must be a loopback name (or one in `[server] allowed-hosts`), and a request
//!   carrying `Origin` must come from a loopback origin on this port (or one in
//!   `[server] allowed-origins`): a web page cannot reach a local server by DNS
//!   rebinding or cross-site requests.
//! - With tokens configured, every request needs `Authorization: Bearer <token>`; the
//!   token's sha256 picks the profile. A request without a valid token gets 401 and
//!   nothing runs.
//! - Both protocol revisions are served: 2025-11-25 with sessions, 2026-07-28 stateless.
//! - Every POST body is read here first, under [`super::MAX_REQUEST_BYTES`] (413
//!   past it), and checked as stdio checks a line: malformed JSON gets a JSON-RPC
//!   parse error, an invalid message an invalid-request error (400 with the JSON-RPC
//!   error as body). A request whose id is already in flight in the same session is
//!   refused (409), so that every request gets exactly one answer.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest, Sha256};
use tower::ServiceExt as _;

use super::stdio::{INVALID_REQUEST, error_reply, parse_message, too_large_reply};
use super::{CemcpServer, Expose, MAX_REQUEST_BYTES, Shutdown};
use crate::admission::Admission;
use crate::runtime::Runtime;

type McpService = StreamableHttpService<CemcpServer, LocalSessionManager>;

struct Gate {
    /// (hex sha256 of token, profile), or empty when no token is required.
    tokens: Vec<(String, String)>,
    /// One MCP service per profile served.
    services: BTreeMap<String, McpService>,
    /// The profile served when no token is required.
    open: Option<String>,
    /// Requests being answered, as "session id, request id".
    in_flight: Arc<Mutex<HashSet<String>>>,
    /// Who runs and who waits: a run that would be refused as busy is answered 503
    /// here, before it reaches a handler.
    admission: Arc<Admission>,
    /// When the server is stopping, new runs are answered 503.
    shutdown: Shutdown,
}

/// Serves MCP over HTTP on `addr` until the process is stopped.
///
/// # Errors
///
/// When the address is not loopback and no token is configured, when a profile does
/// not exist, or when the address cannot be bound.
pub async fn serve_http(
    runtime: Arc<Runtime>,
    profile: Option<&str>,
    expose: Expose,
    addr: SocketAddr,
) -> anyhow::Result<()> {
    let spec = runtime.manifest().server.clone();
    if !addr.ip().is_loopback() && spec.tokens.is_empty() {
        anyhow::bail!(
            "refusing to serve on {addr}: it is not a loopback address, and the manifest has no [server] tokens; \
             add tokens (see `cemcp token --help`) or serve on 127.0.0.1"
        );
    }
    let listener =
        tokio::net::TcpListener::bind(addr).await.map_err(|e| anyhow::anyhow!("cannot listen on {addr}: {e}"))?;
    let local = listener.local_addr()?;
    let mut config = StreamableHttpServerConfig::default();
    config.allowed_hosts.extend(spec.allowed_hosts.iter().cloned());
    if !addr.ip().is_loopback() {
        config.allowed_hosts.push(addr.ip().to_string());
    }
    config.allowed_origins = ["localhost", "127.0.0.1", "[::1]"]
        .iter()
        .map(|host| format!("http://{host}:{}", local.port()))
        .chain(spec.allowed_origins.iter().cloned())
        .collect();
    config.max_request_body_bytes = MAX_REQUEST_BYTES;

    let profiles: Vec<String> = if spec.tokens.is_empty() {
        vec![runtime.manifest().profile(profile)?.name.clone()]
    } else {
        spec.tokens.iter().map(|(_, p)| p.clone()).collect()
    };
    let shutdown = Shutdown::new();
    let mut services = BTreeMap::new();
    for name in profiles {
        let server = CemcpServer::new(Arc::clone(&runtime), Some(&name), expose)?.stopped_by(shutdown.clone());
        let service = StreamableHttpService::new(
            move || Ok(server.clone()),
            Arc::new(LocalSessionManager::default()),
            config.clone(),
        );
        services.insert(name, service);
    }
    let open = spec.tokens.is_empty().then(|| services.keys().next().cloned()).flatten();
    let admission = Arc::clone(runtime.admission());
    let gate = Arc::new(Gate {
        tokens: spec.tokens,
        services,
        open,
        in_flight: Arc::default(),
        admission,
        shutdown: shutdown.clone(),
    });
    let app = axum::Router::new().route("/mcp", axum::routing::any(handle)).with_state(gate);
    eprintln!("cemcp: serving MCP on http://{local}/mcp");
    // Answers go out as soon as they are written: without TCP_NODELAY, an answer
    // written in two parts waits for the client's delayed ACK (up to 40 ms on Linux).
    let listener = axum::serve::ListenerExt::tap_io(listener, |tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!("cannot set TCP_NODELAY on a connection: {e}");
        }
    });
    let serving = async move { axum::serve(listener, app).await.map_err(anyhow::Error::from) };
    let load = || Some(runtime.admission().load());
    shutdown.run(runtime.manifest().server.drain, load, serving).await
}

async fn handle(State(gate): State<Arc<Gate>>, request: Request) -> Response {
    let profile = match &gate.open {
        Some(profile) => Some(profile.clone()),
        None => bearer(&request).and_then(|token| gate.profile_for(token)),
    };
    let Some(service) = profile.as_ref().and_then(|p| gate.services.get(p)) else {
        tracing::warn!("HTTP request refused: missing or invalid bearer token");
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "a valid bearer token is required (Authorization: Bearer <token>)\n",
        )
            .into_response();
    };
    let method = request.method().clone();
    let (request, claim) = if method == Method::POST {
        match checked_post(&gate, request).await {
            Ok(checked) => checked,
            Err(refusal) => return refusal,
        }
    } else {
        (request, None)
    };
    let response = match service.clone().oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    };
    // A session's end is answered as clients expect it: 204 (rmcp says 202).
    if method == Method::DELETE && response.status() == StatusCode::ACCEPTED {
        let (mut parts, body) = response.into_parts();
        parts.status = StatusCode::NO_CONTENT;
        return Response::from_parts(parts, body);
    }
    match claim {
        // The id stays claimed until its answer has been sent (or the client left).
        Some(claim) => response.map(|body| {
            Body::from_stream(futures_util::StreamExt::map(body.into_data_stream(), move |chunk| {
                let _claim = &claim;
                chunk
            }))
        }),
        None => response,
    }
}

/// A request id in flight in a session; released when dropped.
struct Claim {
    key: String,
    in_flight: Arc<Mutex<HashSet<String>>>,
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.in_flight.lock().unwrap_or_else(PoisonError::into_inner).remove(&self.key);
    }
}

/// Reads and checks a POST body; the request rebuilt with it, and the claim on its
/// id if it is a request in a session. A body that is too large or not a valid
/// message is answered here with a JSON-RPC error.
async fn checked_post(gate: &Gate, request: Request) -> Result<(Request, Option<Claim>), Response> {
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => bytes,
        Err(e) => {
            let too_large =
                std::error::Error::source(&e).is_some_and(|cause| cause.is::<http_body_util::LengthLimitError>());
            return Err(if too_large {
                tracing::warn!(limit = MAX_REQUEST_BYTES, "refused a request body over the size limit");
                json_rpc_error(StatusCode::PAYLOAD_TOO_LARGE, too_large_reply(MAX_REQUEST_BYTES))
            } else {
                let reply =
                    error_reply(serde_json::Value::Null, INVALID_REQUEST, &format!("cannot read the body: {e}"));
                json_rpc_error(StatusCode::BAD_REQUEST, reply)
            });
        }
    };
    let message = parse_message(&bytes).map_err(|reply| {
        let reply = reply.unwrap_or_else(|| {
            error_reply(serde_json::Value::Null, INVALID_REQUEST, "Invalid request: not a valid notification")
        });
        json_rpc_error(StatusCode::BAD_REQUEST, reply)
    })?;
    if let rmcp::model::JsonRpcMessage::Request(request) = &message
        && (gate.shutdown.is_stopping() || gate.admission.is_full())
        && starts_a_run(&bytes)
    {
        return Err(busy(gate, serde_json::to_value(&request.id).unwrap_or_default()));
    }
    let session = parts.headers.get("mcp-session-id").and_then(|v| v.to_str().ok());
    let claim = match (&message, session) {
        (rmcp::model::JsonRpcMessage::Request(request), Some(session)) => {
            let id = serde_json::to_string(&request.id).unwrap_or_default();
            let key = format!("{session}\u{0}{id}");
            let mut in_flight = gate.in_flight.lock().unwrap_or_else(PoisonError::into_inner);
            if !in_flight.insert(key.clone()) {
                let id_value = serde_json::to_value(&request.id).unwrap_or_default();
                let reply = error_reply(
                    id_value,
                    INVALID_REQUEST,
                    &format!(
                        "Invalid request: request id {id} is already in flight in this session; wait for its answer or use another id"
                    ),
                );
                return Err(json_rpc_error(StatusCode::CONFLICT, reply));
            }
            Some(Claim { key, in_flight: Arc::clone(&gate.in_flight) })
        }
        _ => None,
    };
    Ok((Request::from_parts(parts, Body::from(bytes)), claim))
}

/// Whether a request body calls `run_program` or `run_script` (parsed only when the
/// host is full or stopping).
fn starts_a_run(bytes: &[u8]) -> bool {
    let Ok(message) = serde_json::from_slice::<serde_json::Value>(bytes) else { return false };
    message.get("method").and_then(serde_json::Value::as_str) == Some("tools/call")
        && matches!(
            message.pointer("/params/name").and_then(serde_json::Value::as_str),
            Some(super::code_mode::RUN | super::code_mode::SCRIPT)
        )
}

/// 503 with `Retry-After` and a JSON-RPC error saying why: nothing ran.
fn busy(gate: &Gate, id: serde_json::Value) -> Response {
    let message = if gate.shutdown.is_stopping() {
        super::shutdown::STOPPING.to_owned()
    } else {
        gate.admission.busy(gate.admission.load()).to_string()
    };
    tracing::info!("answered 503: {message}");
    let reply = error_reply(id, SERVER_BUSY, &message);
    let mut response = json_rpc_error(StatusCode::SERVICE_UNAVAILABLE, reply);
    response.headers_mut().insert(header::RETRY_AFTER, axum::http::HeaderValue::from_static("1"));
    response
}

/// The JSON-RPC error code of a busy answer (implementation-defined server error).
const SERVER_BUSY: i64 = -32000;

fn json_rpc_error(status: StatusCode, reply: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], reply.to_string()).into_response()
}

fn bearer(request: &Request) -> Option<&str> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    value.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty())
}

impl Gate {
    /// The profile of `token`, comparing digests in constant time.
    fn profile_for(&self, token: &str) -> Option<String> {
        let digest = hex::encode(Sha256::digest(token.as_bytes()));
        let mut found = None;
        for (expected, profile) in &self.tokens {
            let same = expected
                .bytes()
                .zip(digest.bytes())
                .fold(expected.len() ^ digest.len(), |acc, (a, b)| acc | usize::from(a ^ b));
            if same == 0 {
                found = Some(profile.clone());
            }
        }
        found
    }
}

/// A new random token (256 bits from the OS) and the `[server]` entry granting it
/// `profile`.
///
/// # Errors
///
/// When the operating system's random source fails.
pub fn new_token(profile: &str) -> anyhow::Result<(String, String)> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness from the OS: {e}"))?;
    let token = hex::encode(bytes);
    let digest = hex::encode(Sha256::digest(token.as_bytes()));
    Ok((token, format!("tokens = [{{ sha256 = \"sha256:{digest}\", profile = \"{profile}\" }}]")))
}
