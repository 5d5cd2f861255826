//! Reddit's JSON things (`t3` posts, `t1` comments) as the tool's text. Plain Rust, no
//! bindings.

use std::fmt::Write as _;

use serde_json::Value;

/// Where public post pages live (the same whatever API base the tool is granted).
const SITE: &str = "https://www.reddit.com";

/// A post of a listing as a block of the hot-threads text.
pub fn listed_post(post: &Value) -> String {
    format!(
        "Title: {}\nScore: {}\nComments: {}\nAuthor: {}\nType: {}\nContent: {}\nLink: https://reddit.com{}\n---",
        text(post, "title"),
        number(post, "score"),
        number(post, "num_comments"),
        author(post),
        kind(post),
        content(post),
        text(post, "permalink"),
    )
}

/// A post's header lines for the post-content text.
pub fn post_header(post: &Value) -> String {
    format!(
        "Title: {}\nScore: {}\nAuthor: {}\nType: {}\nContent: {}\n",
        text(post, "title"),
        number(post, "score"),
        author(post),
        kind(post),
        content(post),
    )
}

/// The `t1` comments among `children` (a listing's `data.children`), `more` stubs left out.
pub fn comments(children: &Value) -> Vec<&Value> {
    children
        .as_array()
        .into_iter()
        .flatten()
        .filter(|child| child.get("kind").and_then(Value::as_str) == Some("t1"))
        .filter_map(|child| child.get("data"))
        .collect()
}

/// A comment and its replies down to `levels` levels (1 = the comment alone), indented by
/// one "-- " per level below the top.
pub fn comment_tree(comment: &Value, depth: usize, levels: usize) -> String {
    let indent = "-- ".repeat(depth);
    let mut out = format!(
        "{indent}* Author: {}\n{indent}  Score: {}\n{indent}  {}\n",
        author(comment),
        number(comment, "score"),
        text(comment, "body"),
    );
    if depth + 1 < levels {
        let replies = comment.get("replies").and_then(|r| r.get("data")).and_then(|d| d.get("children"));
        for reply in replies.map(comments).unwrap_or_default() {
            let _ = write!(out, "\n{}", comment_tree(reply, depth + 1, levels));
        }
    }
    out
}

fn text(thing: &Value, key: &str) -> String {
    thing.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

fn number(thing: &Value, key: &str) -> String {
    match thing.get(key) {
        Some(Value::Number(n)) => n.as_i64().map_or_else(|| n.to_string(), |i| i.to_string()),
        _ => "0".to_owned(),
    }
}

fn author(thing: &Value) -> String {
    thing.get("author").and_then(Value::as_str).filter(|a| !a.is_empty()).unwrap_or("[deleted]").to_owned()
}

fn flag(thing: &Value, key: &str) -> bool {
    thing.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn kind(post: &Value) -> &'static str {
    if flag(post, "is_self") {
        "text"
    } else if flag(post, "is_gallery") {
        "gallery"
    } else if post.get("poll_data").is_some_and(|p| !p.is_null()) {
        "unknown"
    } else {
        "link"
    }
}

fn content(post: &Value) -> String {
    match kind(post) {
        "text" => text(post, "selftext"),
        "gallery" => text(post, "url"),
        "link" => format!("{SITE}{}", text(post, "permalink")),
        _ => "None".to_owned(),
    }
}
