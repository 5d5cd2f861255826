//! PubMed through NCBI E-utilities: `/eutils/esearch.fcgi` (JSON or XML) and
//! `/eutils/efetch.fcgi` (PubMed XML).

use std::fmt::Write as _;

use serde_json::json;

use super::data::{self, Paper};
use super::{matching, xml_escape};
use crate::{Request, Response};

const XML: &str = "text/xml; charset=UTF-8";

/// `esearch.fcgi?db=pubmed&term=...&retmax=...&retstart=...&retmode=json|xml`: every
/// word of the term must occur in the title, abstract or keywords; newest first.
pub fn esearch(request: &Request) -> Response {
    let json_mode = request.param("retmode") == Some("json");
    let fail = |message: &str| {
        if json_mode {
            Response::json(
                &json!({ "header": { "type": "esearch", "version": "0.3" }, "esearchresult": { "ERROR": message } }),
            )
        } else {
            Response::with(
                200,
                XML,
                format!(
                    "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<eSearchResult><ERROR>{}</ERROR></eSearchResult>\n",
                    xml_escape(message)
                ),
            )
        }
    };
    match request.param("db") {
        Some("pubmed") => {}
        Some(other) => return fail(&format!("Invalid db name specified: {other}")),
        None => return fail("Invalid db name specified: "),
    }
    let term = request.param("term").unwrap_or("");
    if term.trim().is_empty() {
        return fail("Empty term and query_key - nothing todo");
    }
    let number =
        |name: &str, default: usize| request.param(name).and_then(|v| v.parse::<usize>().ok()).unwrap_or(default);
    let (retmax, retstart) = (number("retmax", 20).min(10_000), number("retstart", 0));
    let terms = matching::terms(term);
    let mut found: Vec<&Paper> =
        data::of("pubmed").filter(|p| matching::score(&terms, &searchable(p)).is_some()).collect();
    found.sort_by(|a, b| b.date.cmp(&a.date).then(b.id.cmp(&a.id)));
    let ids: Vec<&str> = found.iter().skip(retstart).take(retmax).map(|p| p.id.as_str()).collect();
    let translation = terms.iter().map(|t| format!("\"{t}\"[All Fields]")).collect::<Vec<_>>().join(" AND ");
    if json_mode {
        Response::json(&json!({
            "header": { "type": "esearch", "version": "0.3" },
            "esearchresult": {
                "count": found.len().to_string(),
                "retmax": ids.len().to_string(),
                "retstart": retstart.to_string(),
                "idlist": ids,
                "translationset": [],
                "querytranslation": translation,
            }
        }))
    } else {
        let mut body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<!DOCTYPE eSearchResult PUBLIC \"-//NLM//DTD esearch 20060628//EN\" \"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd\">\n<eSearchResult><Count>{}</Count><RetMax>{}</RetMax><RetStart>{retstart}</RetStart><IdList>\n",
            found.len(),
            ids.len()
        );
        for id in &ids {
            let _ = writeln!(body, "<Id>{id}</Id>");
        }
        let _ = writeln!(
            body,
            "</IdList><TranslationSet/><QueryTranslation>{}</QueryTranslation></eSearchResult>",
            xml_escape(&translation)
        );
        Response::with(200, XML, body)
    }
}

fn searchable(p: &Paper) -> String {
    format!("{} {} {}", p.title, p.abstract_text, p.keywords.join(" "))
}

