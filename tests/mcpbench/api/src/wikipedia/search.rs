//! `list=search` over the article set: a small stand-in for CirrusSearch.
//!
//! Ranking: articles matching more of the query's words first; then a score that
//! rewards words in the title (and an exact title or redirect match most) and their
//! frequency in the text; then the title. Words are compared case-insensitively, with a
//! plural `s` dropped. Snippets mark the matched words with
//! `<span class="searchmatch">` as the real API does.

use super::articles::{self, Article};
use crate::words::{stem, words};

/// Words that never count as search terms.
const STOPWORDS: &[&str] =
    &["a", "an", "and", "as", "at", "by", "for", "from", "in", "is", "of", "on", "or", "the", "to", "with"];

/// One hit.
pub struct Hit {
    /// The article.
    pub article: &'static Article,
    /// The snippet (HTML).
    pub snippet: String,
}

/// The articles matching `query`, best first, and how many matched in all.
pub fn search(query: &str, offset: usize, limit: usize) -> (Vec<Hit>, usize) {
    let terms = terms(query);
    let wanted = articles::normalize(query).to_lowercase();
    let mut scored: Vec<(usize, u64, &'static Article)> = Vec::new();
    for article in articles::all() {
        let title_words: Vec<String> = words(&article.title).map(|w| stem(&w)).collect();
        let text_words: Vec<String> = words(&article.extract()).map(|w| stem(&w)).collect();
        let mut matched = 0;
        let mut score: u64 = 0;
        for term in &terms {
            let in_title = title_words.contains(term);
            let count = text_words.iter().filter(|w| *w == term).count();
            if in_title || count > 0 {
                matched += 1;
            }
            score += if in_title { 50 } else { 0 } + count.min(25) as u64;
        }
        let exact = article.title.to_lowercase() == wanted
            || article.redirects.iter().any(|r| articles::normalize(r).to_lowercase() == wanted);
        if exact {
            score += 1000;
        }
        if matched > 0 {
            scored.push((matched, score, article));
        }
    }
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.title.cmp(&b.2.title)));
    let total = scored.len();
    let hits = scored
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, _, article)| Hit { article, snippet: snippet(article, &terms) })
        .collect();
    (hits, total)
}

/// Word count of an article's text, as `wordcount` reports it.
pub fn word_count(article: &Article) -> usize {
    article.extract().split_whitespace().count()
}

/// The distinct search terms of a query, stemmed.
fn terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in words(query) {
        let term = stem(&word);
        if !STOPWORDS.contains(&word.as_str()) && !out.contains(&term) {
            out.push(term);
        }
    }
    out
}

/// About 25 words of the text around the first matched word, matches marked.
fn snippet(article: &Article, terms: &[String]) -> String {
    let text = format!(
        "{}\n{}",
        article.lead,
        article.sections.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join("\n")
    );
    let tokens: Vec<&str> = text.split_whitespace().collect();
    let is_match = |token: &str| words(token).any(|w| terms.contains(&stem(&w)));
    let first = tokens.iter().position(|t| is_match(t)).unwrap_or(0);
    let start = first.saturating_sub(6);
    let mut out = Vec::new();
    for token in tokens.iter().skip(start).take(25) {
        let escaped = escape(token);
        if is_match(token) {
            out.push(mark(token, terms));
        } else {
            out.push(escaped);
        }
    }
    out.join(" ")
}

/// Wraps the matched word inside a token (keeping punctuation outside the span).
fn mark(token: &str, terms: &[String]) -> String {
    let mut out = String::new();
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        if !word.is_empty() {
            if terms.contains(&stem(&word.to_lowercase())) {
                out.push_str(&format!("<span class=\"searchmatch\">{}</span>", escape(word)));
            } else {
                out.push_str(&escape(word));
            }
            word.clear();
        }
    };
    for ch in token.chars() {
        if ch.is_alphanumeric() {
            word.push(ch);
        } else {
            flush(&mut word, &mut out);
            out.push_str(&escape(&ch.to_string()));
        }
    }
    flush(&mut word, &mut out);
    out
}

/// HTML-escapes text as CirrusSearch snippets are.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stems_plurals() {
        assert_eq!(stem("frameworks"), "framework");
        assert_eq!(stem("policies"), "policy");
        assert_eq!(stem("glass"), "glass");
        assert_eq!(terms("the CRISPR-Cas9 frameworks"), vec!["crispr", "cas9", "framework"]);
    }

    #[test]
    fn marks_matches() {
        let terms = terms("Paris");
        assert_eq!(mark("(Paris),", &terms), "(<span class=\"searchmatch\">Paris</span>),");
    }
}
