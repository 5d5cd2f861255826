//! bioRxiv and medRxiv: a keyword search over the last 30 days of postings read from
//! the details API (`details/<server>/30d/<cursor>`, 100 records a page, oldest first),
//! and the preprints' PDFs.

use serde::Deserialize;
use serde_json::Value;

use crate::net;
use crate::paper::{Paper, matches, squash};

/// Records per page of the details API.
const PAGE: usize = 100;
/// Most pages read for one search (10,000 postings).
const MAX_PAGES: usize = 100;

/// bioRxiv or medRxiv.
#[derive(Clone, Copy)]
pub enum Server {
    BioRxiv,
    MedRxiv,
}

impl Server {
    fn name(self) -> &'static str {
        match self {
            Self::BioRxiv => "biorxiv",
            Self::MedRxiv => "medrxiv",
        }
    }

    /// The site the PDFs are fetched from (`BIORXIV_URL`/`MEDRXIV_URL`).
    fn site(self) -> Result<String, String> {
        match self {
            Self::BioRxiv => net::base("BIORXIV_URL"),
            Self::MedRxiv => net::base("MEDRXIV_URL"),
        }
    }

    /// The public site named in results' `url` and `pdf-url`, as the original's records
    /// (the same whichever mirror or stand-in the PDFs come from).
    fn public_site(self) -> String {
        format!("https://www.{}.org", self.name())
    }
}

#[derive(Deserialize)]
struct Details {
    #[serde(default)]
    messages: Vec<Message>,
    #[serde(default)]
    collection: Vec<Record>,
}

#[derive(Deserialize)]
struct Message {
    #[serde(default)]
    status: String,
    #[serde(default)]
    total: Value,
}

#[derive(Deserialize, Clone)]
struct Record {
    #[serde(default)]
    doi: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    authors: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    version: Value,
    #[serde(default)]
    category: String,
    #[serde(rename = "abstract", default)]
    abstract_text: String,
}

impl Record {
    fn version(&self) -> u64 {
        match &self.version {
            Value::Number(n) => n.as_u64().unwrap_or(1),
            Value::String(s) => s.parse().unwrap_or(1),
            _ => 1,
        }
    }
}

fn page(server: Server, cursor: usize) -> Result<Details, String> {
    let base = net::base("BIORXIV_API_URL")?;
    let url = format!("{base}/details/{}/30d/{cursor}", server.name());
    serde_json::from_slice(&net::get(&url)?.body).map_err(|e| format!("unexpected answer from {url}: {e}"))
}

/// The preprints of the last 30 days whose title, abstract or category contain every
/// word of `query`, newest first.
pub fn search(server: Server, query: &str, max_results: usize) -> Result<Vec<Paper>, String> {
    let first = page(server, 0)?;
    let status = first.messages.first().map(|m| m.status.as_str()).unwrap_or("");
    if status != "ok" {
        // "no posts found" and the like: nothing in the window.
        return Ok(Vec::new());
    }
    let total = match first.messages.first().map(|m| &m.total) {
        Some(Value::Number(n)) => n.as_u64().unwrap_or(0) as usize,
        Some(Value::String(s)) => s.parse().unwrap_or(0),
        _ => first.collection.len(),
    };
    let wanted = |r: &Record| matches(query, &format!("{} {} {}", r.title, r.abstract_text, r.category));
    let mut found: Vec<Record> = first.collection.iter().filter(|r| wanted(r)).cloned().collect();
    // Newest pages first, until enough matches are in hand.
    let pages = total.div_ceil(PAGE).min(MAX_PAGES);
    let mut newer: Vec<Record> = Vec::new();
    for index in (1..pages).rev() {
        let details = page(server, index * PAGE)?;
        newer.extend(details.collection.into_iter().filter(|r| wanted(r)));
        if newer.len() >= max_results {
            break;
        }
    }
    found.extend(newer);
    // One record per DOI: its latest version.
    found.sort_by(|a, b| a.doi.cmp(&b.doi).then(b.version().cmp(&a.version())));
    found.dedup_by(|a, b| a.doi == b.doi);
    found.sort_by(|a, b| b.date.cmp(&a.date).then(b.doi.cmp(&a.doi)));
    let site = server.public_site();
    Ok(found.into_iter().take(max_results).map(|r| paper(server, &site, r)).collect())
}

fn paper(server: Server, site: &str, r: Record) -> Paper {
    let version = r.version();
    let date = if r.date.is_empty() { String::new() } else { format!("{}T00:00:00", r.date) };
    let authors: Vec<&str> = r.authors.split("; ").map(str::trim).filter(|a| !a.is_empty()).collect();
    Paper {
        url: format!("{site}/content/{}v{version}", r.doi),
        pdf_url: format!("{site}/content/{}v{version}.full.pdf", r.doi),
        paper_id: r.doi.clone(),
        title: squash(&r.title),
        authors: authors.join("; "),
        abstract_text: squash(&r.abstract_text),
        doi: r.doi,
        updated_date: date.clone(),
        published_date: date,
        source: server.name().to_owned(),
        categories: r.category,
        ..Paper::default()
    }
}

/// The PDF of version 1 of preprint `doi`, as the original fetches it.
pub fn pdf(server: Server, doi: &str) -> Result<Vec<u8>, String> {
    if doi.trim().is_empty() {
        return Err("Invalid paper_id: paper_id is empty".to_owned());
    }
    let url = format!("{}/content/{doi}v1.full.pdf", server.site()?);
    let response = net::fetch(&url)?;
    match response.status {
        200..=299 => Ok(response.body),
        404 => Err(format!("{} has no preprint {doi} ({url} answered HTTP 404)", server.name())),
        status => Err(format!("{url} answered HTTP {status}")),
    }
}
