//! The `http` tool: GET and POST through `wasi:http`, with the response body bounded.
//! Which hosts it may reach is the host's decision (the tool's network grant), not
//! this component's.

use exports::cemcp::http::http::{Guest, Response};
use web_client::{Method, send};

wit_bindgen::generate!({ path: "../../wit/http", world: "http-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../wit/http/http.wit").len()] = *include_bytes!("../../../wit/http/http.wit");

/// Most response body bytes returned, whatever the caller asks.
const MAX_BODY: u32 = 1 << 20;

struct Http;

impl Guest for Http {
    fn get(url: String, headers: Vec<(String, String)>, max_bytes: u32) -> Result<Response, String> {
        call(&Method::Get, &url, &headers, None, max_bytes)
    }

    fn post(url: String, headers: Vec<(String, String)>, body: String, max_bytes: u32) -> Result<Response, String> {
        call(&Method::Post, &url, &headers, Some(body.as_bytes()), max_bytes)
    }
}

fn call(
    method: &Method,
    url: &str,
    headers: &[(String, String)],
    body: Option<&[u8]>,
    max_bytes: u32,
) -> Result<Response, String> {
    let limit = max_bytes.min(MAX_BODY) as usize;
    let response = send(method, url, headers, body, limit)?;
    let body = response.text();
    Ok(Response { status: response.status, headers: response.headers, body, truncated: response.truncated })
}

export!(Http);
