//! Google Scholar's result page (`/scholar/scholar?q=...&start=...`), 10 results per
//! page in Scholar's HTML layout (`div.gs_ri` with `h3.gs_rt`, `div.gs_a`, `div.gs_rs`).

use std::fmt::Write as _;

use super::data::{self, Paper};
use super::{matching, xml_escape};
use crate::{Request, Response};

const PAGE: usize = 10;

/// One indexed work.
struct Work<'a> {
    paper: &'a Paper,
    url: String,
    venue: String,
    host: &'static str,
}

fn index() -> Vec<Work<'static>> {
    data::all()
        .iter()
        .filter(|p| p.scholar)
        .map(|p| match p.source.as_str() {
            "arxiv" => Work {
                paper: p,
                url: format!("https://arxiv.org/abs/{}", p.id),
                venue: format!("arXiv preprint arXiv:{}", p.id),
                host: "arxiv.org",
            },
            "biorxiv" => Work {
                paper: p,
                url: format!("https://www.biorxiv.org/content/{}v{}", p.id, p.version),
                venue: "bioRxiv".to_owned(),
                host: "biorxiv.org",
            },
            "medrxiv" => Work {
                paper: p,
                url: format!("https://www.medrxiv.org/content/{}v{}", p.id, p.version),
                venue: "medRxiv".to_owned(),
                host: "medrxiv.org",
            },
            _ => Work {
                paper: p,
                url: if p.doi.is_empty() {
                    format!("https://pubmed.ncbi.nlm.nih.gov/{}/", p.id)
                } else {
                    format!("https://doi.org/{}", p.doi)
                },
                venue: p.journal.clone(),
                host: "Elsevier",
            },
        })
        .collect()
}

/// `GET /scholar?q=...&start=...`: works matching every word of `q` in title, abstract,
/// authors or venue; an exact title first, then more title words, then newer.
pub fn search(request: &Request) -> Response {
    let query = request.param("q").unwrap_or("").trim().to_owned();
    let start = request.param("start").and_then(|s| s.parse::<usize>().ok()).unwrap_or(0);
    let terms = matching::terms(&query);
    let wanted = normal(&query);
    let mut hits: Vec<(usize, usize, &str, Work)> = index()
        .into_iter()
        .filter_map(|w| {
            let p = w.paper;
            matching::score(&terms, &format!("{} {} {} {}", p.title, p.abstract_text, p.authors.join(" "), w.venue))?;
            let exact = usize::from(normal(&p.title) == wanted);
            let title_words = matching::stems(&p.title);
            let in_title = terms.iter().filter(|t| title_words.contains(t)).count();
            Some((exact, in_title, p.date.as_str(), w))
        })
        .collect();
    hits.sort_by(|a, b| {
        b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(b.2.cmp(a.2)).then(a.3.paper.title.cmp(&b.3.paper.title))
    });
    let total = hits.len();
    let mut body = format!(
        "<!doctype html><html><head><title>{q} - Google Scholar</title><meta charset=\"UTF-8\"></head><body>\n<div id=\"gs_ab_md\"><div class=\"gs_ab_mdw\">About {total} results (0.04 sec)</div></div>\n<div id=\"gs_res_ccl_mid\">\n",
        q = xml_escape(&query)
    );
    for (rank, (_, _, _, work)) in hits.into_iter().skip(start).take(PAGE).enumerate() {
        result(&mut body, start + rank, &work, &terms);
    }
    body.push_str("</div>\n</body></html>\n");
    Response::with(200, "text/html; charset=UTF-8", body)
}

fn normal(text: &str) -> String {
    text.to_lowercase().split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ")
}

fn result(body: &mut String, rank: usize, w: &Work, terms: &[String]) {
    let p = w.paper;
    let mut authors: Vec<String> = p
        .authors
        .iter()
        .take(4)
        .map(|a| {
            let (family, initials) = Paper::short_author(a);
            format!("{initials} {family}")
        })
        .collect();
    if p.authors.len() > 4
        && let Some(last) = authors.last_mut()
    {
        last.push_str("&hellip;");
    }
    let snippet: String = {
        let chars: Vec<char> = p.abstract_text.replace("\n\n", " ").chars().collect();
        let cut: String = chars.iter().take(220).collect();
        if chars.len() > 220 {
            format!("{}&hellip;", bold(&xml_escape(cut.trim_end()), terms))
        } else {
            bold(&xml_escape(&cut), terms)
        }
    };
    let pdf = match p.source.as_str() {
        "arxiv" => format!(
            "<div class=\"gs_ggs gs_fl\"><div class=\"gs_ggsd\"><div class=\"gs_or_ggsm\"><a href=\"https://arxiv.org/pdf/{}\"><span class=\"gs_ctg2\">[PDF]</span> arxiv.org</a></div></div></div>",
            p.id
        ),
        _ => String::new(),
    };
    let tag = if p.source == "arxiv" { "<span class=\"gs_ctg2\">[PDF]</span> " } else { "" };
    let _ = writeln!(
        body,
        "<div class=\"gs_r gs_or gs_scl\" data-cid=\"off{rank}\" data-rp=\"{rank}\">{pdf}<div class=\"gs_ri\"><h3 class=\"gs_rt\" ontouchstart=\"gs_evt_dsp(event)\">{tag}<a id=\"off{rank}\" href=\"{url}\" data-clk=\"hl=en\">{title}</a></h3><div class=\"gs_a\">{authors}&nbsp;- {venue}, {year} - {host}</div><div class=\"gs_rs\">{snippet}</div><div class=\"gs_fl gs_flb\"><a href=\"javascript:void(0)\" class=\"gs_or_sav gs_or_btn\">Save</a> <a href=\"javascript:void(0)\" class=\"gs_or_cit gs_or_btn\">Cite</a> <a href=\"/scholar?cites={rank}&amp;as_sdt=2005&amp;sciodt=0,5&amp;hl=en\">Cited by {cited}</a></div></div></div>",
        url = xml_escape(&w.url),
        title = bold(&xml_escape(&p.title), terms),
        authors = authors.join(", "),
        venue = xml_escape(&w.venue),
        year = p.year(),
        host = w.host,
        cited = p.cited_by,
    );
}

/// Wraps the query's words in `<b>`, as Scholar highlights them.
fn bold(html: &str, terms: &[String]) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            if matching::stems(word).first().is_some_and(|s| terms.contains(s)) {
                let _ = write!(out, "<b>{word}</b>");
            } else {
                out.push_str(word);
            }
            word.clear();
        }
    };
    let mut in_entity = false;
    for ch in html.chars() {
        if ch == '&' {
            in_entity = true;
        }
        if ch.is_alphanumeric() && !in_entity {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push(ch);
        }
        if ch == ';' {
            in_entity = false;
        }
    }
    flush(&mut word, &mut out);
    out
}
