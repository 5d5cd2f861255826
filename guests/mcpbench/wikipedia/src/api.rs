//! Calls to the MediaWiki Action API (`WIKIPEDIA_API_URL`), `formatversion=2`.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use web_client::{MAX_DOCUMENT, Method};

/// Wikimedia's API etiquette asks every client to name itself.
const USER_AGENT: &str = "cemcp-mcpbench-wikipedia/0.1 (MCP tool; https://github.com/cemcp)";
/// Most continuation requests for one listing (500 items each).
const MAX_PAGES: usize = 40;
/// Most titles per lead (`exintro`) request: TextExtracts' `exlimit` maximum.
const LEAD_BATCH: usize = 20;

/// A page as `prop=extracts|info` returns it.
#[derive(Debug, Default, Deserialize)]
pub struct Page {
    #[serde(default)]
    pub pageid: i64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub missing: bool,
    #[serde(default)]
    pub invalid: bool,
    pub extract: Option<String>,
    #[serde(default)]
    pub fullurl: String,
    #[serde(default)]
    links: Vec<Titled>,
    #[serde(default)]
    categories: Vec<Titled>,
}

#[derive(Debug, Deserialize)]
struct Titled {
    title: String,
}

#[derive(Debug, Deserialize)]
struct FromTo {
    from: String,
    to: String,
}

#[derive(Debug, Default, Deserialize)]
struct Query<T> {
    #[serde(default = "Vec::new")]
    pages: Vec<Page>,
    #[serde(default = "Vec::new")]
    search: Vec<T>,
    #[serde(default)]
    normalized: Vec<FromTo>,
    #[serde(default)]
    redirects: Vec<FromTo>,
}

#[derive(Debug, Deserialize)]
struct Answer<T> {
    #[serde(default = "Option::default")]
    query: Option<Query<T>>,
    #[serde(rename = "continue", default)]
    cont: BTreeMap<String, serde_json::Value>,
    error: Option<ApiError>,
}

#[derive(Debug, Deserialize)]
struct ApiError {
    #[serde(default)]
    code: String,
    #[serde(default)]
    info: String,
}

/// One search hit as `list=search` returns it.
#[derive(Debug, Deserialize)]
pub struct Hit {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub snippet: String,
    #[serde(default)]
    pub pageid: i64,
    #[serde(default)]
    pub wordcount: i64,
    #[serde(default)]
    pub timestamp: String,
}

fn call<T: DeserializeOwned>(params: &[(&str, &str)]) -> Result<Answer<T>, String> {
    let base = web_client::base_url("WIKIPEDIA_API_URL")?;
    let mut all = vec![("action", "query"), ("format", "json"), ("formatversion", "2")];
    all.extend_from_slice(params);
    let url = web_client::with_query(&base, &all);
    let headers = [("user-agent".to_owned(), USER_AGENT.to_owned())];
    let response = web_client::send(&Method::Get, &url, &headers, None, MAX_DOCUMENT)?;
    if response.truncated {
        return Err(format!("the answer from {base} is over {MAX_DOCUMENT} bytes"));
    }
    if !(200..300).contains(&response.status) {
        let excerpt: String = response.text().chars().take(300).collect();
        return Err(format!("{base} answered HTTP {}: {excerpt}", response.status));
    }
    let answer: Answer<T> =
        serde_json::from_slice(&response.body).map_err(|e| format!("unexpected answer from {base}: {e}"))?;
    if let Some(error) = &answer.error {
        return Err(format!("the Wikipedia API refused the request ({}): {}", error.code, error.info));
    }
    Ok(answer)
}

/// `list=search`.
pub fn search(query: &str, limit: i64) -> Result<Vec<Hit>, String> {
    let limit = limit.to_string();
    let answer: Answer<Hit> = call(&[("list", "search"), ("utf8", "1"), ("srsearch", query), ("srlimit", &limit)])?;
    Ok(answer.query.map(|q| q.search).unwrap_or_default())
}

