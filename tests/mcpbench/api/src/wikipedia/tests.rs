use serde_json::Value;

use super::*;

fn get(target: &str) -> Value {
    let response = handle(&Request::parse("GET", target));
    assert_eq!(response.status, 200, "{target}");
    serde_json::from_slice(&response.body).unwrap()
}

fn titles(body: &Value) -> Vec<String> {
    body["query"]["search"].as_array().unwrap().iter().map(|r| r["title"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn search_ranks_and_marks_matches() {
    let body = get(
        "/w/api.php?action=query&format=json&list=search&utf8=1&srsearch=climate+change+negotiation+frameworks&srlimit=5",
    );
    let found = titles(&body);
    assert_eq!(found.len(), 5);
    assert!(found.contains(&"Paris Agreement".to_owned()), "{found:?}");
    assert!(found.contains(&"Kyoto Protocol".to_owned()), "{found:?}");
    let first = &body["query"]["search"][0];
    assert!(first["snippet"].as_str().unwrap().contains("<span class=\"searchmatch\">"));
    assert!(first["timestamp"].as_str().unwrap().ends_with('Z'));
    assert!(body["continue"]["sroffset"].as_u64().unwrap() == 5);
    assert_eq!(
        titles(&get("/w/api.php?action=query&format=json&list=search&srsearch=CRISPR-Cas9&srlimit=1")),
        ["CRISPR gene editing"]
    );
    assert_eq!(titles(&get("/w/api.php?action=query&format=json&list=search&srsearch=CRISPR&srlimit=1")), ["CRISPR"]);
    assert_eq!(
        titles(&get(
            "/w/api.php?action=query&format=json&list=search&srsearch=Solar+energy+renewable+energy&srlimit=1"
        )),
        ["Solar energy"]
    );
    assert_eq!(
        titles(&get("/w/api.php?action=query&format=json&list=search&srsearch=Wind+power+renewable+energy&srlimit=1")),
        ["Wind power"]
    );
    assert_eq!(
        titles(&get(
            "/w/api.php?action=query&format=json&list=search&srsearch=renewable+energy+policy+frameworks&srlimit=1"
        )),
        ["Renewable energy policy"]
    );
}

#[test]
fn extracts_info_and_redirects() {
    let body = get(
        "/w/api.php?action=query&format=json&formatversion=2&prop=extracts|info&titles=CRISPR-Cas9&explaintext=1&exsectionformat=wiki&inprop=url&redirects=1",
    );
    let page = &body["query"]["pages"][0];
    assert_eq!(page["title"], "CRISPR gene editing");
    assert_eq!(page["fullurl"], "https://en.wikipedia.org/wiki/CRISPR_gene_editing");
    assert!(page["extract"].as_str().unwrap().contains("\n\n\n== Off-target effects ==\n"));
    assert_eq!(body["query"]["redirects"][0]["from"], "CRISPR-Cas9");
    let v1 = get("/w/api.php?action=query&format=json&prop=extracts&titles=No_such_page_here&explaintext=1");
    assert_eq!(v1["query"]["pages"]["-1"]["missing"], "");
    assert_eq!(v1["query"]["normalized"][0]["to"], "No such page here");
}

#[test]
fn intro_extracts_are_batched_up_to_exlimit() {
    let body = get(
        "/w/api.php?action=query&format=json&formatversion=2&prop=extracts|info&titles=Wind_power|Hydroelectricity|Betz's_law&exintro=1&explaintext=1&exlimit=max&inprop=url&redirects=1",
    );
    let pages = body["query"]["pages"].as_array().unwrap();
    assert_eq!(pages.len(), 3);
    assert!(pages[0]["extract"].as_str().unwrap().starts_with("Hydroelectricity is"));
    assert_eq!(pages[2]["missing"], true);
}

#[test]
fn links_continue() {
    let first = get(
        "/w/api.php?action=query&format=json&formatversion=2&prop=links&titles=Kyoto_Protocol&plnamespace=0&pllimit=4",
    );
    let links = first["query"]["pages"][0]["links"].as_array().unwrap();
    assert_eq!(links.len(), 4);
    assert_eq!(links[0]["title"], "Adaptation Fund");
    let token = first["continue"]["plcontinue"].as_str().unwrap().to_owned();
    assert_eq!(token, "16748|0|Doha_Amendment");
    let next = get(&format!(
        "/w/api.php?action=query&format=json&formatversion=2&prop=links&titles=Kyoto_Protocol&plnamespace=0&pllimit=4&plcontinue={token}"
    ));
    assert_eq!(next["query"]["pages"][0]["links"][0]["title"], "Doha Amendment");
    let cats = get("/w/api.php?action=query&format=json&prop=categories&titles=Kyoto%20Protocol&cllimit=max");
    assert_eq!(cats["query"]["pages"]["16748"]["categories"][0]["title"], "Category:Climate change treaties");
}

#[test]
fn errors_look_like_mediawiki() {
    let body = get("/w/api.php?action=query&format=json&list=search");
    assert_eq!(body["error"]["code"], "missingparam");
    let body = get("/w/api.php?action=query&format=json&list=search&srsearch=x&srlimit=abc");
    assert_eq!(body["error"]["code"], "badinteger");
    let body = get("/w/api.php?action=frobnicate&format=json");
    assert_eq!(body["error"]["code"], "badvalue");
    assert_eq!(handle(&Request::parse("GET", "/wiki/Paris")).status, 404);
}
