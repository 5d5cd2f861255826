//! The `http` tool: GET and POST through `wasi:http`, with the response body bounded.
//! Which hosts it may reach is the host's decision (the tool's network grant), not
//! this component's.

use exports::cemcp::http::http::{Guest, Response};
use wasip2::http::outgoing_handler;
use wasip2::http::types::{ErrorCode, Fields, Method, OutgoingBody, OutgoingRequest, Scheme};
use wasip2::io::streams::StreamError;

wit_bindgen::generate!({ path: "../../wit/http", world: "http-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/http/http.wit").len()] = *include_bytes!("../../../wit/http/http.wit");

/// Most response body bytes returned, whatever the caller asks.
const MAX_BODY: u32 = 1 << 20;
/// Most bytes written to a body stream per call (wasi:io's limit is 4096).
const CHUNK: usize = 4096;

struct Http;

impl Guest for Http {
    fn get(url: String, headers: Vec<(String, String)>, max_bytes: u32) -> Result<Response, String> {
        send(Method::Get, &url, &headers, None, max_bytes)
    }

    fn post(url: String, headers: Vec<(String, String)>, body: String, max_bytes: u32) -> Result<Response, String> {
        send(Method::Post, &url, &headers, Some(body.as_bytes()), max_bytes)
    }
}

fn send(
    method: Method,
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    max_bytes: u32,
) -> Result<Response, String> {
    let fail = |what: &str, e: &dyn std::fmt::Debug| format!("{what} {url}: {e:?}");
    let (scheme, authority, path) = split_url(url)?;
    let fields: Vec<(String, Vec<u8>)> = headers.iter().map(|(k, v)| (k.clone(), v.clone().into_bytes())).collect();
    let fields = Fields::from_list(&fields).map_err(|e| fail("bad headers for", &e))?;
    let request = OutgoingRequest::new(fields);
    request.set_method(&method).map_err(|()| format!("cannot set the method for {url}"))?;
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
    let limit = max_bytes.min(MAX_BODY) as usize;
    let mut bytes = Vec::new();
    let mut truncated = false;
    loop {
        match stream.blocking_read(64 * 1024) {
            Ok(chunk) => {
                let room = limit - bytes.len();
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
    Ok(Response { status, headers, body: String::from_utf8_lossy(&bytes).into_owned(), truncated })
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

export!(Http);
