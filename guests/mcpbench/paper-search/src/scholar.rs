//! Google Scholar: reads result pages (`/scholar?q=...&start=...`, 10 results each) and
//! takes each result's title and link (`h3.gs_rt`), byline (`div.gs_a`: authors, venue,
//! year) and snippet (`div.gs_rs`).

use crate::net;
use crate::paper::{Paper, squash};

const PAGE: usize = 10;
/// Result-type tags Scholar puts before titles.
const TAGS: &[&str] = &["[PDF]", "[HTML]", "[BOOK]", "[B]", "[CITATION]", "[C]", "[DOC]"];

pub fn search(query: &str, max_results: usize) -> Result<Vec<Paper>, String> {
    let base = net::base("SCHOLAR_URL")?;
    let mut papers = Vec::new();
    let mut start = 0;
    while papers.len() < max_results {
        let offset = start.to_string();
        let url = web_client::with_query(
            &format!("{base}/scholar"),
            &[("q", query), ("start", &offset), ("hl", "en"), ("as_sdt", "0,5")],
        );
        let response = net::fetch(&url)?;
        let html = response.text();
        let blocked = html.contains("gs_captcha") || html.contains("unusual traffic");
        if response.status != 200 || blocked {
            if papers.is_empty() {
                return Err(format!(
                    "Google Scholar refused the request (HTTP {}{}); try again later",
                    response.status,
                    if blocked { ", CAPTCHA page" } else { "" }
                ));
            }
            break;
        }
        let results = results(&html);
        if results.is_empty() {
            break;
        }
        for item in results {
            if papers.len() >= max_results {
                break;
            }
            if let Some(paper) = parse(item) {
                papers.push(paper);
            }
        }
        start += PAGE;
    }
    Ok(papers)
}

/// The inner HTML of every `div.gs_ri`.
fn results(html: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some((inner, end)) = element(html, from, "div", "gs_ri") {
        out.push(inner);
        from = end;
    }
    out
}

/// The first element `<tag class="... class ...">` at or after `from`: its inner HTML
/// and the offset just past its end tag.
fn element<'a>(html: &'a str, from: usize, tag: &str, class: &str) -> Option<(&'a str, usize)> {
    let open = format!("<{tag}");
    let mut at = from;
    loop {
        let start = at + html.get(at..)?.find(&open)?;
        let head_end = start + html.get(start..)?.find('>')?;
        let head = html.get(start..head_end)?;
        let after_name = head.as_bytes().get(open.len()).copied();
        if matches!(after_name, Some(b' ' | b'\t' | b'\n')) && has_class(head, class) {
            let inner_start = head_end + 1;
            let inner_end = closing(html, inner_start, tag)?;
            let close_len = tag.len() + 3;
            return Some((html.get(inner_start..inner_end)?, inner_end + close_len));
        }
        at = head_end;
    }
}

fn has_class(head: &str, class: &str) -> bool {
    let Some(pos) = head.find("class=") else { return false };
    let rest = head.get(pos + 6..).unwrap_or_default();
    let (quote, rest) = match rest.chars().next() {
        Some(q @ ('"' | '\'')) => (q, rest.get(1..).unwrap_or_default()),
        _ => (' ', rest),
    };
    let value = rest.split(quote).next().unwrap_or_default();
    value.split_whitespace().any(|c| c == class)
}

/// Where the end tag matching an open `tag` (whose content starts at `from`) begins.
fn closing(html: &str, from: usize, tag: &str) -> Option<usize> {
    let (open, close) = (format!("<{tag}"), format!("</{tag}>"));
    let mut depth = 1;
    let mut at = from;
    loop {
        let next_close = at + html.get(at..)?.find(&close)?;
        let next_open = html.get(at..next_close).and_then(|s| {
            s.match_indices(&open)
                .find(|(i, _)| matches!(s.as_bytes().get(i + open.len()), Some(b' ' | b'>' | b'\t' | b'\n')))
                .map(|(i, _)| at + i)
        });
        match next_open {
            Some(open_at) => {
                depth += 1;
                at = open_at + open.len();
            }
            None => {
                depth -= 1;
                if depth == 0 {
                    return Some(next_close);
                }
                at = next_close + close.len();
            }
        }
    }
}

/// Text of an HTML fragment: tags dropped, entities decoded, whitespace collapsed.
fn text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for ch in html.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    squash(&decode(&out).replace('\u{a0}', " "))
}

/// Decodes the HTML entities Scholar pages use.
fn decode(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp).unwrap_or_default());
        let tail = rest.get(amp..).unwrap_or_default();
        let end = tail.find(';').filter(|&e| e <= 10);
        let entity = end.and_then(|e| tail.get(1..e));
        let decoded = entity.and_then(|name| match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some('\u{a0}'),
            "hellip" => Some('\u{2026}'),
            "ndash" => Some('\u{2013}'),
            "mdash" => Some('\u{2014}'),
            n if n.starts_with("#x") || n.starts_with("#X") => {
                n.get(2..).and_then(|h| u32::from_str_radix(h, 16).ok()).and_then(char::from_u32)
            }
            n if n.starts_with('#') => n.get(1..).and_then(|d| d.parse().ok()).and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = tail.get(e + 1..).unwrap_or_default();
            }
            _ => {
                out.push('&');
                rest = tail.get(1..).unwrap_or_default();
            }
        }
    }
    out.push_str(rest);
    out
}

fn parse(item: &str) -> Option<Paper> {
    let (title_html, _) = element(item, 0, "h3", "gs_rt")?;
    let (info_html, _) = element(item, 0, "div", "gs_a")?;
    let abstract_text = element(item, 0, "div", "gs_rs").map(|(h, _)| text(h)).unwrap_or_default();
    let mut title = text(title_html);
    for tag in TAGS {
        title = title.replace(tag, "");
    }
    let title = squash(&title);
    let url = href(title_html).unwrap_or_default();
    let info = text(info_html);
    let byline = info.split(" - ").next().unwrap_or_else(|| info.split('-').next().unwrap_or_default());
    let authors: Vec<String> = byline
        .split(',')
        .map(|a| a.trim().trim_end_matches('\u{2026}').trim_end_matches("...").trim().to_owned())
        .filter(|a| !a.is_empty())
        .collect();
    let year = info
        .split(|c: char| !c.is_ascii_digit())
        .filter(|w| w.len() == 4)
        .filter_map(|w| w.parse::<u32>().ok())
        .find(|y| (1900..=2100).contains(y));
    Some(Paper {
        paper_id: format!("gs_{}", fnv1a(&url)),
        title,
        authors: authors.join("; "),
        abstract_text,
        published_date: year.map(|y| format!("{y}-01-01T00:00:00")).unwrap_or_default(),
        url,
        source: "google_scholar".to_owned(),
        ..Paper::default()
    })
}

/// The `href` of the first link in a fragment, entities decoded.
fn href(html: &str) -> Option<String> {
    let mut at = 0;
    while let Some(pos) = html.get(at..)?.find("<a ") {
        let start = at + pos;
        let end = start + html.get(start..)?.find('>')?;
        let head = html.get(start..end)?;
        if let Some(h) = head.find("href=\"") {
            let value = head.get(h + 6..)?.split('"').next()?;
            return Some(decode(value));
        }
        at = end;
    }
    None
}

/// A stable 64-bit FNV-1a hash (the original used Python's per-process `hash`).
fn fnv1a(text: &str) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash
}
