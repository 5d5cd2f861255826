//! The `paper-search` tool (MCP-Bench's Paper Search server, the 13 functions the
//! benchmark exposes): searches arXiv, PubMed, bioRxiv, medRxiv and Google Scholar,
//! downloads preprint PDFs into a granted directory and extracts their text. The
//! services' base URLs come from the manifest (see the WIT docs).

mod arxiv;
mod files;
mod net;
mod paper;
mod pdftext;
mod pubmed;
mod rxiv;
mod scholar;

use exports::mcpbench::paper_search::paper_search::{Guest, Paper};
use rxiv::Server;

wit_bindgen::generate!({ path: "../../../wit/mcpbench/paper-search", world: "paper-search-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/paper-search/paper-search.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/paper-search/paper-search.wit");

struct PaperSearch;

fn records(papers: Vec<paper::Paper>) -> Vec<Paper> {
    papers
        .into_iter()
        .map(|p| Paper {
            paper_id: p.paper_id,
            title: p.title,
            authors: p.authors,
            abstract_: p.abstract_text,
            doi: p.doi,
            published_date: p.published_date,
            pdf_url: p.pdf_url,
            url: p.url,
            source: p.source,
            updated_date: p.updated_date,
            categories: p.categories,
            keywords: p.keywords,
            citations: p.citations,
            references: p.references,
            extra: p.extra,
        })
        .collect()
}

fn count(max_results: i64, most: i64) -> Result<usize, String> {
    if (1..=most).contains(&max_results) {
        Ok(usize::try_from(max_results).unwrap_or(0))
    } else {
        Err(format!("max_results must be between 1 and {most} (got {max_results})"))
    }
}

fn arxiv_file(paper_id: &str) -> Result<String, String> {
    let id = paper_id.trim();
    if id.is_empty() {
        return Err("paper_id is empty".to_owned());
    }
    Ok(format!("{}.pdf", id.replace('/', "_")))
}

fn rxiv_file(paper_id: &str) -> Result<String, String> {
    let doi = paper_id.trim();
    if doi.is_empty() {
        return Err("Invalid paper_id: paper_id is empty".to_owned());
    }
    Ok(format!("{}.pdf", doi.replace('/', "_")))
}

fn download_rxiv(server: Server, paper_id: &str, save_path: &str) -> Result<String, String> {
    let file = rxiv_file(paper_id)?;
    files::directory(save_path)?;
    let bytes = rxiv::pdf(server, paper_id.trim())?;
    files::save(save_path, &file, &bytes)
}

fn read_rxiv(server: Server, paper_id: &str, save_path: &str) -> Result<String, String> {
    let file = rxiv_file(paper_id)?;
    let bytes = match files::load(save_path, &file)? {
        Some(bytes) => bytes,
        None => {
            download_rxiv(server, paper_id, save_path)?;
            files::load(save_path, &file)?.unwrap_or_default()
        }
    };
    pdftext::extract(&bytes, &files::shown(save_path, &file))
}

impl Guest for PaperSearch {
    fn search_arxiv(query: String, max_results: i64) -> Result<Vec<Paper>, String> {
        count(max_results, 2000)?;
        Ok(records(arxiv::search(&query, max_results)?))
    }

    fn search_pubmed(query: String, max_results: i64) -> Result<Vec<Paper>, String> {
        count(max_results, 10_000)?;
        Ok(records(pubmed::search(&query, max_results)?))
    }

    fn search_biorxiv(query: String, max_results: i64) -> Result<Vec<Paper>, String> {
        let max = count(max_results, 1000)?;
        Ok(records(rxiv::search(Server::BioRxiv, &query, max)?))
    }

    fn search_medrxiv(query: String, max_results: i64) -> Result<Vec<Paper>, String> {
        let max = count(max_results, 1000)?;
        Ok(records(rxiv::search(Server::MedRxiv, &query, max)?))
    }

    fn search_google_scholar(query: String, max_results: i64) -> Result<Vec<Paper>, String> {
        let max = count(max_results, 100)?;
        Ok(records(scholar::search(&query, max)?))
    }

    fn download_arxiv(paper_id: String, save_path: String) -> Result<String, String> {
        let file = arxiv_file(&paper_id)?;
        files::directory(&save_path)?;
        let bytes = arxiv::pdf(paper_id.trim())?;
        files::save(&save_path, &file, &bytes)
    }

    fn download_pubmed(_paper_id: String, _save_path: String) -> Result<String, String> {
        Ok(pubmed::NO_DOWNLOAD.to_owned())
    }

    fn download_biorxiv(paper_id: String, save_path: String) -> Result<String, String> {
        download_rxiv(Server::BioRxiv, &paper_id, &save_path)
    }

    fn download_medrxiv(paper_id: String, save_path: String) -> Result<String, String> {
        download_rxiv(Server::MedRxiv, &paper_id, &save_path)
    }

    fn read_arxiv_paper(paper_id: String, save_path: String) -> Result<String, String> {
        let file = arxiv_file(&paper_id)?;
        let bytes = match files::load(&save_path, &file)? {
            Some(bytes) => bytes,
            None => {
                Self::download_arxiv(paper_id, save_path.clone())?;
                files::load(&save_path, &file)?.unwrap_or_default()
            }
        };
        pdftext::extract(&bytes, &files::shown(&save_path, &file))
    }

    fn read_pubmed_paper(_paper_id: String, _save_path: String) -> Result<String, String> {
        Ok(pubmed::NO_READ.to_owned())
    }

    fn read_biorxiv_paper(paper_id: String, save_path: String) -> Result<String, String> {
        read_rxiv(Server::BioRxiv, &paper_id, &save_path)
    }

    fn read_medrxiv_paper(paper_id: String, save_path: String) -> Result<String, String> {
        read_rxiv(Server::MedRxiv, &paper_id, &save_path)
    }
}

export!(PaperSearch);
