//! arXiv: the export API's Atom feed and the PDFs.

use roxmltree::{Document, Node};

use crate::net;
use crate::paper::{Paper, squash};

/// Searches, newest submissions first (as the original: `sortBy=submittedDate`).
pub fn search(query: &str, max_results: i64) -> Result<Vec<Paper>, String> {
    let base = net::base("ARXIV_API_URL")?;
    let max = max_results.to_string();
    let url = web_client::with_query(
        &base,
        &[("search_query", query), ("max_results", &max), ("sortBy", "submittedDate"), ("sortOrder", "descending")],
    );
    let response = net::fetch(&url)?;
    let text = response.text();
    let doc = Document::parse(&text).map_err(|e| {
        format!("arXiv answered HTTP {} with a document that is not XML ({e}): {}", response.status, excerpt(&text))
    })?;
    let entries: Vec<Node> = doc.root_element().children().filter(|n| n.has_tag_name("entry")).collect();
    if let Some(error) = entries.iter().find(|e| child_text(e, "title") == "Error") {
        return Err(format!("arXiv refused the query: {}", child_text(error, "summary")));
    }
    if !(200..300).contains(&response.status) {
        return Err(format!("arXiv answered HTTP {}: {}", response.status, excerpt(&text)));
    }
    Ok(entries.iter().map(|entry| paper(entry)).collect())
}

fn excerpt(text: &str) -> String {
    text.chars().take(200).collect()
}

fn child_text(node: &Node, name: &str) -> String {
    node.children().find(|n| n.has_tag_name(name)).map(|n| squash(&all_text(&n))).unwrap_or_default()
}

fn all_text(node: &Node) -> String {
    node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect()
}

/// "2026-11-12T17:03:22Z" as the original's naive ISO form "2026-11-12T17:03:22".
fn iso(stamp: &str) -> String {
    stamp.trim().trim_end_matches('Z').to_owned()
}

fn paper(entry: &Node) -> Paper {
    let id_url = child_text(entry, "id");
    let paper_id = match id_url.split_once("/abs/") {
        Some((_, id)) => id.to_owned(),
        None => id_url.rsplit('/').next().unwrap_or_default().to_owned(),
    };
    let authors: Vec<String> = entry
        .children()
        .filter(|n| n.has_tag_name("author"))
        .map(|a| child_text(&a, "name"))
        .filter(|a| !a.is_empty())
        .collect();
    let pdf_url = entry
        .children()
        .find(|n| n.has_tag_name("link") && n.attribute("type") == Some("application/pdf"))
        .and_then(|n| n.attribute("href"))
        .unwrap_or_default()
        .to_owned();
    let categories: Vec<&str> =
        entry.children().filter(|n| n.has_tag_name("category")).filter_map(|n| n.attribute("term")).collect();
    Paper {
        paper_id,
        title: child_text(entry, "title"),
        authors: authors.join("; "),
        abstract_text: child_text(entry, "summary"),
        doi: child_text(entry, "doi"),
        published_date: iso(&child_text(entry, "published")),
        pdf_url,
        url: id_url,
        source: "arxiv".to_owned(),
        updated_date: iso(&child_text(entry, "updated")),
        categories: categories.join("; "),
        ..Paper::default()
    }
}

/// The PDF of `paper_id` from `ARXIV_PDF_URL`.
pub fn pdf(paper_id: &str) -> Result<Vec<u8>, String> {
    let base = net::base("ARXIV_PDF_URL")?;
    let url = format!("{base}/{paper_id}.pdf");
    let response = net::fetch(&url)?;
    match response.status {
        200..=299 => Ok(response.body),
        404 => Err(format!("arXiv has no paper {paper_id} ({url} answered HTTP 404)")),
        status => Err(format!("{url} answered HTTP {status}")),
    }
}
