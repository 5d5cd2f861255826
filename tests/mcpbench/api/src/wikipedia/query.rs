//! `action=query`: `list=search` and the page properties for `titles`.

use serde_json::{Map, Value, json};

use super::articles::{self, Article};
use super::{Api, ApiError, error, search};

/// Most titles one request may name.
const MAX_TITLES: usize = 50;
/// Characters MediaWiki refuses in titles.
const ILLEGAL: &[char] = &['[', ']', '{', '}', '|', '#', '<', '>'];

/// Runs `action=query`.
pub fn run(api: &Api) -> Result<Value, ApiError> {
    let mut query = Map::new();
    let mut cont = Map::new();
    if let Some(lists) = api.param("list") {
        for list in lists.split('|') {
            match list {
                "search" => search_list(api, &mut query, &mut cont)?,
                other => api.warn("main", format!("Unrecognized value for parameter \"list\": {other}.")),
            }
        }
    }
    if let Some(titles) = api.param("titles") {
        pages(api, titles, &mut query, &mut cont)?;
    } else if api.param("prop").is_some() && api.param("list").is_none() {
        return Err(error("missingparam", "One of the parameters \"titles\", \"pageids\" and \"revids\" is required."));
    }
    let mut body = Map::new();
    let prop_continues = cont.keys().any(|k| k != "sroffset");
    if !prop_continues {
        body.insert("batchcomplete".to_owned(), if api.v2() { json!(true) } else { json!("") });
    }
    if !cont.is_empty() {
        cont.insert("continue".to_owned(), json!(if prop_continues { "||" } else { "-||" }));
        body.insert("continue".to_owned(), Value::Object(cont));
    }
    if !query.is_empty() {
        body.insert("query".to_owned(), Value::Object(query));
    }
    Ok(Value::Object(body))
}

fn search_list(api: &Api, query: &mut Map<String, Value>, cont: &mut Map<String, Value>) -> Result<(), ApiError> {
    let text = api.param("srsearch").ok_or_else(|| error("missingparam", "The \"srsearch\" parameter must be set."))?;
    if text.trim().is_empty() {
        return Err(error("missingparam", "The \"srsearch\" parameter must be set."));
    }
    let limit = api.limit("search", "srlimit", 10, 500)?;
    let offset = match api.param("sroffset") {
        None => 0,
        Some(raw) => raw
            .parse()
            .map_err(|_| error("badinteger", format!("Invalid value \"{raw}\" for integer parameter \"sroffset\".")))?,
    };
    let (hits, total) = search::search(text, offset, limit);
    let results: Vec<Value> = hits
        .iter()
        .map(|hit| {
            let a = hit.article;
            json!({
                "ns": 0,
                "title": a.title,
                "pageid": a.pageid,
                "size": a.extract().len(),
                "wordcount": search::word_count(a),
                "snippet": hit.snippet,
                "timestamp": a.touched,
            })
        })
        .collect();
    if offset + results.len() < total {
        cont.insert("sroffset".to_owned(), json!(offset + results.len()));
    }
    query.insert("searchinfo".to_owned(), json!({ "totalhits": total }));
    query.insert("search".to_owned(), Value::Array(results));
    Ok(())
}

