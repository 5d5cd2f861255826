//! The `wikipedia` tool (MCP-Bench's Wikipedia server): search, articles, sections,
//! links, categories and extractive summaries from English Wikipedia through the
//! MediaWiki Action API, whose endpoint the manifest grants (`WIKIPEDIA_API_URL`).

mod api;
mod text;

use exports::mcpbench::wikipedia::wikipedia::{
    Article, Guest, KeyFacts, Level3Section, Level4Section, Links, QuerySummary, RelatedTopic, RelatedTopics,
    SearchResult, SearchResults, Section, SectionSummary, Sections, Subsection, Subsubsection, Summary,
};

wit_bindgen::generate!({ path: "../../../wit/mcpbench/wikipedia", world: "wikipedia-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/wikipedia/wikipedia.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/wikipedia/wikipedia.wit");

/// Links returned by `get-article`, as the original.
const ARTICLE_LINKS: usize = 100;
/// The API's `srlimit` range.
const MAX_SEARCH: i64 = 500;

struct Wikipedia;

/// A fetched article: its title, page id, URL and parsed text.
struct Fetched {
    title: String,
    pageid: i64,
    url: String,
    parsed: text::Parsed,
}

fn fetch(title: &str) -> Result<Option<Fetched>, String> {
    Ok(api::page(title)?.map(|page| Fetched {
        parsed: text::parse(page.extract.as_deref().unwrap_or_default()),
        title: page.title,
        pageid: page.pageid,
        url: page.fullurl,
    }))
}

fn not_found(title: &str) -> String {
    format!("No Wikipedia article found for '{title}'.")
}

fn length(name: &str, value: i64) -> Result<usize, String> {
    usize::try_from(value).map_err(|_| format!("{name} must be 0 or more (got {value})"))
}

impl Guest for Wikipedia {
    fn search_wikipedia(query: String, limit: i64) -> Result<SearchResults, String> {
        if !(1..=MAX_SEARCH).contains(&limit) {
            return Err(format!("limit must be between 1 and {MAX_SEARCH} (got {limit})"));
        }
        let results = api::search(&query, limit)?
            .into_iter()
            .map(|h| SearchResult {
                title: h.title,
                snippet: h.snippet,
                pageid: h.pageid,
                wordcount: h.wordcount,
                timestamp: h.timestamp,
            })
            .collect();
        Ok(SearchResults { query, results })
    }

    fn get_article(title: String) -> Result<Article, String> {
        let Some(page) = fetch(&title)? else {
            return Ok(Article {
                title,
                pageid: 0,
                summary: String::new(),
                text: String::new(),
                url: String::new(),
                sections: Vec::new(),
                categories: Vec::new(),
                links: Vec::new(),
                exists: false,
                error: Some("Page does not exist".to_owned()),
            });
        };
        let categories = api::categories(&page.title)?;
        let mut links = api::links(&page.title)?;
        links.truncate(ARTICLE_LINKS);
        Ok(Article {
            text: text::full_text(&page.parsed),
            summary: page.parsed.summary.clone(),
            sections: sections(&page.parsed.sections),
            title: page.title,
            pageid: page.pageid,
            url: page.url,
            categories,
            links,
            exists: true,
            error: None,
        })
    }

    fn get_summary(title: String) -> Result<Summary, String> {
        let summary = match fetch(&title)? {
            Some(page) => page.parsed.summary,
            None => not_found(&title),
        };
        Ok(Summary { title, summary })
    }

    fn summarize_article_for_query(title: String, query: String, max_length: i64) -> Result<QuerySummary, String> {
        let max = length("max_length", max_length)?;
        let summary = match fetch(&title)? {
            Some(page) => text::summarize_for_query(&page.parsed.summary, &text::full_text(&page.parsed), &query, max),
            None => not_found(&title),
        };
        Ok(QuerySummary { title, query, summary })
    }

    fn summarize_article_section(
        title: String,
        section_title: String,
        max_length: i64,
    ) -> Result<SectionSummary, String> {
        let max = length("max_length", max_length)?;
        let summary = match fetch(&title)? {
            Some(page) => text::summarize_section(&page.parsed, &title, &section_title, max),
            None => not_found(&title),
        };
        Ok(SectionSummary { title, section_title, summary })
    }

    fn extract_key_facts(title: String, topic_within_article: String, count: i64) -> Result<KeyFacts, String> {
        let count = length("count", count)?;
        let facts = match fetch(&title)? {
            Some(page) => {
                let topic = Some(topic_within_article.trim()).filter(|t| !t.is_empty());
                text::key_facts(&page.parsed, topic, count)
            }
            None => vec![not_found(&title)],
        };
        Ok(KeyFacts { title, topic_within_article, facts })
    }

    fn get_related_topics(title: String, limit: i64) -> Result<RelatedTopics, String> {
        let limit = length("limit", limit)?;
        let Some(page) = api::page(&title)? else {
            return Ok(RelatedTopics { title, related_topics: Vec::new() });
        };
        let mut links = api::links(&page.title)?;
        links.truncate(limit);
        let leads = api::leads(&links)?;
        let mut related: Vec<RelatedTopic> = Vec::new();
        for link in links {
            if let Some((lead, url)) = leads.get(&link) {
                related.push(RelatedTopic {
                    summary: Some(text::short_summary(lead.trim())),
                    url: Some(url.clone()),
                    title: link,
                    type_: "link".to_owned(),
                });
            }
        }
        let remaining = limit.saturating_sub(related.len());
        if remaining > 0 {
            for category in api::categories(&page.title)?.into_iter().take(remaining) {
                related.push(RelatedTopic {
                    title: category.replace("Category:", ""),
                    summary: None,
                    url: None,
                    type_: "category".to_owned(),
                });
            }
        }
        Ok(RelatedTopics { title, related_topics: related })
    }

    fn get_sections(title: String) -> Result<Sections, String> {
        let sections = fetch(&title)?.map(|page| sections(&page.parsed.sections)).unwrap_or_default();
        Ok(Sections { title, sections })
    }

    fn get_links(title: String) -> Result<Links, String> {
        let links = match api::page(&title)? {
            Some(page) => api::links(&page.title)?,
            None => Vec::new(),
        };
        Ok(Links { title, links })
    }
}

/// The section tree as WIT records, depth 0 at the top.
fn sections(tree: &[text::Section]) -> Vec<Section> {
    tree.iter()
        .map(|s| Section { title: s.title.clone(), level: 0, text: s.text.clone(), sections: subsections(&s.sections) })
        .collect()
}

fn subsections(tree: &[text::Section]) -> Vec<Subsection> {
    tree.iter()
        .map(|s| Subsection { title: s.title.clone(), level: 1, text: s.text.clone(), sections: level2(&s.sections) })
        .collect()
}

fn level2(tree: &[text::Section]) -> Vec<Subsubsection> {
    tree.iter()
        .map(|s| Subsubsection {
            title: s.title.clone(),
            level: 2,
            text: s.text.clone(),
            sections: level3(&s.sections),
        })
        .collect()
}

fn level3(tree: &[text::Section]) -> Vec<Level3Section> {
    tree.iter()
        .map(|s| Level3Section {
            title: s.title.clone(),
            level: 3,
            text: s.text.clone(),
            sections: level4(&s.sections),
        })
        .collect()
}

fn level4(tree: &[text::Section]) -> Vec<Level4Section> {
    tree.iter()
        .map(|s| Level4Section { title: s.title.clone(), level: 4, text: s.text.clone(), sections: Vec::new() })
        .collect()
}

export!(Wikipedia);
