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

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use rmcp::transport::streamable_http_server::session::local::LocalSessionManager;
use rmcp::transport::streamable_http_server::{StreamableHttpServerConfig, StreamableHttpService};
use sha2::{Digest, Sha256};
use tower::ServiceExt as _;

use super::{CemcpServer, Expose};
use crate::runtime::Runtime;

/// Largest request body: a program of up to 32 MiB, base64-encoded, with room to spare.
const MAX_BODY: usize = 48 << 20;

type McpService = StreamableHttpService<CemcpServer, LocalSessionManager>;

struct Gate {
    /// (hex sha256 of token, profile), or empty when no token is required.
    tokens: Vec<(String, String)>,
    /// One MCP service per profile served.
    services: BTreeMap<String, McpService>,
    /// The profile served when no token is required.
    open: Option<String>,
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
    config.max_request_body_bytes = MAX_BODY;

    let profiles: Vec<String> = if spec.tokens.is_empty() {
        vec![runtime.manifest().profile(profile)?.name.clone()]
    } else {
        spec.tokens.iter().map(|(_, p)| p.clone()).collect()
    };
    let mut services = BTreeMap::new();
    for name in profiles {
        let server = CemcpServer::new(Arc::clone(&runtime), Some(&name), expose)?;
        let service = StreamableHttpService::new(
            move || Ok(server.clone()),
            Arc::new(LocalSessionManager::default()),
            config.clone(),
        );
        services.insert(name, service);
    }
    let open = spec.tokens.is_empty().then(|| services.keys().next().cloned()).flatten();
    let gate = Arc::new(Gate { tokens: spec.tokens, services, open });
    let app = axum::Router::new().route("/mcp", axum::routing::any(handle)).with_state(gate);
    eprintln!("cemcp: serving MCP on http://{local}/mcp");
    axum::serve(listener, app).await?;
    Ok(())
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
    match service.clone().oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(never) => match never {},
    }
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