/// What a requested title turned into.
enum Page {
    Found(&'static Article),
    Missing(String),
    Invalid(String),
}

fn pages(
    api: &Api,
    titles: &str,
    query: &mut Map<String, Value>,
    cont: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let asked: Vec<&str> = titles.split('|').collect();
    if asked.len() > MAX_TITLES {
        return Err(error(
            "toomanyvalues",
            format!("Too many values supplied for parameter \"titles\". The limit is {MAX_TITLES}."),
        ));
    }
    let follow = api.flag("redirects");
    let (mut normalized, mut redirects, mut found) = (Vec::new(), Vec::new(), Vec::new());
    for raw in asked {
        let title = articles::normalize(raw);
        if title.is_empty() || title.contains(ILLEGAL) {
            found.push(Page::Invalid(raw.to_owned()));
            continue;
        }
        if title != raw {
            normalized.push(if api.v2() {
                json!({ "fromencoded": false, "from": raw, "to": title })
            } else {
                json!({ "from": raw, "to": title })
            });
        }
        match articles::resolve(&title) {
            Some(resolved) if resolved.redirected_from.is_none() || follow => {
                if let Some(from) = resolved.redirected_from {
                    redirects.push(json!({ "from": from, "to": resolved.article.title }));
                }
                if !found.iter().any(|p| matches!(p, Page::Found(a) if a.pageid == resolved.article.pageid)) {
                    found.push(Page::Found(resolved.article));
                }
            }
            // A redirect asked for without `redirects`: shown as missing content here.
            _ => found.push(Page::Missing(title)),
        }
    }
    found.sort_by_key(|p| match p {
        Page::Found(a) => (0, a.title.clone()),
        Page::Missing(t) => (1, t.clone()),
        Page::Invalid(t) => (2, t.clone()),
    });
    let props: Vec<&str> = api.param("prop").map(|p| p.split('|').collect()).unwrap_or_default();
    for prop in &props {
        if !matches!(*prop, "extracts" | "info" | "categories" | "links") {
            api.warn("main", format!("Unrecognized value for parameter \"prop\": {prop}."));
        }
    }
    let mut objects: Vec<(String, Value)> = Vec::new();
    let mut missing_key = -1;
    for page in &found {
        match page {
            Page::Found(a) => {
                objects.push((a.pageid.to_string(), json!({ "pageid": a.pageid, "ns": 0, "title": a.title })));
            }
            Page::Missing(t) => {
                let missing = if api.v2() { json!(true) } else { json!("") };
                objects.push((missing_key.to_string(), json!({ "ns": 0, "title": t, "missing": missing })));
                missing_key -= 1;
            }
            Page::Invalid(t) => {
                let invalid = if api.v2() { json!(true) } else { json!("") };
                let reason = "The requested page title is empty or contains only the name of a namespace.";
                let reason = if t.contains(ILLEGAL) {
                    format!("The requested page title contains invalid characters: \"{t}\".")
                } else {
                    reason.to_owned()
                };
                objects.push((
                    missing_key.to_string(),
                    json!({ "title": t, "invalidreason": reason, "invalid": invalid }),
                ));
                missing_key -= 1;
            }
        }
    }
    let existing: Vec<&'static Article> =
        found.iter().filter_map(|p| if let Page::Found(a) = p { Some(*a) } else { None }).collect();
    if props.contains(&"extracts") {
        extracts(api, &existing, &mut objects, cont)?;
    }
    if props.contains(&"info") {
        for (a, object) in existing.iter().zip(objects.iter_mut()) {
            info(api, a, &mut object.1);
        }
    }
    if props.contains(&"categories") {
        let items: Vec<Vec<String>> =
            existing.iter().map(|a| a.categories.iter().map(|c| format!("Category:{c}")).collect()).collect();
        listing(api, ListProp::CATEGORIES, &existing, &items, &mut objects, cont)?;
    }
    if props.contains(&"links") {
        let ns_ok = api.param("plnamespace").is_none_or(|ns| ns.split('|').any(|n| n.trim() == "0"));
        let items: Vec<Vec<String>> =
            existing.iter().map(|a| if ns_ok { a.links.clone() } else { Vec::new() }).collect();
        listing(api, ListProp::LINKS, &existing, &items, &mut objects, cont)?;
    }
    if !normalized.is_empty() {
        query.insert("normalized".to_owned(), Value::Array(normalized));
    }
    if !redirects.is_empty() {
        query.insert("redirects".to_owned(), Value::Array(redirects));
    }
    let pages = if api.v2() {
        Value::Array(objects.into_iter().map(|(_, v)| v).collect())
    } else {
        Value::Object(objects.into_iter().collect())
    };
    query.insert("pages".to_owned(), pages);
    Ok(())
}

/// TextExtracts: whole articles one per request, leads (`exintro`) up to `exlimit` (20).
fn extracts(
    api: &Api,
    existing: &[&'static Article],
    objects: &mut [(String, Value)],
    cont: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let intro = api.flag("exintro");
    let plain = api.flag("explaintext");
    let mut limit = api.limit("extracts", "exlimit", 1, 20)?;
    if !intro && limit > 1 {
        api.warn(
            "extracts",
            "\"exlimit\" was too large for a whole article extracts request, lowered to 1.".to_owned(),
        );
        limit = 1;
    }
    let start: usize = api.param("excontinue").and_then(|c| c.parse().ok()).unwrap_or(0);
    for (i, (a, object)) in existing.iter().zip(objects.iter_mut()).enumerate() {
        if i < start {
            continue;
        }
        if i >= start + limit {
            cont.insert("excontinue".to_owned(), json!(i));
            break;
        }
        let text = match (intro, plain) {
            (true, true) => a.lead.clone(),
            (false, true) => a.extract(),
            (true, false) => html(&a.lead, &[]),
            (false, false) => html(&a.lead, &a.sections),
        };
        if let Value::Object(map) = &mut object.1 {
            map.insert("extract".to_owned(), json!(text));
        }
    }
    Ok(())
}

/// The HTML form of an extract (without `explaintext`).
fn html(lead: &str, sections: &[articles::Section]) -> String {
    let paragraphs = |text: &str| text.lines().map(|p| format!("<p>{p}</p>")).collect::<Vec<_>>().join("\n");
    let mut out = paragraphs(lead);
    for s in sections {
        let level = s.marker;
        let id = s.heading.replace(' ', "_");
        out.push_str(&format!(
            "\n\n<h{level}><span id=\"{id}\">{}</span></h{level}>\n{}",
            s.heading,
            paragraphs(&s.text)
        ));
    }
    out
}

fn info(api: &Api, a: &Article, object: &mut Value) {
    let Value::Object(map) = object else { return };
    let extract = a.extract();
    map.insert("contentmodel".to_owned(), json!("wikitext"));
    map.insert("pagelanguage".to_owned(), json!("en"));
    map.insert("pagelanguagehtmlcode".to_owned(), json!("en"));
    map.insert("pagelanguagedir".to_owned(), json!("ltr"));
    map.insert("touched".to_owned(), json!(a.touched));
    map.insert("lastrevid".to_owned(), json!(1_250_000_000 + a.pageid % 9_999_991));
    map.insert("length".to_owned(), json!(extract.len() * 2));
    let props = api.param("inprop").unwrap_or("");
    if props.split('|').any(|p| p == "url") {
        let url = a.full_url();
        map.insert("fullurl".to_owned(), json!(url));
        map.insert(
            "editurl".to_owned(),
            json!(format!("https://en.wikipedia.org/w/index.php?title={}&action=edit", articles::url_title(&a.title))),
        );
        map.insert("canonicalurl".to_owned(), json!(url));
    }
}

/// A list-valued page property with its parameters.
struct ListProp {
    key: &'static str,
    prefix: &'static str,
    limit: &'static str,
    cont: &'static str,
    ns: u32,
}

impl ListProp {
    const CATEGORIES: Self = Self { key: "categories", prefix: "cl", limit: "cllimit", cont: "clcontinue", ns: 14 };
    const LINKS: Self = Self { key: "links", prefix: "pl", limit: "pllimit", cont: "plcontinue", ns: 0 };
}

/// `prop=categories` / `prop=links`: `limit` items across the pages, continued with
/// `<pageid>|<item>` (links: `<pageid>|0|<title>`) as MediaWiki does.
fn listing(
    api: &Api,
    prop: ListProp,
    existing: &[&'static Article],
    items: &[Vec<String>],
    objects: &mut [(String, Value)],
    cont: &mut Map<String, Value>,
) -> Result<(), ApiError> {
    let limit = api.limit(prop.key, prop.limit, 10, 500)?;
    let resume = match api.param(prop.cont) {
        None => None,
        Some(raw) => {
            let mut parts = raw.splitn(if prop.ns == 0 { 3 } else { 2 }, '|');
            let pageid: u64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(|| bad_continue(prop.prefix))?;
            let item = parts.last().ok_or_else(|| bad_continue(prop.prefix))?.replace('_', " ");
            Some((pageid, item))
        }
    };
    let mut emitted = 0;
    'pages: for ((a, list), object) in existing.iter().zip(items).zip(objects.iter_mut()) {
        let mut out = Vec::new();
        for item in list {
            if let Some((pageid, from)) = &resume {
                let bare = item.strip_prefix("Category:").unwrap_or(item);
                if a.pageid < *pageid || (a.pageid == *pageid && bare < from.as_str()) {
                    continue;
                }
            }
            if emitted == limit {
                let bare = item.strip_prefix("Category:").unwrap_or(item).replace(' ', "_");
                let token =
                    if prop.ns == 0 { format!("{}|0|{bare}", a.pageid) } else { format!("{}|{bare}", a.pageid) };
                cont.insert(prop.cont.to_owned(), json!(token));
                attach(object, prop.key, prop.ns, out);
                break 'pages;
            }
            out.push(item.clone());
            emitted += 1;
        }
        attach(object, prop.key, prop.ns, out);
    }
    Ok(())
}

fn attach(object: &mut (String, Value), key: &str, ns: u32, items: Vec<String>) {
    if items.is_empty() {
        return;
    }
    if let Value::Object(map) = &mut object.1 {
        let list: Vec<Value> = items.into_iter().map(|t| json!({ "ns": ns, "title": t })).collect();
        map.insert(key.to_owned(), Value::Array(list));
    }
}

fn bad_continue(prefix: &str) -> ApiError {
    error(
        "badcontinue",
        format!(
            "Invalid continue param. You should pass the original value returned by the previous query. ({prefix}continue)"
        ),
    )
}
