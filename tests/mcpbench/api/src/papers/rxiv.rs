//! bioRxiv and medRxiv: the details API (`/biorxiv-api/details/<server>/<interval>/<cursor>`)
//! and each server's PDFs (`/biorxiv/content/<doi>v<n>.full.pdf`, `/medrxiv/...`).

use serde_json::json;

use super::data::{self, Paper, TODAY};
use super::{pdf, xml_escape};
use crate::dates::{civil_from_days, days_from_civil};
use crate::{Request, Response};

/// Records per page of the details API.
const PAGE: usize = 100;

/// `details/<server>/<interval>/<cursor>[/json]` with `interval` "YYYY-MM-DD/YYYY-MM-DD",
/// "<N>d" (the last N days up to today) or "<N>" (the N most recent posts), and the
/// optional `category` filter. Records are in posting order, oldest first.
pub fn details(rest: &str, request: &Request) -> Response {
    let parts: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let server = parts.first().copied().unwrap_or("");
    if server != "biorxiv" && server != "medrxiv" {
        return message(&format!("Invalid server: {server}. Use biorxiv or medrxiv"));
    }
    let args: Vec<&str> = parts.get(1..).unwrap_or_default().iter().copied().filter(|p| *p != "json").collect();
    let mut posts: Vec<&Paper> = data::of(server).collect();
    posts.sort_by(|a, b| a.date.cmp(&b.date).then(a.id.cmp(&b.id)));
    let (interval, cursor, posts): (String, &str, Vec<&Paper>) = match args.as_slice() {
        [from, to, cursor] if is_date(from) && is_date(to) => (
            format!("{from}:{to}"),
            cursor,
            posts.into_iter().filter(|p| p.date.as_str() >= *from && p.date.as_str() <= *to).collect(),
        ),
        [days, cursor] if days.strip_suffix('d').is_some_and(|n| n.parse::<u32>().is_ok()) => {
            let n: i64 = days.trim_end_matches('d').parse().unwrap_or(0);
            let from = shift(TODAY, -n);
            (
                format!("{from}:{TODAY}"),
                cursor,
                posts.into_iter().filter(|p| p.date >= from && p.date.as_str() <= TODAY).collect(),
            )
        }
        [count, cursor] if count.parse::<usize>().is_ok() => {
            let n: usize = count.parse().unwrap_or(0);
            let skip = posts.len().saturating_sub(n);
            (count.to_string(), cursor, posts.into_iter().skip(skip).collect())
        }
        _ => {
            return message(
                "Error in interval format: use YYYY-MM-DD/YYYY-MM-DD, a number of days (e.g. 30d) or a number of posts",
            );
        }
    };
    let Ok(cursor) = cursor.parse::<usize>() else {
        return message("Error in cursor: it must be a number");
    };
    let category = request.param("category").map(|c| c.to_lowercase().replace(' ', "_"));
    let posts: Vec<&Paper> = posts
        .into_iter()
        .filter(|p| {
            category.as_ref().is_none_or(|c| p.categories.first().is_some_and(|own| own.replace(' ', "_") == *c))
        })
        .collect();
    let total = posts.len();
    let page: Vec<serde_json::Value> = posts.iter().skip(cursor).take(PAGE).map(|p| record(server, p)).collect();
    if page.is_empty() {
        return message("no posts found");
    }
    Response::json(&json!({
        "messages": [{
            "status": "ok",
            "interval": interval,
            "cursor": cursor,
            "count": page.len(),
            "count_new_papers": page.len().to_string(),
            "total": total.to_string(),
        }],
        "collection": page,
    }))
}

fn message(status: &str) -> Response {
    Response::json(&json!({ "messages": [{ "status": status }], "collection": [] }))
}

fn record(server: &str, p: &Paper) -> serde_json::Value {
    let authors: Vec<String> = p
        .authors
        .iter()
        .map(|a| {
            let (family, initials) = Paper::short_author(a);
            let dotted: Vec<String> = initials.chars().map(|c| format!("{c}.")).collect();
            format!("{family}, {}", dotted.join(" "))
        })
        .collect();
    let compact = p.id.trim_start_matches("10.1101/");
    let date_path = p.date.replace('-', "/");
    json!({
        "doi": p.id,
        "title": p.title,
        "authors": authors.join("; "),
        "author_corresponding": p.authors.first().cloned().unwrap_or_default(),
        "author_corresponding_institution": "Offline Institute of Synthetic Data",
        "date": p.date,
        "version": p.version.to_string(),
        "type": "new results",
        "license": "cc_by",
        "category": p.categories.first().cloned().unwrap_or_default(),
        "jatsxml": format!("https://www.{server}.org/content/early/{date_path}/{compact}.source.xml"),
        "abstract": p.abstract_text,
        "funder": "NA",
        "published": "NA",
        "server": if server == "biorxiv" { "bioRxiv" } else { "medRxiv" },
    })
}

/// `content/<doi>v<n>.full.pdf` (the PDF) or `content/<doi>v<n>` (the landing page).
pub fn content(server: &str, rest: &str) -> Response {
    let (name, is_pdf) = match rest.strip_suffix(".full.pdf") {
        Some(name) => (name, true),
        None => (rest.strip_suffix(".full").unwrap_or(rest), false),
    };
    let (doi, version) = match name.rsplit_once('v') {
        Some((doi, v)) if !v.is_empty() && v.chars().all(|c| c.is_ascii_digit()) => {
            (doi, v.parse::<u32>().unwrap_or(0))
        }
        _ => (name, 0),
    };
    let found = data::of(server).find(|p| p.id == doi && (version == 0 || (1..=p.version).contains(&version)));
    match (found, is_pdf) {
        (Some(paper), true) => Response::with(200, "application/pdf", pdf::render(paper)),
        (Some(paper), false) => Response::with(
            200,
            "text/html; charset=utf-8",
            format!(
                "<!DOCTYPE html><html><head><title>{0}</title></head><body><h1>{0}</h1><p>{1}</p></body></html>",
                xml_escape(&paper.title),
                xml_escape(&paper.abstract_text)
            ),
        ),
        (None, _) => Response::with(
            404,
            "text/html; charset=utf-8",
            "<!DOCTYPE html><html><head><title>Page not found</title></head><body><h1>Page not found</h1><p>The requested page could not be found.</p></body></html>",
        ),
    }
}

fn is_date(text: &str) -> bool {
    text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
}

/// `date` ("YYYY-MM-DD") moved by `days` (proleptic Gregorian).
pub fn shift(date: &str, days: i64) -> String {
    let part = |range: std::ops::Range<usize>| date.get(range).and_then(|s| s.parse::<i64>().ok()).unwrap_or(1);
    let (y, m, d) = (part(0..4), part(5..7), part(8..10));
    let (y, m, d) = civil_from_days(days_from_civil(y, m, d) + days);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_shift() {
        assert_eq!(shift("2026-11-23", -30), "2026-10-24");
        assert_eq!(shift("2024-03-01", -1), "2024-02-29");
        assert_eq!(shift("2026-12-31", 1), "2027-01-01");
    }
}
