//! HTTP for the paper sources: the configured base URLs and plain GETs.

use web_client::{MAX_DOCUMENT, Method, Response};

const USER_AGENT: &str = "cemcp-mcpbench-paper-search/0.1 (MCP tool)";

/// `GET url`, whatever the status (callers decide what a status means).
pub fn fetch(url: &str) -> Result<Response, String> {
    let headers =
        [("user-agent".to_owned(), USER_AGENT.to_owned()), ("accept-language".to_owned(), "en-US,en;q=0.9".to_owned())];
    let response = web_client::send(&Method::Get, url, &headers, None, MAX_DOCUMENT)?;
    if response.truncated {
        return Err(format!("the answer from {url} is over {MAX_DOCUMENT} bytes"));
    }
    Ok(response)
}

/// `GET url` insisting on a 2xx status.
pub fn get(url: &str) -> Result<Response, String> {
    let response = fetch(url)?;
    if (200..300).contains(&response.status) {
        Ok(response)
    } else {
        let excerpt: String = response.text().chars().take(200).collect();
        Err(format!("{url} answered HTTP {}: {excerpt}", response.status))
    }
}

/// The configured base URL `name` (see the interface docs).
pub fn base(name: &str) -> Result<String, String> {
    web_client::base_url(name)
}