/// `efetch.fcgi?db=pubmed&id=1,2&retmode=xml`: the PubmedArticleSet of the known ids.
pub fn efetch(request: &Request) -> Response {
    if request.param("db") != Some("pubmed") {
        let db = request.param("db").unwrap_or("");
        return Response::with(
            400,
            XML,
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<eFetchResult><ERROR>Invalid db name specified: {}</ERROR></eFetchResult>\n",
                xml_escape(db)
            ),
        );
    }
    let ids: Vec<&str> =
        request.param("id").unwrap_or("").split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if ids.is_empty() {
        return Response::with(
            400,
            XML,
            "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<eFetchResult><ERROR>Empty id list - nothing todo</ERROR></eFetchResult>\n",
        );
    }
    let mut body = String::from(
        "<?xml version=\"1.0\" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC \"-//NLM//DTD PubMedArticle, 1st January 2025//EN\" \"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd\">\n<PubmedArticleSet>\n",
    );
    for id in ids {
        if let Some(p) = data::of("pubmed").find(|p| p.id == id) {
            article(&mut body, p);
        }
    }
    body.push_str("</PubmedArticleSet>\n");
    Response::with(200, XML, body)
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn article(body: &mut String, p: &Paper) {
    let month = p
        .date
        .get(5..7)
        .and_then(|m| m.parse::<usize>().ok())
        .and_then(|m| MONTHS.get(m.wrapping_sub(1)))
        .unwrap_or(&"Jan");
    let _ = write!(
        body,
        "<PubmedArticle>\n  <MedlineCitation Status=\"MEDLINE\" Owner=\"NLM\" IndexingMethod=\"Automated\">\n    <PMID Version=\"1\">{id}</PMID>\n    <Article PubModel=\"Print-Electronic\">\n      <Journal>\n        <JournalIssue CitedMedium=\"Internet\">\n          <PubDate>\n            <Year>{year}</Year>\n            <Month>{month}</Month>\n          </PubDate>\n        </JournalIssue>\n        <Title>{journal}</Title>\n      </Journal>\n      <ArticleTitle>{title}</ArticleTitle>\n",
        id = p.id,
        year = p.year(),
        journal = xml_escape(&p.journal),
        title = xml_escape(&p.title),
    );
    if !p.doi.is_empty() {
        let _ = writeln!(body, "      <ELocationID EIdType=\"doi\" ValidYN=\"Y\">{}</ELocationID>", xml_escape(&p.doi));
    }
    body.push_str("      <Abstract>\n");
    // "LABEL: text" paragraphs become a structured abstract.
    for part in p.abstract_text.split("\n\n") {
        match part.split_once(": ").filter(|(label, _)| label.chars().all(|c| c.is_ascii_uppercase() || c == ' ')) {
            Some((label, text)) => {
                let _ = writeln!(
                    body,
                    "        <AbstractText Label=\"{label}\" NlmCategory=\"{label}\">{}</AbstractText>",
                    xml_escape(text)
                );
            }
            None => {
                let _ = writeln!(body, "        <AbstractText>{}</AbstractText>", xml_escape(part));
            }
        }
    }
    body.push_str("      </Abstract>\n      <AuthorList CompleteYN=\"Y\">\n");
    for author in &p.authors {
        let (family, initials) = Paper::short_author(author);
        let given = author.rsplit_once(' ').map_or("", |(g, _)| g);
        let _ = writeln!(
            body,
            "        <Author ValidYN=\"Y\">\n          <LastName>{}</LastName>\n          <ForeName>{}</ForeName>\n          <Initials>{initials}</Initials>\n        </Author>",
            xml_escape(&family),
            xml_escape(given)
        );
    }
    body.push_str("      </AuthorList>\n      <Language>eng</Language>\n      <PublicationTypeList>\n        <PublicationType UI=\"D016428\">Journal Article</PublicationType>\n      </PublicationTypeList>\n    </Article>\n");
    if !p.keywords.is_empty() {
        body.push_str("    <KeywordList Owner=\"NOTNLM\">\n");
        for keyword in &p.keywords {
            let _ = writeln!(body, "      <Keyword MajorTopicYN=\"N\">{}</Keyword>", xml_escape(keyword));
        }
        body.push_str("    </KeywordList>\n");
    }
    let _ = write!(
        body,
        "  </MedlineCitation>\n  <PubmedData>\n    <PublicationStatus>ppublish</PublicationStatus>\n    <ArticleIdList>\n      <ArticleId IdType=\"pubmed\">{}</ArticleId>\n",
        p.id
    );
    if !p.doi.is_empty() {
        let _ = writeln!(body, "      <ArticleId IdType=\"doi\">{}</ArticleId>", xml_escape(&p.doi));
    }
    body.push_str("    </ArticleIdList>\n  </PubmedData>\n</PubmedArticle>\n");
}
