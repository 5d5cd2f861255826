//! The `call-for-papers` tool (MCP-Bench's Call for Papers server): WikiCFP's keyword
//! search, read from its HTML results table. The base URL is granted as `WIKICFP_URL`.

mod html;

use exports::mcpbench::call_for_papers::call_for_papers::{Event, Events, Guest};
use web_client::{MAX_DOCUMENT, Method};

wit_bindgen::generate!({ path: "../../../wit/mcpbench/call-for-papers", world: "call-for-papers-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/call-for-papers/call-for-papers.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/call-for-papers/call-for-papers.wit");

/// WikiCFP answers browsers; say who we are in the same form.
const USER_AGENT: &str = "Mozilla/5.0 (compatible; cemcp-mcpbench call-for-papers/0.1)";

struct CallForPapers;

impl Guest for CallForPapers {
    fn get_events(keywords: String, limit: i64) -> Result<Events, String> {
        let keywords = keywords.trim();
        if keywords.is_empty() {
            return Err("keywords must not be empty".to_owned());
        }
        let base = web_client::base_url("WIKICFP_URL")?;
        let url = web_client::with_query(&format!("{base}/cfp/servlet/tool.search"), &[("q", keywords), ("year", "t")]);
        let headers = [("user-agent".to_owned(), USER_AGENT.to_owned())];
        let response = web_client::send(&Method::Get, &url, &headers, None, MAX_DOCUMENT)?;
        if response.status != 200 {
            return Err(format!("WikiCFP answered HTTP {} for {url}", response.status));
        }
        let page = response.text();
        let mut events: Vec<Event> = html::result_tables(&page)
            .iter()
            .flat_map(|rows| rows.chunks_exact(2).filter_map(|pair| event(&base, pair)))
            .collect();
        if let Ok(limit) = usize::try_from(limit)
            && limit > 0
        {
            events.truncate(limit);
        }
        let count = i64::try_from(events.len()).unwrap_or(i64::MAX);
        Ok(Events { status: "success".to_owned(), count, events })
    }
}

/// One event from its two rows: name (with link) and full name, then when, where and the
/// deadline.
fn event(base: &str, pair: &[Vec<html::Cell>]) -> Option<Event> {
    let [first, second] = pair else { return None };
    let name_cell = first.first()?;
    let (event_name, event_link) = match &name_cell.link {
        Some((href, text)) => (text.clone(), absolute(base, href)),
        None => (name_cell.text.clone(), String::new()),
    };
    let event_description = first.get(1).map(|c| c.text.clone()).unwrap_or_default();
    let (event_time, event_location, deadline) = match second.as_slice() {
        [when, place, deadline, ..] => (when.text.clone(), place.text.clone(), deadline.text.clone()),
        _ => (String::new(), String::new(), String::new()),
    };
    let description = if event_description.is_empty() {
        let parts: Vec<String> = [("Location", &event_location), ("Deadline", &deadline)]
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(label, value)| format!("{label}: {value}"))
            .collect();
        if parts.is_empty() { "Conference".to_owned() } else { parts.join(" | ") }
    } else {
        event_description.clone()
    };
    Some(Event { event_name, event_description, event_time, event_location, deadline, description, event_link })
}

/// `href` made absolute against the service's base URL.
fn absolute(base: &str, href: &str) -> String {
    if href.starts_with("http://") || href.starts_with("https://") {
        href.to_owned()
    } else if href.starts_with('/') {
        format!("{base}{href}")
    } else {
        format!("{base}/cfp/servlet/{href}")
    }
}

export!(CallForPapers);
