//! HTTP requests from a tool component through `wasi:http`, shared by the tools that
//! call web services (`http`, and the study's web-API servers under `mcpbench/`).
//!
//! Which hosts a tool may reach is the host's decision (the tool's network grant), not
//! this crate's: a request to any other host fails with a message saying so. Where a
//! service lives is configuration the admin grants: [`base_url`] reads it from the
//! environment, so one component works against the real service or a stand-in.

use serde::de::DeserializeOwned;
use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, OutgoingBody, OutgoingRequest, Scheme};
use wasip2::io::streams::StreamError;

pub use wasip2::http::types::Method;

/// Most bytes written to a body stream per call (wasi:io's limit is 4096).
const CHUNK: usize = 4096;

/// Most response body bytes the helpers that read whole documents accept.
pub const MAX_DOCUMENT: usize = 16 << 20;

/// What a server answered.
#[derive(Debug, Clone)]
pub struct Response {
    /// The HTTP status code.
    pub status: u16,
    /// The response headers, in the order received (values lossily decoded).
    pub headers: Vec<(String, String)>,
    /// The body, cut at the limit the request set.
    pub body: Vec<u8>,
    /// Whether the body was longer than the limit and was cut.
    pub truncated: bool,
}

impl Response {
    /// The body as text (invalid UTF-8 replaced by U+FFFD).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends a request and reads at most `max_bytes` of the response body.
///
/// # Errors
///
/// A message naming the URL and what failed: a malformed URL, a host outside the
/// tool's network grant, a connection or protocol error.
pub fn send(
    method: &Method,
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    max_bytes: usize,
) -> Result<Response, String> {
    let fail = |what: &str, e: &dyn std::fmt::Debug| format!("{what} {url}: {e:?}");
    let (scheme, authority, path) = split_url(url)?;
    let fields: Vec<(String, Vec<u8>)> = headers.iter().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect();
    let fields = Fields::from_list(&fields).map_err(|e| fail("bad headers for", &e))?;
    let request = OutgoingRequest::new(fields);
    request.set_method(method).map_err(|()| format!("cannot set the method for {url}"))?;
    request.set_scheme(Some(&scheme)).map_err(|()| format!("cannot set the scheme of {url}"))?;
    request.set_authority(Some(authority)).map_err(|()| format!("bad host in {url}"))?;
    request.set_path_with_query(Some(path)).map_err(|()| format!("bad path in {url}"))?;
    let outgoing = request.body().map_err(|()| format!("cannot open the body of {url}"))?;
    if let Some(body) = body {
        let stream = outgoing.write().map_err(|()| format!("cannot write the body of {url}"))?;
        for chunk in body.chunks(CHUNK) {
            stream.blocking_write_and_flush(chunk).map_err(|e| fail("cannot send the body of", &e))?;
        }
    }
    let future = outgoing_handler::handle(request, None).map_err(|e| describe(url, &e))?;
    OutgoingBody::finish(outgoing, None).map_err(|e| describe(url, &e))?;
    future.subscribe().block();
    let response = match future.get() {
        Some(Ok(Ok(response))) => response,
        Some(Ok(Err(e))) => return Err(describe(url, &e)),
        Some(Err(())) | None => return Err(format!("no response from {url}")),
    };
    let status = response.status();
    let headers = response
        .headers()
        .entries()
        .into_iter()
        .map(|(name, value)| (name, String::from_utf8_lossy(&value).into_owned()))
        .collect();
    let incoming = response.consume().map_err(|()| format!("cannot read the body from {url}"))?;
    let stream = incoming.stream().map_err(|()| format!("cannot read the body from {url}"))?;
    let mut bytes = Vec::new();
    let mut truncated = false;
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                let room = max_bytes.saturating_sub(bytes.len());
                if chunk.len() > room {
                    bytes.extend_from_slice(chunk.get(..room).unwrap_or_default());
                    truncated = true;
                    break;
                }
                bytes.extend_from_slice(&chunk);
            }
            Err(StreamError::Closed) => break,
            Err(e) => return Err(fail("cannot read the body from", &e)),
        }
    }
    Ok(Response { status, headers, body: bytes, truncated })
}

/// GETs a whole document (at most [`MAX_DOCUMENT`] bytes) and insists on a 2xx status.
///
/// # Errors
///
/// As [`send`]; also a status outside 2xx (the message names it and starts the body),
/// or a body over the limit.
pub fn get(url: &str) -> Result<Response, String> {
    let response = send(&Method::Get, url, &[], None, MAX_DOCUMENT)?;
    if response.truncated {
        return Err(format!("the response from {url} is over {MAX_DOCUMENT} bytes"));
    }
    if !(200..300).contains(&response.status) {
        let text = response.text();
        let excerpt: String = text.chars().take(300).collect();
        return Err(format!("{url} answered HTTP {}: {excerpt}", response.status));
    }
    Ok(response)
}

/// GETs a JSON document and decodes it as `T`.
///
/// # Errors
///
/// As [`get`]; also a body that is not the JSON expected.
pub fn get_json<T: DeserializeOwned>(url: &str) -> Result<T, String> {
    let response = get(url)?;
    serde_json::from_slice(&response.body).map_err(|e| format!("unexpected answer from {url}: {e}"))
}

/// The base URL of a service, from the environment variable `name` the admin grants
/// (e.g. `WEATHERAPI_URL=http://api.weatherapi.com/v1`), without a trailing `/`.
///
/// # Errors
///
/// When the variable is not granted or empty, saying which variable to grant.
pub fn base_url(name: &str) -> Result<String, String> {
    match std::env::var(name) {
        Ok(url) if !url.trim().is_empty() => Ok(url.trim().trim_end_matches('/').to_owned()),
        _ => Err(format!(
            "this tool's service URL is not configured: the manifest must grant the environment variable {name}"
        )),
    }
}

/// Percent-encodes `text` for a URL query value or path segment (everything but
/// unreserved characters).
pub fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `base` followed by `?name=value&...`, each value percent-encoded.
pub fn with_query(base: &str, params: &[(&str, &str)]) -> String {
    let query: Vec<String> = params.iter().map(|(name, value)| format!("{name}={}", encode(value))).collect();
    if query.is_empty() { base.to_owned() } else { format!("{base}?{}", query.join("&")) }
}

/// `https://host:port/path?q` as (scheme, authority, path with query).
fn split_url(url: &str) -> Result<(Scheme, &str, &str), String> {
    let (scheme, rest) = url.split_once("://").ok_or_else(|| format!("`{url}` is not an absolute URL"))?;
    let scheme = match scheme {
        "http" => Scheme::Http,
        "https" => Scheme::Https,
        other => return Err(format!("`{other}` is not http or https")),
    };
    let split = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, path) = rest.split_at(split);
    if authority.is_empty() {
        return Err(format!("`{url}` has no host"));
    }
    Ok((scheme, authority, if path.is_empty() { "/" } else { path }))
}

fn describe(url: &str, error: &ErrorCode) -> String {
    match error {
        ErrorCode::HttpRequestDenied => {
            format!("request to {url} denied: the host is not in this tool's network grant")
        }
        other => format!("request to {url} failed: {other:?}"),
    }
}
