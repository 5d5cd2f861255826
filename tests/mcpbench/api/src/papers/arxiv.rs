//! arXiv: the export API's Atom feed (`/arxiv-export/api/query`) and the PDFs
//! (`/arxiv/pdf/<id>[vN][.pdf]`).

use std::fmt::Write as _;

use super::data::{self, Paper};
use super::{matching, pdf, xml_escape};
use crate::{Request, Response};

const ATOM: &str = "application/atom+xml; charset=utf-8";

/// `GET /api/query`: `search_query` (every word must match title, abstract, authors or
/// categories), `id_list`, `start`, `max_results`, `sortBy`, `sortOrder`.
pub fn query(request: &Request) -> Response {
    let number = |name: &str, default: usize| -> Result<usize, Response> {
        match request.param(name) {
            None | Some("") => Ok(default),
            Some(raw) => raw.parse::<usize>().map_err(|_| {
                error_feed(
                    &format!("{name} must be an integer"),
                    &format!("http://arxiv.org/api/errors#{name}_must_be_an_integer"),
                )
            }),
        }
    };
    let start = match number("start", 0) {
        Ok(n) => n,
        Err(response) => return response,
    };
    let max = match number("max_results", 10) {
        Ok(n) => n,
        Err(response) => return response,
    };
    if max > 30_000 {
        return error_feed(
            "max_results must be less than or equal to 30000",
            "http://arxiv.org/api/errors#max_results_too_large",
        );
    }
    let query = request.param("search_query").unwrap_or("");
    let ids: Vec<&str> =
        request.param("id_list").unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    let terms = matching::terms(query);
    let mut found: Vec<&Paper> = data::of("arxiv")
        .filter(|p| ids.is_empty() || ids.iter().any(|id| id.split('v').next() == Some(p.id.as_str())))
        .filter(|p| query.trim().is_empty() && !ids.is_empty() || matching::score(&terms, &searchable(p)).is_some())
        .collect();
    let key = |p: &Paper| match request.param("sortBy") {
        Some("lastUpdatedDate") => format!("{}T{}", p.updated.clone().unwrap_or_else(|| p.date.clone()), p.time),
        _ => format!("{}T{}", p.date, p.time),
    };
    match request.param("sortBy") {
        Some("submittedDate" | "lastUpdatedDate") => found.sort_by_key(|p| key(p)),
        // Relevance: more occurrences of the query words first.
        _ => found.sort_by_key(|p| std::cmp::Reverse(matching::score(&terms, &searchable(p)).unwrap_or(0))),
    }
    if request.param("sortBy").is_some_and(|s| s != "relevance") && request.param("sortOrder") != Some("ascending") {
        found.reverse();
    }
    let total = found.len();
    let page: Vec<&Paper> = found.into_iter().skip(start).take(max).collect();
    let mut feed = feed_head(request, total, start, max);
    for paper in page {
        entry(&mut feed, paper);
    }
    feed.push_str("</feed>\n");
    Response::with(200, ATOM, feed)
}

fn searchable(p: &Paper) -> String {
    format!("{} {} {} {}", p.title, p.abstract_text, p.authors.join(" "), p.categories.join(" "))
}

fn feed_head(request: &Request, total: usize, start: usize, max: usize) -> String {
    let q = xml_escape(request.param("search_query").unwrap_or(""));
    let ids = xml_escape(request.param("id_list").unwrap_or(""));
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <link href="http://arxiv.org/api/query?search_query%3D{q}%26id_list%3D{ids}%26start%3D{start}%26max_results%3D{max}" rel="self" type="application/atom+xml"/>
  <title type="html">ArXiv Query: search_query={q}&amp;id_list={ids}&amp;start={start}&amp;max_results={max}</title>
  <id>http://arxiv.org/api/offline</id>
  <updated>{today}T00:00:00-05:00</updated>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{total}</opensearch:totalResults>
  <opensearch:startIndex xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{start}</opensearch:startIndex>
  <opensearch:itemsPerPage xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">{max}</opensearch:itemsPerPage>
"#,
        today = data::TODAY
    )
}

fn entry(feed: &mut String, p: &Paper) {
    let id = format!("{}v{}", p.id, p.version);
    let published = format!("{}T{}Z", p.date, p.time);
    let updated = p.updated.as_ref().map_or_else(|| published.clone(), |u| format!("{u}T{}Z", p.time));
    let _ = write!(
        feed,
        "  <entry>\n    <id>http://arxiv.org/abs/{id}</id>\n    <updated>{updated}</updated>\n    <published>{published}</published>\n    <title>{}</title>\n    <summary>  {}\n</summary>\n",
        xml_escape(&p.title),
        xml_escape(&p.abstract_text)
    );
    for author in &p.authors {
        let _ = writeln!(feed, "    <author>\n      <name>{}</name>\n    </author>", xml_escape(author));
    }
    if !p.doi.is_empty() {
        let doi = xml_escape(&p.doi);
        let _ = writeln!(feed, "    <arxiv:doi xmlns:arxiv=\"http://arxiv.org/schemas/atom\">{doi}</arxiv:doi>");
        let _ = writeln!(feed, "    <link title=\"doi\" href=\"http://dx.doi.org/{doi}\" rel=\"related\"/>");
    }
    let _ = writeln!(feed, "    <link href=\"http://arxiv.org/abs/{id}\" rel=\"alternate\" type=\"text/html\"/>");
    let _ = writeln!(
        feed,
        "    <link title=\"pdf\" href=\"http://arxiv.org/pdf/{id}\" rel=\"related\" type=\"application/pdf\"/>"
    );
    if let Some(primary) = p.categories.first() {
        let _ = writeln!(
            feed,
            "    <arxiv:primary_category xmlns:arxiv=\"http://arxiv.org/schemas/atom\" term=\"{primary}\" scheme=\"http://arxiv.org/schemas/atom\"/>"
        );
    }
    for category in &p.categories {
        let _ = writeln!(feed, "    <category term=\"{category}\" scheme=\"http://arxiv.org/schemas/atom\"/>");
    }
    feed.push_str("  </entry>\n");
}

fn error_feed(message: &str, id: &str) -> Response {
    let body = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title type="html">ArXiv Query: error</title>
  <id>http://arxiv.org/api/offline</id>
  <opensearch:totalResults xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">1</opensearch:totalResults>
  <entry>
    <id>{id}</id>
    <title>Error</title>
    <summary>{message}</summary>
    <author>
      <name>arXiv api core</name>
    </author>
    <link href="{id}" rel="alternate" type="text/html"/>
  </entry>
</feed>
"#
    );
    Response::with(400, ATOM, body)
}

/// `GET /pdf/<id>[vN][.pdf]`.
pub fn pdf(name: &str) -> Response {
    let name = name.strip_suffix(".pdf").unwrap_or(name);
    let (id, version) = match name.rsplit_once('v') {
        Some((id, v)) if v.chars().all(|c| c.is_ascii_digit()) && !v.is_empty() => (id, v.parse::<u32>().ok()),
        _ => (name, None),
    };
    match data::of("arxiv").find(|p| p.id == id && version.is_none_or(|v| v >= 1 && v <= p.version)) {
        Some(paper) => Response::with(200, "application/pdf", pdf::render(paper)),
        None => Response::with(
            404,
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><title>Not Found</title><h1>Article identifier '{}' not recognized</h1>",
                xml_escape(name)
            ),
        ),
    }
}
