//! Outbound HTTP for tools: every `wasi:http` request is checked against the tool's
//! network rules before anything leaves the host.

use std::future::Future;
use std::sync::Arc;

use wasmtime_wasi_http::{Error, RequestOptions, Result, WasiBody, WasiHttpHooks};

use crate::manifest::{NetRule, NetScheme};

/// The `wasi:http` hooks of one tool instance: its allowlist, and the name to log.
pub struct HttpPolicy {
    tool: Arc<str>,
    rules: Arc<[NetRule]>,
}

impl HttpPolicy {
    /// The policy for `tool` with its network rules.
    pub fn new(tool: Arc<str>, rules: Arc<[NetRule]>) -> Self {
        Self { tool, rules }
    }

    /// Whether the rules allow a request to `uri`. The port defaults by scheme.
    pub fn allows(&self, uri: &http::Uri) -> bool {
        let (Some(scheme), Some(host)) = (uri.scheme_str(), uri.host()) else { return false };
        let default_port = NetScheme::parse(scheme).and_then(NetScheme::default_port);
        let Some(port) = uri.port_u16().or(default_port) else { return false };
        self.rules.iter().any(|rule| rule.allows_http(scheme, host, port))
    }
}

type Response = Result<(http::Response<WasiBody>, Box<dyn Future<Output = Result<(), Error>> + Send>)>;

impl WasiHttpHooks for HttpPolicy {
    fn send_request(
        &mut self,
        request: http::Request<WasiBody>,
        options: Option<RequestOptions>,
        fut: Box<dyn Future<Output = Result<(), Error>> + Send>,
    ) -> Box<dyn Future<Output = Response> + Send> {
        let uri = request.uri().clone();
        // Logged without its query, which can carry an API key.
        let shown = format!(
            "{}://{}{}",
            uri.scheme_str().unwrap_or("?"),
            uri.authority().map_or("", |a| a.as_str()),
            uri.path()
        );
        if !self.allows(&uri) {
            tracing::warn!(tool = %self.tool, uri = %shown, "HTTP request refused: not in the tool's network grant");
            return Box::new(std::future::ready(Err(Error::HttpRequestDenied)));
        }
        tracing::info!(tool = %self.tool, method = %request.method(), uri = %shown, "HTTP request");
        let mut send: [(); 0] = [];
        send.send_request(request, options, fut)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_checked_against_the_rules() {
        let rules: Arc<[NetRule]> =
            vec![NetRule::parse("http://127.0.0.1:8080").unwrap(), NetRule::parse("https://*.example.com").unwrap()]
                .into();
        let policy = HttpPolicy::new("t".into(), rules);
        let allows = |uri: &str| policy.allows(&uri.parse().unwrap());
        assert!(allows("http://127.0.0.1:8080/x?y=1"));
        assert!(!allows("http://127.0.0.1:8081/"));
        assert!(!allows("https://127.0.0.1:8080/"));
        assert!(allows("https://api.example.com/v1"));
        assert!(!allows("http://api.example.com/v1"), "the scheme must match");
        assert!(!allows("https://example.com.evil.net/"));
    }
}
