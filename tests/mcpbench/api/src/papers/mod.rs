//! The stand-in for the paper sources behind the Paper Search tool, all on one port
//! under path prefixes (one port per tool, so the tool's network grant names exactly
//! this service):
//!
//! | prefix | stands in for | real base URL |
//! |---|---|---|
//! | `/arxiv-export/api/query` | arXiv export API (Atom) | <http://export.arxiv.org/api/query> |
//! | `/arxiv/pdf/<id>` | arXiv PDFs | <https://arxiv.org/pdf> |
//! | `/eutils/{esearch,efetch}.fcgi` | NCBI E-utilities (PubMed) | <https://eutils.ncbi.nlm.nih.gov/entrez/eutils> |
//! | `/biorxiv-api/details/...` | bioRxiv/medRxiv details API | <https://api.biorxiv.org> |
//! | `/biorxiv/content/...` | bioRxiv PDFs | <https://www.biorxiv.org> |
//! | `/medrxiv/content/...` | medRxiv PDFs | <https://www.medrxiv.org> |
//! | `/scholar/scholar` | Google Scholar result pages | <https://scholar.google.com> |
//!
//! The papers (`data/papers/papers.json`) are synthetic: invented titles, authors and
//! results on the study's topics, dated around "today" = 2026-11-23. Preprints have full
//! texts, served as PDFs generated on the fly (`pdf.rs`).

mod arxiv;
mod data;
mod matching;
mod pdf;
mod pubmed;
mod rxiv;
mod scholar;

use crate::{Request, Response};

/// Answers one request.
pub fn handle(request: &Request) -> Response {
    let path = request.path.as_str();
    if request.method != "GET" && request.method != "HEAD" {
        return Response::with(405, "text/plain; charset=utf-8", "Method Not Allowed");
    }
    if path == "/arxiv-export/api/query" {
        return arxiv::query(request);
    }
    if let Some(name) = path.strip_prefix("/arxiv/pdf/") {
        return arxiv::pdf(name);
    }
    match path {
        "/eutils/esearch.fcgi" => return pubmed::esearch(request),
        "/eutils/efetch.fcgi" => return pubmed::efetch(request),
        "/scholar/scholar" => return scholar::search(request),
        _ => {}
    }
    if let Some(rest) = path.strip_prefix("/biorxiv-api/details/") {
        return rxiv::details(rest, request);
    }
    if let Some(rest) = path.strip_prefix("/biorxiv/content/") {
        return rxiv::content("biorxiv", rest);
    }
    if let Some(rest) = path.strip_prefix("/medrxiv/content/") {
        return rxiv::content("medrxiv", rest);
    }
    Response::not_found(path)
}

/// Escapes text for XML and HTML.
fn xml_escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests;