/// The article `title` (redirects followed) with its full plain-text extract and URL;
/// none when it does not exist.
pub fn page(title: &str) -> Result<Option<Page>, String> {
    let answer: Answer<Hit> = call(&[
        ("prop", "extracts|info"),
        ("titles", title),
        ("explaintext", "1"),
        ("exsectionformat", "wiki"),
        ("inprop", "url"),
        ("redirects", "1"),
    ])?;
    let page = answer.query.and_then(|q| q.pages.into_iter().next());
    Ok(page.filter(|p| !p.missing && !p.invalid))
}

/// Every link (namespace 0) or category title of `title`, following continuation.
fn listing(title: &str, prop: &str, limit_name: &str, cont_name: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cont: Option<(String, String)> = None;
    for _ in 0..MAX_PAGES {
        let mut params = vec![("prop", prop), ("titles", title), (limit_name, "max"), ("redirects", "1")];
        if prop == "links" {
            params.push(("plnamespace", "0"));
        }
        if let Some((token, marker)) = &cont {
            params.push((cont_name, token));
            params.push(("continue", marker));
        }
        let answer: Answer<Hit> = call(&params)?;
        for page in answer.query.map(|q| q.pages).unwrap_or_default() {
            let items = if prop == "links" { page.links } else { page.categories };
            out.extend(items.into_iter().map(|t| t.title));
        }
        let token = answer.cont.get(cont_name).and_then(|v| v.as_str()).map(str::to_owned);
        let marker = answer.cont.get("continue").and_then(|v| v.as_str()).unwrap_or("||").to_owned();
        match token {
            Some(token) => cont = Some((token, marker)),
            None => return Ok(out),
        }
    }
    Ok(out)
}

/// Every article `title` links to, in the API's (title) order.
pub fn links(title: &str) -> Result<Vec<String>, String> {
    listing(title, "links", "pllimit", "plcontinue")
}

/// Every category of `title` ("Category:...").
pub fn categories(title: &str) -> Result<Vec<String>, String> {
    listing(title, "categories", "cllimit", "clcontinue")
}

/// The lead and URL of each title that exists, keyed by the title as given.
pub fn leads(titles: &[String]) -> Result<BTreeMap<String, (String, String)>, String> {
    let mut out = BTreeMap::new();
    for batch in titles.chunks(LEAD_BATCH) {
        let joined = batch.join("|");
        let answer: Answer<Hit> = call(&[
            ("prop", "extracts|info"),
            ("titles", &joined),
            ("exintro", "1"),
            ("explaintext", "1"),
            ("exlimit", "max"),
            ("inprop", "url"),
            ("redirects", "1"),
        ])?;
        let Some(query) = answer.query else { continue };
        let mut pages: BTreeMap<String, Page> = BTreeMap::new();
        for page in query.pages.into_iter().filter(|p| !p.missing && !p.invalid) {
            pages.insert(page.title.clone(), page);
        }
        for asked in batch {
            let mut name = asked.clone();
            if let Some(n) = query.normalized.iter().find(|n| n.from == name) {
                name.clone_from(&n.to);
            }
            if let Some(r) = query.redirects.iter().find(|r| r.from == name) {
                name.clone_from(&r.to);
            }
            let Some(page) = pages.get(&name) else { continue };
            let lead = match &page.extract {
                Some(lead) => lead.clone(),
                // Not in this batch's extracts (an `exlimit` lower than asked): fetch alone.
                None => single_lead(&page.title)?,
            };
            out.insert(asked.clone(), (lead, page.fullurl.clone()));
        }
    }
    Ok(out)
}

fn single_lead(title: &str) -> Result<String, String> {
    let answer: Answer<Hit> =
        call(&[("prop", "extracts"), ("titles", title), ("exintro", "1"), ("explaintext", "1"), ("redirects", "1")])?;
    Ok(answer.query.and_then(|q| q.pages.into_iter().next()).and_then(|p| p.extract).unwrap_or_default())
}
