use super::*;

fn get(target: &str) -> Response {
    handle(&Request::parse("GET", target))
}

fn text(target: &str) -> String {
    let response = get(target);
    assert_eq!(response.status, 200, "{target}");
    String::from_utf8(response.body).unwrap()
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn arxiv_feed_is_newest_first_and_and_matched() {
    let feed = text(
        "/arxiv-export/api/query?search_query=machine+learning+protein+folding&max_results=5&sortBy=submittedDate&sortOrder=descending",
    );
    assert_eq!(count(&feed, "<entry>"), 4);
    let first = feed.find("2611.06102v1").unwrap();
    let second = feed.find("2610.21457v1").unwrap();
    assert!(first < second);
    assert!(feed.contains("<opensearch:totalResults xmlns:opensearch=\"http://a9.com/-/spec/opensearch/1.1/\">4<"));
    assert!(feed.contains("type=\"application/pdf\""));
    let bad = get("/arxiv-export/api/query?search_query=x&max_results=ten");
    assert_eq!(bad.status, 400);
    assert!(String::from_utf8(bad.body).unwrap().contains("<title>Error</title>"));
}

#[test]
fn arxiv_pdfs_are_served_by_version() {
    let pdf = get("/arxiv/pdf/2611.01983v2.pdf");
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with(b"%PDF-1.4"));
    assert_eq!(get("/arxiv/pdf/2611.01983v1").status, 200);
    assert_eq!(get("/arxiv/pdf/2611.01983v3.pdf").status, 404);
    assert_eq!(get("/arxiv/pdf/9999.99999v1.pdf").status, 404);
}

#[test]
fn pubmed_esearch_and_efetch() {
    let body: serde_json::Value = serde_json::from_slice(
        &get("/eutils/esearch.fcgi?db=pubmed&term=machine+learning+pandemic+detection&retmax=5&retmode=json").body,
    )
    .unwrap();
    assert_eq!(body["esearchresult"]["idlist"], serde_json::json!(["41290555", "40890321"]));
    let xml = text("/eutils/esearch.fcgi?db=pubmed&term=CRISPR-Cas9+clinical+trial&retmax=5");
    assert_eq!(count(&xml, "<Id>"), 3);
    let fetched = text("/eutils/efetch.fcgi?db=pubmed&id=41198765,41288800&retmode=xml");
    assert_eq!(count(&fetched, "<PubmedArticle>"), 2);
    assert!(fetched.contains("<AbstractText Label=\"BACKGROUND\""));
    assert!(fetched.contains("<ELocationID EIdType=\"doi\""));
    let err: serde_json::Value =
        serde_json::from_slice(&get("/eutils/esearch.fcgi?db=pubmed&term=&retmode=json").body).unwrap();
    assert_eq!(err["esearchresult"]["ERROR"], "Empty term and query_key - nothing todo");
    assert_eq!(get("/eutils/efetch.fcgi?db=pubmed&id=").status, 400);
}

#[test]
fn rxiv_details_window_and_paging() {
    let body: serde_json::Value = serde_json::from_slice(&get("/biorxiv-api/details/biorxiv/30d/0").body).unwrap();
    let collection = body["collection"].as_array().unwrap();
    assert!(collection.iter().all(|r| r["date"].as_str().unwrap() >= "2026-10-24"));
    assert!(!collection.iter().any(|r| r["doi"] == "10.1101/2026.09.14.675500"));
    assert_eq!(body["messages"][0]["interval"], "2026-10-24:2026-11-23");
    assert_eq!(body["messages"][0]["total"], collection.len().to_string());
    let dated: serde_json::Value =
        serde_json::from_slice(&get("/biorxiv-api/details/medrxiv/2026-09-01/2026-09-30/0/json").body).unwrap();
    assert_eq!(dated["collection"].as_array().unwrap().len(), 1);
    let category: serde_json::Value =
        serde_json::from_slice(&get("/biorxiv-api/details/medrxiv/30d/0?category=epidemiology").body).unwrap();
    assert_eq!(category["collection"].as_array().unwrap().len(), 2);
    let none: serde_json::Value = serde_json::from_slice(&get("/biorxiv-api/details/biorxiv/30d/500").body).unwrap();
    assert_eq!(none["messages"][0]["status"], "no posts found");
    let bad: serde_json::Value = serde_json::from_slice(&get("/biorxiv-api/details/arxiv/30d/0").body).unwrap();
    assert!(bad["messages"][0]["status"].as_str().unwrap().starts_with("Invalid server"));
    let pdf = get("/medrxiv/content/10.1101/2026.11.14.26314620v1.full.pdf");
    assert_eq!(pdf.status, 200);
    assert!(pdf.body.starts_with(b"%PDF"));
    assert_eq!(get("/biorxiv/content/10.1101/2026.11.14.26314620v1.full.pdf").status, 404);
}

#[test]
fn scholar_pages_rank_exact_titles_first() {
    let page = text("/scholar/scholar?q=Machine+learning+approaches+to+protein+folding%3A+a+review&hl=en&start=0");
    let first = page.find("<div class=\"gs_ri\">").unwrap();
    assert!(page[first..].starts_with("<div class=\"gs_ri\"><h3 class=\"gs_rt\""));
    assert!(page[first..first + 600].contains("approaches"));
    assert!(page.contains("<div class=\"gs_a\">"));
    let all = text("/scholar/scholar?q=deep+learning+genomics+proteomics&start=0");
    assert_eq!(count(&all, "<div class=\"gs_ri\">"), 10);
    let next = text("/scholar/scholar?q=deep+learning+genomics+proteomics&start=10");
    assert!(count(&next, "<div class=\"gs_ri\">") > 0);
    // A PubMed paper Scholar does not index is not found by its title.
    let missing = text("/scholar/scholar?q=Machine+learning+force+fields+for+protein+folding+simulations");
    assert!(!missing.contains(">Machine <b>learning</b> <b>force</b>"));
}

#[test]
fn the_data_set_loads_whole() {
    let papers = data::all();
    assert_eq!(papers.len(), 64);
    for p in papers.iter().filter(|p| matches!(p.source.as_str(), "arxiv" | "biorxiv" | "medrxiv")) {
        assert!(!p.sections.is_empty(), "{} has no full text", p.id);
        assert!(p.abstract_text.is_ascii() && p.title.is_ascii(), "{} is not ASCII", p.id);
    }
}
