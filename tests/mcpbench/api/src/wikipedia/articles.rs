//! The synthetic article set (`data/wikipedia/articles.txt`): parsing, title lookup and
//! the plain-text extracts the TextExtracts extension would return for each article.
//!
//! File format: an article starts with `@@ Title`, then `key: value` lines (`pageid`,
//! `touched`, `redirects`, `categories`, `links`; lists separated by `; `), a blank
//! line, the lead paragraphs, and sections headed by `== Heading ==` lines (more `=`
//! for deeper levels). Paragraphs are separated by blank lines.

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// One paragraph-separated block of an article under a heading.
#[derive(Debug, Clone)]
pub struct Section {
    /// Number of `=` on each side of the heading (2 for `== H ==`).
    pub marker: usize,
    /// The heading text.
    pub heading: String,
    /// The paragraphs, joined by `\n`.
    pub text: String,
}

/// One article.
#[derive(Debug, Clone)]
pub struct Article {
    /// The canonical title.
    pub title: String,
    /// MediaWiki's page id.
    pub pageid: u64,
    /// Last change, ISO 8601 UTC (`touched` and search `timestamp`).
    pub touched: String,
    /// Titles that redirect here.
    pub redirects: Vec<String>,
    /// Category names without the `Category:` prefix, sorted.
    pub categories: Vec<String>,
    /// Linked article titles (namespace 0), sorted as the API lists them.
    pub links: Vec<String>,
    /// The lead paragraphs, joined by `\n`.
    pub lead: String,
    /// The sections in order.
    pub sections: Vec<Section>,
}

impl Article {
    /// The plain-text extract (`explaintext`, `exsectionformat=wiki`): the lead, then
    /// each section as `\n\n\n== Heading ==\n` and its text.
    pub fn extract(&self) -> String {
        let mut out = self.lead.clone();
        for section in &self.sections {
            let marker = "=".repeat(section.marker);
            out.push_str(&format!("\n\n\n{marker} {} {marker}\n{}", section.heading, section.text));
        }
        out
    }

    /// `https://en.wikipedia.org/wiki/Title_with_underscores`, as the real API answers.
    pub fn full_url(&self) -> String {
        format!("https://en.wikipedia.org/wiki/{}", url_title(&self.title))
    }
}

