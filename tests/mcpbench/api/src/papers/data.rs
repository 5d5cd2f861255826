//! The synthetic paper set (`data/papers/papers.json`): one list, each paper tagged
//! with the source that holds it. Google Scholar's index is every paper (unless marked
//! `"scholar": false`) plus the entries tagged `"scholar"`.

use std::sync::OnceLock;

use serde::Deserialize;

/// "Today" for the services' date windows (bioRxiv/medRxiv "last N days").
pub const TODAY: &str = "2026-11-23";

/// One paper.
#[derive(Debug, Clone, Deserialize)]
pub struct Paper {
    /// "arxiv", "biorxiv", "medrxiv", "pubmed" or "scholar" (Scholar-only entries).
    pub source: String,
    /// arXiv id without version, DOI (bioRxiv/medRxiv), PMID, or a key (Scholar).
    pub id: String,
    /// arXiv/bioRxiv version.
    #[serde(default = "one")]
    pub version: u32,
    pub title: String,
    /// Full names, "Given Family".
    pub authors: Vec<String>,
    /// Posting or publication date, "YYYY-MM-DD".
    pub date: String,
    /// arXiv submission time of day, "HH:MM:SS".
    #[serde(default)]
    pub time: String,
    /// arXiv: date of the current version, when later than `date`.
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub categories: Vec<String>,
    /// A journal DOI (arXiv, PubMed).
    #[serde(default)]
    pub doi: String,
    /// Journal or venue (PubMed, Scholar).
    #[serde(default)]
    pub journal: String,
    /// PubMed keywords (MeSH-like), searched as PubMed searches MeSH terms.
    #[serde(default)]
    pub keywords: Vec<String>,
    #[serde(rename = "abstract")]
    pub abstract_text: String,
    /// Body sections (heading, text) of preprints that have full text.
    #[serde(default)]
    pub sections: Vec<(String, String)>,
    /// Whether Google Scholar indexes it.
    #[serde(default = "yes")]
    pub scholar: bool,
    /// Scholar's "Cited by" count.
    #[serde(default)]
    pub cited_by: u32,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

impl Paper {
    /// The year of `date`.
    pub fn year(&self) -> &str {
        self.date.get(..4).unwrap_or("")
    }

    /// "Given Family" as "G Family" (Scholar's and PubMed's short form).
    pub fn short_author(name: &str) -> (String, String) {
        let parts: Vec<&str> = name.split_whitespace().collect();
        let (family, given) = parts.split_last().map_or(("", &[][..]), |(f, g)| (*f, g));
        let initials: String = given.iter().filter_map(|g| g.chars().next()).collect();
        (family.to_owned(), initials)
    }
}

/// Every paper, loaded once.
pub fn all() -> &'static [Paper] {
    static PAPERS: OnceLock<Vec<Paper>> = OnceLock::new();
    PAPERS.get_or_init(|| serde_json::from_str(include_str!("../../data/papers/papers.json")).unwrap_or_default())
}

/// The papers of one source.
pub fn of(source: &str) -> impl Iterator<Item = &'static Paper> + '_ {
    all().iter().filter(move |p| p.source == source)
}
