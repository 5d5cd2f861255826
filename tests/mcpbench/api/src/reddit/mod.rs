//! The stand-in for Reddit's public JSON API: `/r/<subreddit>/hot.json?limit=` (a
//! `Listing` of `t3` posts) and `/comments/<id>.json?sort=top&limit=&depth=` (the post's
//! listing, then its comments' listing of `t1` things with nested `replies` listings and
//! `more` stubs), for r/MachineLearning and r/artificial, ten invented hot threads each
//! (`data/reddit/threads.json`) with generated comment trees of up to five levels.
//!
//! Differences from Reddit: `limit` on comments counts top-level comments (Reddit counts
//! loosely, all levels); comments are always sorted by score ("top"), whatever `sort`
//! says; every other path, unknown subreddit or post gets Reddit's 404
//! `{"message": "Not Found", "error": 404}`.

mod tree;

use serde_json::{Value, json};
use tree::{DATA, Thread, Tree};

use crate::{Request, Response};

/// Answers one request.
pub fn handle(request: &Request) -> Response {
    let path = request.path.trim_end_matches('/');
    let path = path.strip_suffix(".json").unwrap_or(path);
    let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty()).collect();
    match parts.as_slice() {
        ["r", subreddit, "hot"] | ["r", subreddit] => hot(subreddit, request),
        ["comments", id, ..] | ["r", _, "comments", id, ..] => comments(id, request),
        _ => not_found(),
    }
}

fn not_found() -> Response {
    Response::json_status(404, &json!({ "message": "Not Found", "error": 404 }))
}

