//! The stand-in for WikiCFP's conference search (`/cfp/servlet/tool.search?q=...&year=t`)
//! and event pages (`/cfp/servlet/event.showcfp?eventid=...`), serving the synthetic calls
//! for papers in `data/call_for_papers/events.json` (deadlines around 2026-11-23 to 2027-06).
//!
//! The search page has WikiCFP's layout: a results table (`cellpadding="2"
//! cellspacing="1"`) with a grey header row (`bgcolor="#bbbbbb"`: Event, When, Where,
//! Deadline) and two rows per event: the linked acronym (`rowspan="2"`) and the full name,
//! then when, where and the deadline ("Nov 27, 2026 (Nov 20, 2026)" when there is an earlier
//! abstract deadline). An event matches when every whitespace-separated keyword occurs in
//! its acronym or full name, case-insensitive. Results are ordered by start date (events
//! without dates last). The whole data set counts as the current listing, so `year` is
//! accepted and not used.

use std::fmt::Write as _;
use std::sync::LazyLock;

use serde::Deserialize;

use crate::{Request, Response};

/// The events, as shipped.
static EVENTS: LazyLock<Vec<Event>> = LazyLock::new(|| {
    #[derive(Deserialize)]
    struct File {
        events: Vec<Event>,
    }
    serde_json::from_str::<File>(include_str!("../data/call_for_papers/events.json"))
        .map(|f| f.events)
        .unwrap_or_default()
});

/// One call for papers.
#[derive(Debug, Deserialize)]
struct Event {
    id: u64,
    acronym: String,
    title: String,
    start: Option<String>,
    end: Option<String>,
    #[serde(rename = "where")]
    place: String,
    deadline: String,
    abstract_deadline: Option<String>,
}

const HTML: &str = "text/html; charset=utf-8";

/// Answers one request.
pub fn handle(request: &Request) -> Response {
    match request.path.as_str() {
        "/cfp/servlet/tool.search" => {
            let q = request.param("q").unwrap_or_default();
            Response::with(200, HTML, search_page(q, &search(q)))
        }
        "/cfp/servlet/event.showcfp" => {
            let id = request.param("eventid").and_then(|id| id.parse::<u64>().ok());
            match id.and_then(|id| EVENTS.iter().find(|e| e.id == id)) {
                Some(event) => Response::with(200, HTML, event_page(event)),
                None => Response::with(404, HTML, "<html><body><h3>Event not found</h3></body></html>"),
            }
        }
        _ => Response::not_found(&request.path),
    }
}

