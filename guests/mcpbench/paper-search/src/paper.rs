//! The paper record as the original server builds it (`Paper.to_dict`), free of
//! wit-bindgen; `lib.rs` converts it.

/// One paper; list fields already joined with "; ".
#[derive(Debug, Clone, Default)]
pub struct Paper {
    pub paper_id: String,
    pub title: String,
    pub authors: String,
    pub abstract_text: String,
    pub doi: String,
    pub published_date: String,
    pub pdf_url: String,
    pub url: String,
    pub source: String,
    pub updated_date: String,
    pub categories: String,
    pub keywords: String,
    pub citations: i64,
    pub references: String,
    pub extra: String,
}

/// Collapses runs of whitespace (feeds wrap titles and abstracts over lines).
pub fn squash(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Words of a query that need not occur.
const STOPWORDS: &[&str] = &["a", "an", "and", "by", "for", "from", "in", "of", "on", "the", "to", "with"];

/// Keyword matching for the sources searched client-side (bioRxiv, medRxiv): every
/// word of the query but common stopwords (case-insensitive, a plural "s" dropped) must
/// occur in the text.
pub fn matches(query: &str, text: &str) -> bool {
    let words = stems(text);
    let terms: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .map(str::to_lowercase)
        .filter(|w| !w.is_empty() && !STOPWORDS.contains(&w.as_str()))
        .map(|w| stem(&w))
        .collect();
    !terms.is_empty() && terms.iter().all(|t| words.contains(t))
}

fn stems(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|w| stem(&w.to_lowercase())).collect()
}

fn stem(word: &str) -> String {
    if let Some(base) = word.strip_suffix("ies").filter(|b| b.len() > 2) {
        return format!("{base}y");
    }
    match word.strip_suffix('s') {
        Some(base) if base.len() > 2 && !base.ends_with('s') => base.to_owned(),
        _ => word.to_owned(),
    }
}