fn number(request: &Request, name: &str, default: usize) -> usize {
    request.param(name).and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

fn hot(subreddit: &str, request: &Request) -> Response {
    let threads: Vec<(usize, &Thread)> =
        DATA.threads.iter().enumerate().filter(|(_, t)| t.subreddit.eq_ignore_ascii_case(subreddit)).collect();
    if threads.is_empty() {
        return not_found();
    }
    let limit = number(request, "limit", 25).clamp(1, 100);
    let children: Vec<Value> =
        threads.iter().take(limit).map(|(_, t)| json!({ "kind": "t3", "data": post(t) })).collect();
    let after = (threads.len() > limit).then(|| threads.get(limit - 1).map(|(_, t)| format!("t3_{}", t.id)));
    Response::json(&json!({
        "kind": "Listing",
        "data": { "after": after.flatten(), "dist": children.len(), "children": children, "before": null },
    }))
}

fn comments(id: &str, request: &Request) -> Response {
    let Some((number_in_set, thread)) = DATA.threads.iter().enumerate().find(|(_, t)| t.id == id.to_lowercase()) else {
        return not_found();
    };
    let tree = tree::generate(thread, number_in_set);
    let limit = number(request, "limit", 200).max(1);
    let depth = number(request, "depth", 10).max(1);
    let mut children: Vec<Value> =
        tree.top.iter().take(limit).map(|i| comment(thread, &tree, *i, depth, &format!("t3_{}", thread.id))).collect();
    let rest: Vec<usize> = tree.top.iter().skip(limit).copied().collect();
    if let Some(stub) = more(&tree, &rest, &format!("t3_{}", thread.id), 0) {
        children.push(stub);
    }
    let post_listing = json!({
        "kind": "Listing",
        "data": { "after": null, "dist": 1, "children": [{ "kind": "t3", "data": post(thread) }], "before": null },
    });
    let comment_listing = json!({ "kind": "Listing", "data": { "after": null, "children": children, "before": null } });
    Response::json(&json!([post_listing, comment_listing]))
}

/// A `t1` comment with its replies down to `depth` levels (counting its own).
fn comment(thread: &Thread, tree: &Tree, index: usize, depth: usize, parent: &str) -> Value {
    let Some(c) = tree.comments.get(index) else { return Value::Null };
    let name = format!("t1_{}", c.id);
    let replies = if c.replies.is_empty() {
        Value::String(String::new())
    } else if c.depth + 1 < depth {
        let children: Vec<Value> = c.replies.iter().map(|r| comment(thread, tree, *r, depth, &name)).collect();
        json!({ "kind": "Listing", "data": { "after": null, "children": children, "before": null } })
    } else {
        let stub = more(tree, &c.replies, &name, c.depth + 1);
        json!({ "kind": "Listing", "data": { "after": null, "children": stub.into_iter().collect::<Vec<_>>(), "before": null } })
    };
    json!({
        "kind": "t1",
        "data": {
            "id": c.id,
            "name": name,
            "parent_id": parent,
            "link_id": format!("t3_{}", thread.id),
            "subreddit": thread.subreddit,
            "author": c.author,
            "score": c.score,
            "ups": c.score,
            "body": c.body,
            "depth": c.depth,
            "created_utc": thread.created_utc + 60 * i64::try_from(index + 1).unwrap_or(0),
            "permalink": format!("{}{}/", permalink(thread), c.id),
            "replies": replies,
        },
    })
}

/// A `more` stub standing for the comments `rest` (and everything below them).
fn more(tree: &Tree, rest: &[usize], parent: &str, depth: usize) -> Option<Value> {
    let first = tree.comments.get(*rest.first()?)?;
    let ids: Vec<&str> = rest.iter().filter_map(|i| tree.comments.get(*i)).map(|c| c.id.as_str()).collect();
    let count: usize = rest.iter().map(|i| tree.size(*i)).sum();
    Some(json!({
        "kind": "more",
        "data": { "count": count, "name": format!("t1_{}", first.id), "id": first.id, "parent_id": parent, "depth": depth, "children": ids },
    }))
}

/// A post as a `t3` thing's `data`.
fn post(thread: &Thread) -> Value {
    let permalink = permalink(thread);
    let is_self = thread.kind == "text";
    let is_gallery = thread.kind == "gallery";
    let url = if is_self { format!("https://www.reddit.com{permalink}") } else { thread.url.clone() };
    let domain = if is_self {
        format!("self.{}", thread.subreddit)
    } else {
        url.split('/').nth(2).unwrap_or("reddit.com").trim_start_matches("www.").to_owned()
    };
    json!({
        "id": thread.id,
        "name": format!("t3_{}", thread.id),
        "subreddit": thread.subreddit,
        "subreddit_name_prefixed": format!("r/{}", thread.subreddit),
        "title": thread.title,
        "author": thread.author,
        "score": thread.score,
        "ups": thread.score,
        "upvote_ratio": 0.94,
        "num_comments": thread.comments,
        "created_utc": thread.created_utc,
        "is_self": is_self,
        "is_gallery": is_gallery,
        "selftext": thread.selftext,
        "url": url,
        "domain": domain,
        "permalink": permalink,
        "stickied": false,
        "over_18": false,
    })
}

/// "/r/<sub>/comments/<id>/<slug>/".
fn permalink(thread: &Thread) -> String {
    let mut slug = String::new();
    for word in thread.title.split_whitespace() {
        let word: String = word.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
        if word.is_empty() {
            continue;
        }
        if slug.len() + word.len() + 1 > 50 {
            break;
        }
        if !slug.is_empty() {
            slug.push('_');
        }
        slug.push_str(&word);
    }
    format!("/r/{}/comments/{}/{slug}/", thread.subreddit, thread.id)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(target: &str) -> (u16, Value) {
        let r = handle(&Request::parse("GET", target));
        (r.status, serde_json::from_slice(&r.body).unwrap_or(Value::Null))
    }

    fn count(children: &Value) -> usize {
        children
            .as_array()
            .into_iter()
            .flatten()
            .filter(|c| c["kind"] == "t1")
            .map(|c| 1 + count(&c["data"]["replies"]["data"]["children"]))
            .sum()
    }

    #[test]
    fn hot_lists_posts_in_order_with_counts() {
        let (status, listing) = get("/r/MachineLearning/hot.json?limit=5&raw_json=1");
        assert_eq!(status, 200);
        let posts = listing["data"]["children"].as_array().unwrap();
        assert_eq!(posts.len(), 5);
        assert_eq!(posts[0]["data"]["id"], "1p4gq7a");
        assert_eq!(
            posts[0]["data"]["permalink"],
            "/r/MachineLearning/comments/1p4gq7a/d_is_gpt5_scaling_plateauing_looking_at_the_latest/"
        );
        assert_eq!(get("/r/artificial/hot.json").1["data"]["children"].as_array().unwrap().len(), 10);
        assert_eq!(get("/r/nosuchsub/hot.json").0, 404);
    }

    #[test]
    fn every_tree_has_the_promised_size_and_shape() {
        for (n, thread) in DATA.threads.iter().enumerate() {
            let tree = tree::generate(thread, n);
            assert_eq!(tree.comments.len(), thread.comments, "{}", thread.id);
            assert_eq!(tree.top.iter().map(|i| tree.size(*i)).sum::<usize>(), thread.comments);
            assert!(tree.comments.iter().all(|c| c.depth < thread.max_depth));
            let (_, full) = get(&format!("/comments/{}.json?sort=top&limit=500&depth=10", thread.id));
            assert_eq!(count(&full[1]["data"]["children"]), thread.comments, "{}", thread.id);
        }
    }

    #[test]
    fn limit_and_depth_cut_the_tree_with_more_stubs() {
        let (_, cut) = get("/comments/1p4gq7a.json?sort=top&limit=15&depth=3");
        let children = cut[1]["data"]["children"].as_array().unwrap();
        assert_eq!(children.iter().filter(|c| c["kind"] == "t1").count(), 15);
        assert_eq!(children.last().unwrap()["kind"], "more");
        let replied = children.iter().filter(|c| c["kind"] == "t1" && c["data"]["replies"] != "").count();
        assert!(replied > 10, "{replied}");
        let shallow = count(&cut[1]["data"]["children"]);
        let (_, deep) = get("/comments/1p4gq7a.json?sort=top&limit=15&depth=5");
        assert!(count(&deep[1]["data"]["children"]) > shallow);
        let (_, one) = get("/comments/1p4gq7a.json?limit=5&depth=1");
        assert_eq!(count(&one[1]["data"]["children"]), 5);
        assert_eq!(get("/comments/zzzzzzz.json").0, 404);
    }
}
