//! PubMed through NCBI E-utilities: `esearch` (JSON) for ids, `efetch` (XML) for the
//! records.

use roxmltree::{Document, Node, ParsingOptions};
use serde::Deserialize;

use crate::net;
use crate::paper::{Paper, squash};

/// The fixed answer of `download-pubmed`.
pub const NO_DOWNLOAD: &str = "PubMed does not provide direct PDF downloads. Please use the paper's DOI or URL to access the publisher's website.";
/// The fixed answer of `read-pubmed-paper`.
pub const NO_READ: &str = "PubMed papers cannot be read directly through this tool. Only metadata and abstracts are available through PubMed's API. Please use the paper's DOI or URL to access the full text on the publisher's website.";

#[derive(Deserialize)]
struct Search {
    esearchresult: SearchResult,
}

#[derive(Deserialize)]
struct SearchResult {
    #[serde(default)]
    idlist: Vec<String>,
    #[serde(rename = "ERROR")]
    error: Option<String>,
}

pub fn search(query: &str, max_results: i64) -> Result<Vec<Paper>, String> {
    let base = net::base("PUBMED_EUTILS_URL")?;
    let max = max_results.to_string();
    let url = web_client::with_query(
        &format!("{base}/esearch.fcgi"),
        &[("db", "pubmed"), ("term", query), ("retmax", &max), ("retmode", "json")],
    );
    let found: Search = serde_json::from_slice(&net::get(&url)?.body)
        .map_err(|e| format!("unexpected answer from PubMed's esearch: {e}"))?;
    if let Some(error) = found.esearchresult.error {
        return Err(format!("PubMed refused the search: {error}"));
    }
    let ids = found.esearchresult.idlist;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let joined = ids.join(",");
    let url = web_client::with_query(
        &format!("{base}/efetch.fcgi"),
        &[("db", "pubmed"), ("id", &joined), ("retmode", "xml")],
    );
    let text = net::get(&url)?.text();
    let options = ParsingOptions { allow_dtd: true, ..ParsingOptions::default() };
    let doc =
        Document::parse_with_options(&text, options).map_err(|e| format!("PubMed's efetch answer is not XML: {e}"))?;
    let mut papers: Vec<Paper> =
        doc.descendants().filter(|n| n.has_tag_name("PubmedArticle")).filter_map(|a| paper(&a)).collect();
    // In the order esearch ranked them.
    papers.sort_by_key(|p| ids.iter().position(|id| *id == p.paper_id).unwrap_or(usize::MAX));
    Ok(papers)
}

fn text(node: &Node) -> String {
    squash(&node.descendants().filter(|n| n.is_text()).filter_map(|n| n.text()).collect::<String>())
}

fn find<'a, 'i>(node: &Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants().find(|n| n.has_tag_name(name))
}

fn paper(article: &Node) -> Option<Paper> {
    let citation = find(article, "MedlineCitation")?;
    let pmid = citation.children().find(|n| n.has_tag_name("PMID")).map(|n| text(&n))?;
    let title = find(article, "ArticleTitle").map(|n| text(&n)).unwrap_or_default();
    let authors: Vec<String> = article
        .descendants()
        .filter(|n| n.has_tag_name("Author"))
        .filter_map(|a| {
            let last = a.children().find(|n| n.has_tag_name("LastName")).map(|n| text(&n));
            let initials = a.children().find(|n| n.has_tag_name("Initials")).map(|n| text(&n)).unwrap_or_default();
            match last {
                Some(last) => Some(format!("{last} {initials}").trim().to_owned()),
                None => a.children().find(|n| n.has_tag_name("CollectiveName")).map(|n| text(&n)),
            }
        })
        .collect();
    let abstract_text = article
        .descendants()
        .filter(|n| n.has_tag_name("AbstractText"))
        .map(|n| match n.attribute("Label") {
            Some(label) => format!("{label}: {}", text(&n)),
            None => text(&n),
        })
        .collect::<Vec<_>>()
        .join(" ");
    let year = find(article, "PubDate").and_then(|d| {
        d.children()
            .find(|n| n.has_tag_name("Year"))
            .or_else(|| d.children().find(|n| n.has_tag_name("MedlineDate")))
            .map(|n| text(&n).chars().take(4).collect::<String>())
    });
    let published = year
        .filter(|y| y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()))
        .map(|y| format!("{y}-01-01T00:00:00"))
        .unwrap_or_default();
    let doi = article
        .descendants()
        .find(|n| n.has_tag_name("ELocationID") && n.attribute("EIdType") == Some("doi"))
        .or_else(|| article.descendants().find(|n| n.has_tag_name("ArticleId") && n.attribute("IdType") == Some("doi")))
        .map(|n| text(&n))
        .unwrap_or_default();
    Some(Paper {
        url: format!("https://pubmed.ncbi.nlm.nih.gov/{pmid}/"),
        paper_id: pmid,
        title,
        authors: authors.join("; "),
        abstract_text,
        doi,
        updated_date: published.clone(),
        published_date: published,
        source: "pubmed".to_owned(),
        ..Paper::default()
    })
}