/// The events every keyword of `q` matches, in the page's order.
fn search(q: &str) -> Vec<&'static Event> {
    let words: Vec<String> = q.split_whitespace().map(str::to_lowercase).collect();
    if words.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<&Event> = EVENTS
        .iter()
        .filter(|e| {
            let text = format!("{} {}", e.acronym, e.title).to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect();
    found.sort_by(|a, b| (a.start.is_none(), &a.start, a.id).cmp(&(b.start.is_none(), &b.start, b.id)));
    found
}

fn search_page(q: &str, events: &[&Event]) -> String {
    let mut page = String::new();
    let q = escape(q);
    let _ = write!(
        page,
        "<html>\n<head>\n<title>WikiCFP : Call For Papers of Conferences, Workshops and Journals</title>\n</head>\n\
         <body>\n<div class=\"contsec\">\n<center>\n<form action=\"/cfp/servlet/tool.search\" method=\"get\">\n\
         <input type=\"text\" name=\"q\" value=\"{q}\" size=\"40\"> <select name=\"year\"><option value=\"t\" selected>this year</option>\
         <option value=\"n\">next year</option><option value=\"a\">all</option></select> <input type=\"submit\" value=\"Search\">\n</form>\n"
    );
    if events.is_empty() {
        page.push_str("<br><b>No results.</b>\n");
    } else {
        page.push_str(
            "<table cellpadding=\"3\" cellspacing=\"0\" align=\"center\" width=\"100%\">\n<tr><td>\n\
             <table cellpadding=\"2\" cellspacing=\"1\" align=\"center\" width=\"100%\">\n\
             <tr bgcolor=\"#bbbbbb\">\n<td align=\"left\">Event</td>\n<td align=\"left\">When</td>\n\
             <td align=\"left\">Where</td>\n<td align=\"left\">Deadline</td>\n</tr>\n",
        );
        for (i, e) in events.iter().enumerate() {
            let color = if i % 2 == 0 { "#f6f6f6" } else { "#e6e6e6" };
            let _ = write!(
                page,
                "<tr bgcolor=\"{color}\">\n<td rowspan=\"2\" align=\"left\"><a href=\"/cfp/servlet/event.showcfp?eventid={}&amp;copyownerid={}\">{}</a></td>\n\
                 <td align=\"left\" colspan=\"3\">{}</td>\n</tr>\n\
                 <tr bgcolor=\"{color}\">\n<td align=\"left\">{}</td>\n<td align=\"left\">{}</td>\n<td align=\"left\">{}</td>\n</tr>\n",
                e.id,
                e.id % 9_973 + 20_000,
                escape(&e.acronym),
                escape(&e.title),
                escape(&when(e)),
                escape(&e.place),
                escape(&deadline(e)),
            );
        }
        page.push_str("</table>\n</td></tr>\n</table>\n");
    }
    page.push_str("</center>\n</div>\n</body>\n</html>\n");
    page
}

fn event_page(e: &Event) -> String {
    format!(
        "<html>\n<head>\n<title>{acronym} : {title}</title>\n</head>\n<body>\n<div class=\"contsec\">\n\
         <h2>{acronym} : {title}</h2>\n<table class=\"gglu\">\n\
         <tr><th>When</th><td>{when}</td></tr>\n<tr><th>Where</th><td>{place}</td></tr>\n\
         <tr><th>Submission Deadline</th><td>{deadline}</td></tr>\n</table>\n\
         <div class=\"cfp\">Call for papers of {title}. (Synthetic listing of an offline stand-in.)</div>\n\
         </div>\n</body>\n</html>\n",
        acronym = escape(&e.acronym),
        title = escape(&e.title),
        when = escape(&when(e)),
        place = escape(&e.place),
        deadline = escape(&deadline(e)),
    )
}

/// "Mar 15, 2027 - Mar 17, 2027", or "N/A".
fn when(e: &Event) -> String {
    match (&e.start, &e.end) {
        (Some(start), Some(end)) => format!("{} - {}", us_date(start), us_date(end)),
        (Some(start), None) => us_date(start),
        _ => "N/A".to_owned(),
    }
}

/// "Nov 27, 2026", with an abstract deadline "(Nov 20, 2026)" after it.
fn deadline(e: &Event) -> String {
    match &e.abstract_deadline {
        Some(first) => format!("{} ({})", us_date(&e.deadline), us_date(first)),
        None => us_date(&e.deadline),
    }
}

/// "2027-03-05" as "Mar 5, 2027".
fn us_date(iso: &str) -> String {
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    let mut parts = iso.splitn(3, '-').map(|p| p.parse::<usize>().unwrap_or(0));
    let (y, m, d) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    let month = m.checked_sub(1).and_then(|i| MONTHS.get(i)).copied().unwrap_or("???");
    format!("{month} {d}, {y}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(target: &str) -> (u16, String) {
        let r = handle(&Request::parse("GET", target));
        (r.status, String::from_utf8(r.body).unwrap())
    }

    fn acronyms(q: &str) -> Vec<&'static str> {
        search(q).iter().map(|e| e.acronym.as_str()).collect()
    }

    #[test]
    fn every_keyword_must_match_name_or_acronym() {
        let ai = acronyms("Artificial Intelligence Europe");
        assert!(ai.contains(&"EUAIS 2027") && ai.contains(&"DPAI-EU 2027"));
        assert!(!ai.contains(&"ICAIE 2027"), "no 'Europe' in its name");
        assert_eq!(ai.last(), Some(&"AIETH-EU 2027"), "undated events come last");
        assert!(acronyms("data privacy europe").contains(&"DPAI-EU 2027"));
        assert_eq!(acronyms("CRISPR off-target").len(), 3);
        assert!(acronyms("Graph Neural Network epidemiology").contains(&"NETEPI 2027"));
        assert_eq!(acronyms("Random Forest epidemiology"), vec!["TREEPI 2027"]);
        assert!(acronyms("").is_empty());
        assert!(EVENTS.len() > 40);
    }

    #[test]
    fn the_results_page_has_wikicfps_layout() {
        let (status, html) = page("/cfp/servlet/tool.search?q=renewable+energy&year=t");
        assert_eq!(status, 200);
        assert!(html.contains("<table cellpadding=\"2\" cellspacing=\"1\""));
        assert!(html.contains("<tr bgcolor=\"#bbbbbb\">"));
        assert!(html.contains("Feb 10, 2027 - Feb 12, 2027"));
        assert!(html.contains("Nov 30, 2026 (Nov 23, 2026)"));
        assert_eq!(html.matches("rowspan=\"2\"").count(), acronyms("renewable energy").len());
        let (_, none) = page("/cfp/servlet/tool.search?q=quantum+basket+weaving&year=t");
        assert!(none.contains("No results.") && !none.contains("bbbbbb"));
    }

    #[test]
    fn event_pages_exist_for_listed_events() {
        let id = search("solar energy").first().map(|e| e.id).unwrap();
        assert_eq!(page(&format!("/cfp/servlet/event.showcfp?eventid={id}")).0, 200);
        assert_eq!(page("/cfp/servlet/event.showcfp?eventid=1").0, 404);
        assert_eq!(page("/cfp/other").0, 404);
    }
}