/// A title as it appears in a wiki URL: spaces as underscores, the rest percent-encoded
/// where MediaWiki encodes it.
pub fn url_title(title: &str) -> String {
    let mut out = String::new();
    for ch in title.chars() {
        match ch {
            ' ' => out.push('_'),
            c if c.is_ascii_alphanumeric() || "-_.~()!*',:/;@$".contains(c) => out.push(c),
            c => {
                let mut buf = [0; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    out
}

/// MediaWiki's title normalisation: underscores to spaces, runs of spaces collapsed,
/// trimmed, first letter upper-cased.
pub fn normalize(title: &str) -> String {
    let spaced = title.replace('_', " ");
    let collapsed = spaced.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut chars = collapsed.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Every article, parsed once.
pub fn all() -> &'static [Article] {
    static ARTICLES: OnceLock<Vec<Article>> = OnceLock::new();
    ARTICLES.get_or_init(|| parse(include_str!("../../data/wikipedia/articles.txt")))
}

/// Where a title leads: the article, and the redirect followed if any.
pub struct Resolved {
    /// The article.
    pub article: &'static Article,
    /// The normalised title asked for, when it was a redirect.
    pub redirected_from: Option<String>,
}

/// Looks up a normalised title, following one redirect.
pub fn resolve(title: &str) -> Option<Resolved> {
    static INDEX: OnceLock<BTreeMap<String, (usize, bool)>> = OnceLock::new();
    let index = INDEX.get_or_init(|| {
        let mut index = BTreeMap::new();
        for (i, article) in all().iter().enumerate() {
            for redirect in &article.redirects {
                index.insert(normalize(redirect), (i, true));
            }
        }
        for (i, article) in all().iter().enumerate() {
            index.insert(article.title.clone(), (i, false));
        }
        index
    });
    let &(i, redirect) = index.get(title)?;
    let article = all().get(i)?;
    Some(Resolved { article, redirected_from: redirect.then(|| title.to_owned()) })
}

fn parse(text: &str) -> Vec<Article> {
    let mut articles = Vec::new();
    for chunk in text.split("\n@@ ").skip(1) {
        let (title, rest) = chunk.split_once('\n').unwrap_or((chunk, ""));
        let (meta, body) = rest.split_once("\n\n").unwrap_or((rest, ""));
        let mut article = Article {
            title: title.trim().to_owned(),
            pageid: 0,
            touched: String::new(),
            redirects: Vec::new(),
            categories: Vec::new(),
            links: Vec::new(),
            lead: String::new(),
            sections: Vec::new(),
        };
        for line in meta.lines() {
            let (key, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.trim();
            let list = || value.split("; ").map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
            match key.trim() {
                "pageid" => article.pageid = value.parse().unwrap_or(0),
                "touched" => article.touched = value.to_owned(),
                "redirects" => article.redirects = list(),
                "categories" => article.categories = list(),
                "links" => article.links = list(),
                _ => {}
            }
        }
        article.categories.sort();
        article.links.sort();
        article.links.dedup();
        let mut current: Option<Section> = None;
        let mut paragraphs: Vec<String> = Vec::new();
        for block in body.split("\n\n").map(str::trim).filter(|b| !b.is_empty()) {
            if let Some((marker, heading)) = heading(block) {
                flush(&mut article, current.take(), &mut paragraphs);
                current = Some(Section { marker, heading, text: String::new() });
            } else {
                paragraphs.push(block.split_whitespace().collect::<Vec<_>>().join(" "));
            }
        }
        flush(&mut article, current, &mut paragraphs);
        articles.push(article);
    }
    articles
}

fn flush(article: &mut Article, section: Option<Section>, paragraphs: &mut Vec<String>) {
    let text = paragraphs.join("\n");
    paragraphs.clear();
    match section {
        Some(mut section) => {
            section.text = text;
            article.sections.push(section);
        }
        None => article.lead = text,
    }
}

/// `== Heading ==` as (2, "Heading").
fn heading(block: &str) -> Option<(usize, String)> {
    if block.contains('\n') {
        return None;
    }
    let marker = block.chars().take_while(|&c| c == '=').count();
    let inner = block.get(marker..)?.trim_end_matches('=');
    let closing = block.len() - marker - inner.len();
    if marker >= 2 && closing == marker { Some((marker, inner.trim().to_owned())) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_are_recognised() {
        assert_eq!(heading("== History =="), Some((2, "History".to_owned())));
        assert_eq!(heading("=== Early days ==="), Some((3, "Early days".to_owned())));
        assert_eq!(heading("== unbalanced ==="), None);
        assert_eq!(heading("plain text"), None);
    }

    #[test]
    fn titles_normalise_like_mediawiki() {
        assert_eq!(normalize("paris_agreement"), "Paris agreement");
        assert_eq!(normalize("  Kyoto   Protocol "), "Kyoto Protocol");
        assert_eq!(url_title("Transformer (deep learning architecture)"), "Transformer_(deep_learning_architecture)");
    }

    #[test]
    fn every_article_parses_with_a_lead_and_unique_ids() {
        let mut ids = std::collections::BTreeSet::new();
        for article in all() {
            assert!(!article.lead.is_empty(), "{} has no lead", article.title);
            assert!(article.pageid > 0, "{} has no pageid", article.title);
            assert!(ids.insert(article.pageid), "duplicate pageid {}", article.pageid);
            assert!(article.touched.ends_with('Z'), "{}", article.title);
        }
        assert!(resolve("Paris Agreement").is_some());
    }
}
