//! The `reddit` tool (MCP-Bench's Reddit server): a subreddit's hot posts and a post's
//! comment tree as text, from Reddit's public JSON API granted as `REDDIT_URL`.

mod format;

use exports::mcpbench::reddit::reddit::Guest;
use serde_json::Value;
use web_client::{MAX_DOCUMENT, Method};

wit_bindgen::generate!({ path: "../../../wit/mcpbench/reddit", world: "reddit-tool" });

/// The WIT this tool exports, doc comments included, carried in the component (custom
/// section `cemcp:wit`) so that cemcp can show the docs to agents.
#[used]
#[unsafe(link_section = "cemcp:wit")]
static WIT: [u8; include_bytes!("../../../../wit/mcpbench/reddit/reddit.wit").len()] =
    *include_bytes!("../../../../wit/mcpbench/reddit/reddit.wit");

/// Reddit refuses anonymous clients without a descriptive User-Agent.
const USER_AGENT: &str = "cemcp-mcpbench-reddit/0.1 (read-only MCP tool)";

struct Reddit;

impl Guest for Reddit {
    fn fetch_reddit_hot_threads(subreddit: String, limit: i64) -> Result<String, String> {
        let name = subreddit.trim().trim_start_matches('/').trim_start_matches("r/").trim_end_matches('/');
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(format!("`{subreddit}` is not a subreddit name (letters, digits and _ only, without r/)"));
        }
        if limit < 1 {
            return Err(format!("limit must be at least 1 (got {limit})"));
        }
        let listing = get(&format!("r/{name}/hot.json"), &[("limit", &limit.to_string()), ("raw_json", "1")])?;
        let children = listing.get("data").and_then(|d| d.get("children")).and_then(Value::as_array);
        let posts: Vec<String> = children
            .into_iter()
            .flatten()
            .filter(|c| c.get("kind").and_then(Value::as_str) == Some("t3"))
            .filter_map(|c| c.get("data"))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(format::listed_post)
            .collect();
        Ok(posts.join("\n\n"))
    }

    fn fetch_reddit_post_content(post_id: String, comment_limit: i64, comment_depth: i64) -> Result<String, String> {
        let id = post_key(&post_id)?;
        if comment_limit < 1 {
            return Err(format!("comment_limit must be at least 1 (got {comment_limit})"));
        }
        if comment_depth < 1 {
            return Err(format!("comment_depth must be at least 1 (got {comment_depth})"));
        }
        let answer = get(
            &format!("comments/{id}.json"),
            &[
                ("sort", "top"),
                ("limit", &comment_limit.to_string()),
                ("depth", &comment_depth.to_string()),
                ("raw_json", "1"),
            ],
        )?;
        let children_of = |listing: Option<&Value>| {
            listing.and_then(|l| l.get("data")).and_then(|d| d.get("children")).cloned().unwrap_or(Value::Null)
        };
        let posts = children_of(answer.get(0));
        let post = posts
            .as_array()
            .and_then(|p| p.first())
            .and_then(|p| p.get("data"))
            .ok_or_else(|| format!("Reddit sent no post for id {id}"))?;
        let mut text = format::post_header(post);
        let comments = children_of(answer.get(1));
        let top = format::comments(&comments);
        let levels = usize::try_from(comment_depth).unwrap_or(usize::MAX);
        if top.is_empty() {
            text.push_str("\nNo comments found.");
        } else {
            text.push_str("\nComments:\n");
            for comment in top.into_iter().take(usize::try_from(comment_limit).unwrap_or(usize::MAX)) {
                text.push('\n');
                text.push_str(&format::comment_tree(comment, 0, levels));
            }
        }
        Ok(text)
    }
}

/// The post id in `given`: a bare id, "t3_<id>", or a URL with "/comments/<id>/".
fn post_key(given: &str) -> Result<String, String> {
    let given = given.trim();
    let id = match given.split_once("/comments/") {
        Some((_, rest)) => rest.split('/').next().unwrap_or_default(),
        None => given.strip_prefix("t3_").unwrap_or(given),
    };
    if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("`{given}` is not a Reddit post id (e.g. \"1abc2de\")"));
    }
    Ok(id.to_ascii_lowercase())
}

/// GETs `path` below the base URL with `params`, and decodes the JSON.
fn get(path: &str, params: &[(&str, &str)]) -> Result<Value, String> {
    let base = web_client::base_url("REDDIT_URL")?;
    let url = web_client::with_query(&format!("{base}/{path}"), params);
    let headers = [("user-agent".to_owned(), USER_AGENT.to_owned())];
    let response = web_client::send(&Method::Get, &url, &headers, None, MAX_DOCUMENT)?;
    if !(200..300).contains(&response.status) {
        let body: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        let reason = body
            .get("reason")
            .or_else(|| body.get("message"))
            .and_then(Value::as_str)
            .map_or_else(String::new, |r| format!(" ({r})"));
        return Err(format!("Reddit answered HTTP {}{reason} for {url}", response.status));
    }
    serde_json::from_slice(&response.body).map_err(|e| format!("unexpected answer from {url}: {e}"))
}

export!(Reddit);
