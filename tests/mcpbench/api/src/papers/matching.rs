//! Keyword matching shared by the paper sources: a query matches a text when every
//! word of the query occurs in it (case-insensitive, a plural `s` dropped), as the
//! sources' default AND semantics do. arXiv-style field prefixes (`all:`, `ti:`...),
//! quotes and the operator `AND` are ignored.

use crate::words::{stem, words};

const STOPWORDS: &[&str] = &["a", "an", "and", "for", "in", "of", "on", "the", "to", "with", "by", "from"];

/// The distinct, stemmed words of a query.
pub fn terms(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for raw in query.split_whitespace() {
        let raw = raw
            .split_once(':')
            .filter(|(p, _)| matches!(*p, "all" | "ti" | "abs" | "au" | "cat" | "co" | "jr"))
            .map_or(raw, |(_, r)| r);
        if raw == "AND" {
            continue;
        }
        for word in words(raw) {
            let term = stem(&word);
            if !STOPWORDS.contains(&word.as_str()) && !out.contains(&term) {
                out.push(term);
            }
        }
    }
    out
}

/// Lower-cased alphanumeric runs of `text`, stemmed.
pub fn stems(text: &str) -> Vec<String> {
    words(text).map(|w| stem(&w)).collect()
}

/// Whether every term occurs in `text`; and how often they occur in all.
pub fn score(terms: &[String], text: &str) -> Option<usize> {
    if terms.is_empty() {
        return None;
    }
    let words = stems(text);
    let mut total = 0;
    for term in terms {
        let n = words.iter().filter(|w| *w == term).count();
        if n == 0 {
            return None;
        }
        total += n;
    }
    Some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn queries_become_terms() {
        assert_eq!(terms("CRISPR-Cas9 off-target effects"), ["crispr", "cas9", "off", "target", "effect"]);
        assert_eq!(terms("all:deep AND ti:genomics"), ["deep", "genomic"]);
        assert!(score(&terms("deep learning"), "Deep-learning models").is_some());
        assert!(score(&terms("deep learning proteomics"), "Deep learning for genomics").is_none());
    }
}
